"""Demo families and collaborations (called by portal.demo.seed inside system scope)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cases.models import Case, Child, CoordinatorAppointment, Guardian, Guardianship, TeamMember
from portal.demo import DEMO_DOMAIN
from portal.models import User


def _family_user(key: str, name: str) -> User:
    email = f"{key}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, full_name=name)


def seed(world: dict[str, Any]) -> dict[str, Any]:
    agencies, users = world["agencies"], world["users"]

    # Family 1: Elsa (12), joint custody, separated guardians.
    elsa, _ = Child.objects.get_or_create(
        personal_number="20140312-2387",
        defaults={
            "first_name": "Elsa",
            "last_name": "Andersson",
            "date_of_birth": date(2014, 3, 12),
            "registered_by_agency": agencies["skola"],
            "user": _family_user("elsa", "Elsa Andersson"),
        },
    )
    lena, _ = Guardian.objects.get_or_create(
        personal_number="19840605-4426",
        defaults={
            "first_name": "Lena",
            "last_name": "Andersson",
            "email": f"lena@{DEMO_DOMAIN}",
            "phone": "070-123 45 67",
            "address": "Storgatan 12, 632 20 Eskilstuna",
            "registered_by_agency": agencies["skola"],
            "user": _family_user("lena", "Lena Andersson"),
        },
    )
    mikael, _ = Guardian.objects.get_or_create(
        personal_number="19810921-5516",
        defaults={
            "first_name": "Mikael",
            "last_name": "Johansson",
            "email": f"mikael@{DEMO_DOMAIN}",
            "phone": "073-765 43 21",
            "address": "Vasavägen 3, 641 30 Katrineholm",
            "registered_by_agency": agencies["skola"],
            "user": _family_user("mikael", "Mikael Johansson"),
        },
    )
    Guardianship.objects.get_or_create(
        child=elsa, guardian=lena, defaults={"has_custody": True, "lives_with_child": True}
    )
    Guardianship.objects.get_or_create(
        child=elsa, guardian=mikael, defaults={"has_custody": True, "lives_with_child": False}
    )

    case_elsa = Case.objects.filter(child=elsa).first()
    if case_elsa is None:
        case_elsa = Case.objects.create(
            child=elsa,
            owner_agency=agencies["skola"],
            opened_by=users["rektor"],
            need_description="Elsa har svårt att gå till skolan och mår dåligt. Vi vill att skolan, BUP och "
            "socialtjänsten pratar med varandra så att vi slipper berätta allt flera gånger.",
            level=Case.Level.SIP,
            phase=Case.Phase.PLAN,
            coordinator=users["samordnare"],
            coordinator_agency=agencies["samordning"],
            stress_at_start=8,
        )
        CoordinatorAppointment.objects.create(
            case=case_elsa,
            wish=CoordinatorAppointment.Wish.PERSON,
            wished_person=users["samordnare"],
            child_words="Sara, för hon lyssnar på mig.",
            coordinator=users["samordnare"],
            coordinator_agency=agencies["samordning"],
            appointed_by=users["rektor"],
            handed_over_by=users["rektor"],
        )
        for key, contact in (("samordning", None), ("skola", None), ("bup", None), ("soc", None)):
            TeamMember.objects.create(case=case_elsa, agency=agencies[key], contact=contact)

    # Family 2: Noah (7), one guardian with protected identity; no coordinator yet.
    noah, _ = Child.objects.get_or_create(
        personal_number="20190601-3354",
        defaults={
            "first_name": "Noah",
            "last_name": "Karlsson",
            "date_of_birth": date(2019, 6, 1),
            "registered_by_agency": agencies["bvc"],
            "protected_identity": True,
        },
    )
    fatima, _ = Guardian.objects.get_or_create(
        personal_number="19900214-6682",
        defaults={
            "first_name": "Fatima",
            "last_name": "Karlsson",
            "email": f"fatima@{DEMO_DOMAIN}",
            "protected_identity": True,
            "registered_by_agency": agencies["bvc"],
            "user": _family_user("fatima", "Fatima Karlsson"),
        },
    )
    Guardianship.objects.get_or_create(child=noah, guardian=fatima, defaults={"has_custody": True})
    case_noah = Case.objects.filter(child=noah).first()
    if case_noah is None:
        case_noah = Case.objects.create(
            child=noah,
            owner_agency=agencies["bvc"],
            opened_by=users["bvc"],
            need_description="Noah väntar på utredning och mamma orkar inte med alla kontakter.",
            level=Case.Level.LIGHT,
            phase=Case.Phase.CLARIFY,
            stress_at_start=9,
        )
        for key in ("bvc", "hab"):
            TeamMember.objects.create(case=case_noah, agency=agencies[key])
    return {
        "children": {"elsa": elsa, "noah": noah},
        "guardians": {"lena": lena, "mikael": mikael, "fatima": fatima},
        "cases": {"elsa": case_elsa, "noah": case_noah},
    }
