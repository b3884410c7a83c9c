"""Demo families and collaborations, made through the case services as the staff who would
do it (called by web.demo.seed inside system scope; safe to run again).

Personal identity numbers are made up but pass the check digit, so the demo can search
for them. Databases seeded before the check-digit rule used other last digits; those
rows are found and reused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from access.scoping import STAFF, Viewer
from agencies.models import Membership
from cases import services
from cases.models import Case, Child, CoordinatorAppointment, Guardian, LifeArea, PlanAction
from portal.demo import DEMO_DOMAIN
from portal.models import User

# key: (personal number, number used by earlier demo databases)
NUMBERS = {
    "elsa": ("20140312-2383", "20140312-2387"),
    "lena": ("19840605-4422", "19840605-4426"),
    "mikael": ("19810921-5510", "19810921-5516"),
    "noah": ("20190601-3352", "20190601-3354"),
    "fatima": ("19900214-6687", "19900214-6682"),
    "liam": ("20170910-4127", ""),
    "maja": ("20110505-3316", ""),
}


def _family_user(key: str, name: str) -> User:
    email = f"{key}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, full_name=name)


def _viewer(user: User, agency: Any) -> Viewer:
    membership = Membership.objects.get(user=user, agency=agency)
    return Viewer(
        kind=STAFF, user_id=user.pk, agency_id=agency.pk, role=membership.role, membership_id=membership.pk, user=user
    )


def _membership(user: User, agency: Any) -> Membership:
    return Membership.objects.get(user=user, agency=agency)


def _child(key: str) -> Child | None:
    return Child.objects.filter(personal_number__in=[n for n in NUMBERS[key] if n]).order_by("pk").first()


def _guardian(key: str) -> Guardian | None:
    return Guardian.objects.filter(personal_number__in=[n for n in NUMBERS[key] if n]).order_by("pk").first()


def _open(viewer: Viewer, key: str, first: str, last: str, **kwargs: Any) -> Case:
    child = _child(key)
    existing = Case.objects.filter(child=child).order_by("opened_at").first() if child else None
    if existing is not None:
        return existing
    return services.case_open(
        viewer=viewer, personal_number=NUMBERS[key][0], first_name=first, last_name=last, **kwargs
    )


def _link_user(model: Any, key: str, user: User) -> None:
    row = _child(key) if model is Child else _guardian(key)
    if row is not None and row.user_id is None:
        model.objects.filter(pk=row.pk).update(user=user)


def _add_guardian(viewer: Viewer, case: Case, key: str, first: str, last: str, **kwargs: Any) -> Guardian:
    guardian = _guardian(key)
    from cases.models import Guardianship

    if guardian is None or not Guardianship.objects.filter(child_id=case.child_id, guardian=guardian).exists():
        services.guardian_add(
            viewer=viewer, case=case, personal_number=NUMBERS[key][0], first_name=first, last_name=last, **kwargs
        )
    return _guardian(key)  # type: ignore[return-value]


def _elsa(agencies: dict[str, Any], users: dict[str, User]) -> tuple[Case, dict[str, Guardian]]:
    rektor = _viewer(users["rektor"], agencies["skola"])
    sara = _viewer(users["samordnare"], agencies["samordning"])
    case = _open(
        rektor,
        "elsa",
        "Elsa",
        "Andersson",
        need_description="Elsa har svårt att gå till skolan och mår dåligt. Vi vill att skolan, BUP och "
        "socialtjänsten pratar med varandra så att vi slipper berätta allt flera gånger.",
        level=Case.Level.SIP,
        stress_at_start=8,
    )
    _link_user(Child, "elsa", _family_user("elsa", "Elsa Andersson"))
    lena = _add_guardian(
        rektor,
        case,
        "lena",
        "Lena",
        "Andersson",
        email=f"lena@{DEMO_DOMAIN}",
        phone="070-123 45 67",
        address="Storgatan 12, 632 20 Eskilstuna",
        has_custody=True,
        lives_with_child=True,
    )
    mikael = _add_guardian(
        rektor,
        case,
        "mikael",
        "Mikael",
        "Johansson",
        email=f"mikael@{DEMO_DOMAIN}",
        phone="073-765 43 21",
        address="Vasavägen 3, 641 30 Katrineholm",
        has_custody=True,
        lives_with_child=False,
    )
    _link_user(Guardian, "lena", _family_user("lena", "Lena Andersson"))
    _link_user(Guardian, "mikael", _family_user("mikael", "Mikael Johansson"))
    if not CoordinatorAppointment.objects.filter(case=case).exists():
        sara_membership = _membership(users["samordnare"], agencies["samordning"])
        appointment = services.coordinator_appoint(
            viewer=rektor,
            case=case,
            wish=CoordinatorAppointment.Wish.PERSON,
            wished_membership_id=sara_membership.pk,
            child_words="Sara, för hon lyssnar på mig.",
            coordinator_membership_id=sara_membership.pk,
        )
        now = timezone.now()
        services.handover_record(
            viewer=rektor,
            appointment=appointment,
            guardians_informed_at=now - timedelta(days=1, hours=2),
            child_informed_at=now - timedelta(days=1),
            note="Överlämning på möte med Lena. Mikael informerad per telefon.",
        )
        case.refresh_from_db()
        _elsa_team_and_plan(case, agencies, users, sara, rektor, lena)
    return case, {"lena": lena, "mikael": mikael}


def _elsa_team_and_plan(
    case: Case, agencies: dict[str, Any], users: dict[str, User], sara: Viewer, rektor: Viewer, lena: Guardian
) -> None:
    services.team_contact_set(
        viewer=rektor,
        case=case,
        member=case.team.get(agency=agencies["skola"]),
        contact_membership_id=_membership(users["mentor"], agencies["skola"]).pk,
    )
    services.team_member_add(
        viewer=sara,
        case=case,
        agency_id=agencies["bup"].pk,
        contact_membership_id=_membership(users["bup"], agencies["bup"]).pk,
        role_description="Utredning och samtalsstöd",
    )
    services.team_member_add(
        viewer=sara,
        case=case,
        agency_id=agencies["soc"].pk,
        contact_membership_id=_membership(users["soc"], agencies["soc"]).pk,
        role_description="Stöd till familjen",
    )
    fk = services.external_contact_add(
        viewer=sara,
        case=case,
        organisation="Försäkringskassan",
        name="Handläggare omvårdnadsbidrag",
        role_description="Omvårdnadsbidrag",
    )
    services.family_member_add(
        viewer=sara,
        case=case,
        relation="parent",
        guardian_id=lena.pk,
        needs="Lena har varit sjukskriven sedan i höstas och orkar inte med alla kontakter.",
        written_by_guardian_id=lena.pk,
    )
    entries: list[tuple[str, str, str, bool, dict[str, Any]]] = [
        (
            LifeArea.SCHOOL,
            "Elsa är hemma de flesta dagar. Hon klarar inte helklassen.",
            "Elsa går till skolan minst tre dagar i veckan, i en mindre grupp.",
            True,
            {},
        ),
        (
            LifeArea.HEALTH,
            "Elsa sover dåligt och har ont i magen på morgonen.",
            "Vi vet vad som gör att Elsa mår dåligt och vad som hjälper.",
            False,
            {},
        ),
        (
            LifeArea.LEISURE,
            "Jag träffar nästan inga kompisar.",
            "Jag vill börja rida igen.",
            False,
            {"written_by_child": True},
        ),
        (
            LifeArea.PARENT_WORK,
            "Jag är sjukskriven och orkar inte ringa alla.",
            "Jag vill kunna börja jobba halvtid till våren.",
            True,
            {"written_by_guardian_id": lena.pk},
        ),
    ]
    for area, now_text, wanted, priority, author in entries:
        services.mapping_entry_create(
            viewer=sara,
            case=case,
            area=area,
            current_state=now_text,
            desired_state=wanted,
            is_priority=priority,
            **author,
        )
    principal = agencies["skola"].principal
    services.plan_update(
        viewer=sara,
        case=case,
        support_needed="Anpassad skolgång, utredning av Elsas mående och stöd till Lena att orka.",
        others_do="Försäkringskassan handlägger ansökan om omvårdnadsbidrag.",
        overall_principal_id=principal.pk,
        coordinator_will="Kallar till möten, håller ihop planen och hjälper Lena med kontakterna.",
        coordinator_will_not="Tar inte över Lenas och Mikaels ansvar som vårdnadshavare och gör inte "
        "skolans eller BUP:s uppgifter.",
    )
    services.plan_phase_set(viewer=sara, case=case, phase=Case.Phase.PLAN)
    school_goal = services.goal_create(
        viewer=sara, case=case, text="Elsa går till skolan minst tre dagar i veckan.", area=LifeArea.SCHOOL
    )
    work_goal = services.goal_create(
        viewer=sara,
        case=case,
        text="Lena kan börja arbeta halvtid.",
        area=LifeArea.PARENT_WORK,
        written_by_guardian_id=lena.pk,
    )
    today = timezone.localdate()
    services.plan_action_create(
        viewer=sara,
        case=case,
        description="Ordna undervisning i liten grupp och en anpassad schemastart.",
        due_date=today + timedelta(days=21),
        responsible_agency_id=agencies["skola"].pk,
        responsible_person="Erik Holm, mentor",
        goal_id=school_goal.pk,
    )
    services.plan_action_create(
        viewer=sara,
        case=case,
        description="Bedömningssamtal om sömn och oro.",
        due_date=today + timedelta(days=30),
        responsible_agency_id=agencies["bup"].pk,
        goal_id=school_goal.pk,
    )
    services.plan_action_create(
        viewer=sara,
        case=case,
        description="Skicka in ansökan om omvårdnadsbidrag.",
        due_date=today + timedelta(days=14),
        responsible_external_id=fk.pk,
        goal_id=work_goal.pk,
    )
    services.plan_action_create(
        viewer=sara,
        case=case,
        description="Ringa företagshälsovården om en plan för att börja arbeta igen.",
        due_date=today + timedelta(days=10),
        responsible_person="Lena",
        written_by_guardian_id=lena.pk,
        goal_id=work_goal.pk,
    )
    services.case_contact_record(viewer=sara, case=case, on=today - timedelta(days=2))


def _noah(agencies: dict[str, Any], users: dict[str, User]) -> tuple[Case, Guardian]:
    bvc = _viewer(users["bvc"], agencies["bvc"])
    case = _open(
        bvc,
        "noah",
        "Noah",
        "Karlsson",
        protected_identity=True,
        need_description="Noah väntar på utredning och mamma orkar inte med alla kontakter.",
        level=Case.Level.LIGHT,
        stress_at_start=9,
    )
    fatima = _add_guardian(
        bvc,
        case,
        "fatima",
        "Fatima",
        "Karlsson",
        email=f"fatima@{DEMO_DOMAIN}",
        protected_identity=True,
        has_custody=True,
    )
    _link_user(Guardian, "fatima", _family_user("fatima", "Fatima Karlsson"))
    if not case.team.filter(agency=agencies["hab"]).exists():
        services.team_member_add(viewer=bvc, case=case, agency_id=agencies["hab"].pk)
        services.family_member_add(
            viewer=bvc,
            case=case,
            relation="parent",
            guardian_id=fatima.pk,
            needs="Fatima är ensam med Noah och hans två syskon och behöver avlastning.",
            written_by_guardian_id=fatima.pk,
        )
    return case, fatima


def _caseload_extras(agencies: dict[str, Any], users: dict[str, User]) -> dict[str, Case]:
    """Two more families in Sara's caseload, so the caseload page has something to sort."""
    sara_membership = _membership(users["samordnare"], agencies["samordning"])
    sara = _viewer(users["samordnare"], agencies["samordning"])
    result = {}
    today = timezone.localdate()
    for key, first, last, opener, agency, need, wish in (
        (
            "liam",
            "Liam",
            "Berg",
            "soc",
            "soc",
            "Familjen behöver hjälp att få ihop kontakterna inför skolstarten.",
            CoordinatorAppointment.Wish.NO_PREFERENCE,
        ),
        (
            "maja",
            "Maja",
            "Lund",
            "rektor",
            "skola",
            "Maja har en neuropsykiatrisk diagnos och familjen vill ha en plan för gymnasievalet.",
            CoordinatorAppointment.Wish.NOT_ABLE,
        ),
    ):
        viewer = _viewer(users[opener], agencies[agency])
        case = _open(viewer, key, first, last, need_description=need, level=Case.Level.JOINT, stress_at_start=6)
        if not CoordinatorAppointment.objects.filter(case=case).exists():
            services.coordinator_appoint(
                viewer=viewer, case=case, wish=wish, coordinator_membership_id=sara_membership.pk
            )
            case.refresh_from_db()
            if key == "liam":
                services.plan_action_create(
                    viewer=sara,
                    case=case,
                    description="Boka inskolningsmöte med den nya skolan.",
                    due_date=today - timedelta(days=5),
                    responsible_agency_id=agencies["skola"].pk,
                )
        result[key] = case
    return result


def seed(world: dict[str, Any]) -> dict[str, Any]:
    agencies, users = world["agencies"], world["users"]
    case_elsa, guardians = _elsa(agencies, users)
    case_noah, fatima = _noah(agencies, users)
    extras = _caseload_extras(agencies, users)
    elsa, noah = Child.objects.get(pk=case_elsa.child_id), Child.objects.get(pk=case_noah.child_id)
    return {
        "children": {"elsa": elsa, "noah": noah},
        "guardians": {**guardians, "fatima": fatima},
        "cases": {"elsa": case_elsa, "noah": case_noah, **extras},
        "plan_actions": {"elsa": list(PlanAction.objects.filter(case=case_elsa))},
    }
