"""The county's core: agencies and staff, families, collaborations, consents and grants,
mapping, the joint plan and shared items."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from agencies.models import Agency, Membership, Principal
from benchdata import plans
from benchdata.bulk import insert
from benchdata.county import BENCH_PASSWORD, TOTP_SECRET, CaseFacts, County
from cases.models import (
    Case,
    Child,
    CoordinatorAppointment,
    Guardian,
    Guardianship,
    TeamMember,
)
from consent import rules
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentGrant,
    ConsentScope,
    InformationCategory,
    MaturityAssessment,
)
from portal.models import AuditEvent, User

MUNICIPALITIES = [
    ("Eskilstuna", "0484"),
    ("Nyköping", "0480"),
    ("Katrineholm", "0483"),
    ("Strängnäs", "0486"),
    ("Flen", "0482"),
    ("Oxelösund", "0481"),
    ("Gnesta", "0461"),
    ("Trosa", "0488"),
    ("Vingåker", "0428"),
]
FIRST = ["Alva", "Elsa", "Maja", "Vera", "Alice", "Saga", "Noah", "William", "Hugo", "Liam", "Adam", "Omar",
         "Nora", "Ella", "Leo", "Oscar", "Ali", "Sara", "Ebba", "Melvin", "Ines", "Aya", "Milo", "Astrid"]  # fmt: skip
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Hassan", "Mohammed", "Lindberg", "Berg", "Ek", "Falk"]  # fmt: skip
TITLES: dict[str, list[str]] = {
    Agency.Kind.SCHOOL: ["mentor", "rektor", "skolkurator", "specialpedagog", "skolsköterska"],
    Agency.Kind.HEALTHCARE: ["psykolog", "BUP-läkare", "arbetsterapeut", "BVC-sjuksköterska", "logoped"],
    Agency.Kind.SOCIAL: ["handläggare", "familjebehandlare", "socialsekreterare"],
    Agency.Kind.COORDINATION: ["samordnare"],
}
# What each kind of recipient agency is asked to see (the coordinating agency: everything).
CATEGORIES_FOR: dict[str, list[str]] = {
    Agency.Kind.SCHOOL: ["basic", "family", "school", "plan", "minutes", "preparations"],
    Agency.Kind.HEALTHCARE: ["basic", "family", "health", "plan", "minutes", "preparations"],
    Agency.Kind.SOCIAL: ["basic", "family", "social", "plan", "minutes", "preparations"],
}
# Consent states over the collaborations (weights out of 100).
STATES = [
    ("granted", 58),
    ("pending", 8),
    ("refused", 5),
    ("revoked", 6),
    ("expired", 6),
    ("narrowed", 8),
    ("child_refused", 3),
    ("later", 2),
    ("expiring", 4),
]


def _name(county: County) -> tuple[str, str]:
    return county.rng.choice(FIRST), county.rng.choice(LAST)


def _pnr(born: date, serial: int) -> str:
    return f"{born:%Y%m%d}-{serial % 10000:04d}"


class _Numbers:
    """Unique personal identity numbers (a birth date and a four-digit serial)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, born: date, serial: int) -> str:
        while True:
            number = _pnr(born, serial)
            if number not in self.taken:
                self.taken.add(number)
                return number
            serial += 7919


def seed(county: County) -> None:
    with county.step("agencies and staff"):
        _agencies_and_staff(county)
    with county.step("families"):
        numbers = _Numbers()
        children, case_children = _families(county, numbers)
    with county.step("collaborations"):
        _cases(county, case_children)
    with county.step("consents and grants"):
        _consents(county)
    with county.step("plans and shared items"):
        plans.seed(county)
    county.counts["children"] = children
    county.log(f"core: {county.counts}")


# --------------------------------------------------------------------------------------
# Agencies and staff
# --------------------------------------------------------------------------------------


def _agencies_and_staff(county: County) -> None:
    rng = county.rng
    n = county.children
    county.categories = dict(InformationCategory.objects.values_list("code", "pk"))
    suffix = f"(skala {county.seed})"
    region = Principal(name=f"Region Sörmland {suffix}", kind=Principal.Kind.REGION, code="04")
    municipalities = [
        Principal(name=f"{name} kommun {suffix}", kind=Principal.Kind.MUNICIPALITY, code=code)
        for name, code in MUNICIPALITIES
    ]
    insert(Principal, [region, *municipalities])
    # ≈ N/200 agencies: school units per municipality, one social services office and one
    # coordination unit each, the region's healthcare units.
    schools_each = max(n // (200 * (len(MUNICIPALITIES) + 3)), 2)
    agencies: list[Agency] = []
    for principal, (town, _code) in zip(municipalities, MUNICIPALITIES, strict=True):
        for i in range(schools_each):
            agencies.append(Agency(principal=principal, name=f"{town} skola {i + 1}", kind=Agency.Kind.SCHOOL))
        agencies.append(Agency(principal=principal, name=f"Socialtjänsten {town}", kind=Agency.Kind.SOCIAL))
        agencies.append(Agency(principal=principal, name=f"Samordningsenheten {town}", kind=Agency.Kind.COORDINATION))
    for i in range(max(schools_each * 3, 3)):
        kind = ["BUP", "Habiliteringen", "Barnhälsovården"][i % 3]
        agencies.append(Agency(principal=region, name=f"{kind} {i // 3 + 1}", kind=Agency.Kind.HEALTHCARE))
    insert(Agency, agencies)
    for agency in agencies:
        county.agencies[agency.pk] = agency
        county.agency_kind[agency.pk] = agency.kind
    county.counts["agencies"] = len(agencies)

    # ≈ N/6 staff: an admin per agency, a coordinator per ~20 collaborations (in the
    # coordination units), the rest spread over the other agencies.
    n_cases = max(n // 3, 1)
    coordination = [a for a in agencies if a.kind == Agency.Kind.COORDINATION]
    others = [a for a in agencies if a.kind != Agency.Kind.COORDINATION]
    n_coordinators = max(n_cases // 20, len(coordination))
    n_staff = max(n // 6, len(agencies) + n_coordinators + len(others))
    password = make_password(BENCH_PASSWORD)
    users = []
    plan: list[tuple[Agency, str, str]] = []
    for i in range(n_staff):
        if i < len(agencies):
            agency, role = agencies[i], Membership.Role.ADMIN
        elif i < len(agencies) + n_coordinators:
            agency, role = coordination[i % len(coordination)], Membership.Role.COORDINATOR
        else:
            agency, role = others[i % len(others)], Membership.Role.STAFF
        title = "administratör" if role == Membership.Role.ADMIN else rng.choice(TITLES[agency.kind])
        first, last = _name(county)
        users.append(User(email=f"personal{i}.{county.seed}@skala.example", full_name=f"{first} {last}",
                          password=password, date_joined=county.now - timedelta(days=800)))  # fmt: skip
        plan.append((agency, role, title))
    insert(User, users)
    memberships = [
        Membership(user_id=u.pk, agency_id=a.pk, role=role, title=title, created_at=county.now - timedelta(days=800))
        for u, (a, role, title) in zip(users, plan, strict=True)
    ]
    insert(Membership, memberships)
    for user in users:
        county.user_names[user.pk] = user.full_name
    for m in memberships:
        if m.role == Membership.Role.ADMIN:
            county.admin_of[m.agency_id] = m
        else:
            county.staff_by_agency.setdefault(m.agency_id, []).append(m)
        if m.role == Membership.Role.COORDINATOR:
            county.coordinator_membership[m.user_id] = m
    _add_totp(users)
    county.counts["staff"] = len(memberships)


def _add_totp(users: list[User]) -> None:
    """Bench users skip interactive sign-in (sessions are made directly); they still need
    an authenticator row, as every staff member does."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    secret = encrypt(TOTP_SECRET)
    insert(
        Authenticator,
        [Authenticator(user_id=u.pk, type=Authenticator.Type.TOTP, data={"secret": secret}) for u in users],
    )


# --------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------


def _families(county: County, numbers: _Numbers) -> tuple[int, list[Child]]:
    """N children; the first N/3 get a collaboration. Their guardians: joint custody for
    most (one in ten with a separated parent without custody), siblings sharing guardians,
    a few with protected identity; guardians and older children with portal accounts."""
    rng, today = county.rng, county.today
    schools = [a for a in county.agencies.values() if a.kind == Agency.Kind.SCHOOL]
    n_cases = max(county.children // 3, 1)
    children = []
    for i in range(county.children):
        # Collaborations are for children 1–17; the rest of the register is any age.
        born = today - timedelta(days=rng.randint(365, 17 * 365 + 300))
        first, last = _name(county)
        children.append(
            Child(
                first_name=first,
                last_name=last,
                personal_number=numbers.take(born, i),
                date_of_birth=born,
                registered_by_agency_id=rng.choice(schools).pk,
                protected_identity=(i % 211 == 0),
                created_at=county.now - timedelta(days=rng.randint(30, 900)),
            )
        )
    case_children = children[:n_cases]
    # Accounts: children from 12 with a collaboration, every other one.
    child_users = []
    for i, child in enumerate(case_children):
        if child.age_on(today) >= 12 and i % 2 == 0:
            user = User(email=f"barn{i}.{county.seed}@skala.example", full_name=child.full_name, password="!")
            child_users.append((child, user))
    insert(User, [u for _c, u in child_users])
    for child, user in child_users:
        child.user_id = user.pk
    insert(Child, children)
    for child in children:
        county.child_born[child.pk] = child.date_of_birth
    for child in case_children:
        county.child_user[child.pk] = child.user_id

    guardians: list[Guardian] = []
    guardian_users: list[tuple[Guardian, User]] = []
    links: list[Guardianship] = []
    previous: list[tuple[Guardian, bool]] = []
    for i, child in enumerate(case_children):
        if i % 10 == 9 and previous:  # a sibling: the same guardians as the child before
            pairs = previous
        else:
            pairs = []
            for k in range(2):
                first, last = _name(county)
                born = today - timedelta(days=rng.randint(25 * 365, 55 * 365))
                g = Guardian(
                    first_name=first,
                    last_name=child.last_name if k == 0 else last,
                    personal_number=numbers.take(born, 2 * i + k),
                    email=f"vh{2 * i + k}.{county.seed}@skala.example",
                    phone=f"070-{rng.randint(1000000, 9999999)}",
                    address=f"{rng.choice(LAST)}gatan {rng.randint(1, 90)}",
                    registered_by_agency_id=child.registered_by_agency_id,
                    protected_identity=(i % 97 == 0 and k == 0),
                )
                guardians.append(g)
                if k == 0 or i % 10 < 7:
                    user = User(email=g.email, full_name=f"{g.first_name} {g.last_name}", password="!")
                    guardian_users.append((g, user))
                # One in ten: the second parent is separated and has no custody.
                pairs.append((g, not (k == 1 and i % 10 == 3)))
        for g, custody in pairs:
            links.append(Guardianship(child=child, guardian=g, has_custody=custody, lives_with_child=custody))
        previous = pairs
    insert(User, [u for _g, u in guardian_users])
    for g, user in guardian_users:
        g.user_id = user.pk
    insert(Guardian, guardians)
    for link in links:
        link.child_id, link.guardian_id = link.child.pk, link.guardian.pk
    insert(Guardianship, links)
    for g in guardians:
        county.guardian_user[g.pk] = g.user_id
        if g.protected_identity:
            county.guardian_protected.add(g.pk)
    for link in links:
        if link.has_custody:
            county.custodians.setdefault(link.child_id, []).append(link.guardian_id)
    county.counts.update(guardians=len(guardians), family_users=len(guardian_users) + len(child_users))
    return len(children), case_children


# --------------------------------------------------------------------------------------
# Collaborations, coordinators, teams
# --------------------------------------------------------------------------------------


def _cases(county: County, case_children: list[Child]) -> None:
    rng, now, today = county.rng, county.now, county.today
    by_kind: dict[str, list[int]] = {}
    for agency_id, kind in county.agency_kind.items():
        by_kind.setdefault(kind, []).append(agency_id)
    coordinators = sorted(county.coordinator_membership.values(), key=lambda m: m.pk)
    cases: list[Case] = []
    meta: list[tuple[Membership, Membership, list[int]]] = []
    for i, child in enumerate(case_children):
        # About 20 collaborations per coordinator, in the coordinator's own municipality's unit.
        coordinator = coordinators[i % len(coordinators)]
        small = child.date_of_birth > today - timedelta(days=6 * 365)
        owner_id = rng.choice(by_kind[Agency.Kind.HEALTHCARE if small and i % 3 else Agency.Kind.SCHOOL])
        opener = rng.choice(county.staff_of(owner_id))
        opened = now - timedelta(days=rng.randint(3, 720))
        closed = i % 6 == 5
        team = [owner_id, coordinator.agency_id, rng.choice(by_kind[Agency.Kind.SOCIAL])]
        health = rng.choice(by_kind[Agency.Kind.HEALTHCARE])
        if health not in team and i % 5 != 4:
            team.append(health)
        if i % 4 == 0:  # a second school (a move, or a school and an after-school unit)
            school = rng.choice(by_kind[Agency.Kind.SCHOOL])
            if school not in team:
                team.append(school)
        stress = rng.randint(4, 10)
        cases.append(
            Case(
                child_id=child.pk,
                owner_agency_id=owner_id,
                opened_by_id=opener.user_id,
                opened_at=opened,
                need_description="Familjen behöver att skola, vård och socialtjänst planerar tillsammans.",
                level=rng.choice([Case.Level.LIGHT, Case.Level.JOINT, Case.Level.SIP]),
                phase=Case.Phase.CLOSE if closed else rng.choice(["clarify", "plan", "carry_out"]),
                status=Case.Status.CLOSED if closed else Case.Status.OPEN,
                closed_at=min(opened + timedelta(days=rng.randint(60, 400)), now) if closed else None,
                closed_by_id=coordinator.user_id if closed else None,
                closure_reason=rng.choice(Case.ClosureReason.values) if closed else "",
                coordinator_id=coordinator.user_id,
                coordinator_agency_id=coordinator.agency_id,
                stress_at_start=stress,
                stress_at_close=max(1, stress - rng.randint(0, 5)) if closed else None,
                parent_back_to_work=(rng.random() < 0.4) if closed else None,
                last_contact_at=now - timedelta(days=rng.randint(0, 75)) if i % 9 else None,
            )
        )
        meta.append((coordinator, opener, team))
    insert(Case, cases)

    appointments, members = [], []
    for case, (coordinator, opener, team) in zip(cases, meta, strict=True):
        county.cases.append(
            CaseFacts(
                id=case.pk,
                uuid=case.uuid,
                child_id=case.child_id,
                owner_agency_id=case.owner_agency_id,
                coordinator_id=coordinator.user_id,
                coordinator_agency_id=coordinator.agency_id,
                opened_by_id=opener.user_id,
                opened_at=case.opened_at,
                is_open=case.status == Case.Status.OPEN,
                team=tuple(team),
            )
        )
        appointed = case.opened_at + timedelta(days=rng.randint(1, 20))
        if case.pk % 20 == 0:  # a change of coordinator: the history is kept
            earlier = rng.choice(coordinators)
            appointments.append(
                CoordinatorAppointment(
                    case_id=case.pk,
                    wish=CoordinatorAppointment.Wish.NO_PREFERENCE,
                    coordinator_id=earlier.user_id,
                    coordinator_agency_id=earlier.agency_id,
                    appointed_by_id=opener.user_id,
                    appointed_at=appointed,
                    handed_over_by_id=opener.user_id,
                    handed_over_at=appointed,
                    ended_at=appointed + timedelta(days=30),
                    end_reason="Föräldraledighet",
                )
            )
            appointed += timedelta(days=30)
        wish = rng.choice(CoordinatorAppointment.Wish.values)
        deviation = wish == CoordinatorAppointment.Wish.PERSON and case.pk % 3 == 0
        appointments.append(
            CoordinatorAppointment(
                case_id=case.pk,
                wish=wish,
                wished_person_text="Min mentor" if wish == CoordinatorAppointment.Wish.PERSON else "",
                wished_person_id=coordinator.user_id
                if wish == CoordinatorAppointment.Wish.PERSON and not deviation
                else None,
                child_words="Jag vill att någon lyssnar." if case.pk % 2 else "",
                coordinator_id=coordinator.user_id,
                coordinator_agency_id=coordinator.agency_id,
                deviation_reason="Mentorn har inte uppdraget som samordnare." if deviation else "",
                appointed_by_id=opener.user_id,
                appointed_at=appointed,
                handed_over_by_id=opener.user_id if case.pk % 7 else None,
                handed_over_at=appointed + timedelta(days=2) if case.pk % 7 else None,
                guardians_informed_at=appointed + timedelta(days=3) if case.pk % 7 else None,
            )
        )
        for k, agency_id in enumerate(team):
            staff = county.staff_of(agency_id)
            contact = staff[(case.pk + k) % len(staff)] if staff and agency_id != coordinator.agency_id else None
            if agency_id == coordinator.agency_id:
                contact = county.coordinator_membership[coordinator.user_id]
            if contact is not None:
                county.contact[(case.pk, agency_id)] = contact
            members.append(
                TeamMember(
                    case_id=case.pk,
                    agency_id=agency_id,
                    contact_id=contact.pk if contact else None,
                    role_description=contact.title if contact else "",
                    added_at=case.opened_at + timedelta(days=k),
                )
            )
    insert(CoordinatorAppointment, appointments)
    insert(TeamMember, members)
    county.counts.update(cases=len(cases), appointments=len(appointments), team_members=len(members))


# --------------------------------------------------------------------------------------
# Consents, decisions and the grant index
# --------------------------------------------------------------------------------------


def _pick_state(county: County) -> str:
    roll = county.rng.randrange(100)
    for state, weight in STATES:
        if roll < weight:
            return state
        roll -= weight
    return "granted"


def _consents(county: County) -> None:
    """A consent series per collaboration (a second one, waiting, for one in eight), in a
    state drawn from STATES; decisions as the parties would have given them; then the
    grant index exactly as `consent.services.grants_rebuild` derives it."""
    rng, now, today = county.rng, county.now, county.today
    cats = county.categories
    assessments: list[MaturityAssessment] = []
    assessed: dict[int, str] = {}
    for case in county.cases:
        if case.id % 53 == 0:  # a staff maturity assessment, now and then
            level = rng.choice(MaturityAssessment.Level.values)
            assessed[case.child_id] = level
            assessments.append(
                MaturityAssessment(
                    child_id=case.child_id,
                    level=level,
                    reason="Bedömning efter samtal med barnet.",
                    recorded_by_id=case.coordinator_id,
                    recorded_by_agency_id=case.coordinator_agency_id,
                    recorded_at=case.opened_at + timedelta(days=5),
                )
            )
    insert(MaturityAssessment, assessments)

    consents: list[Consent] = []
    plans: list[tuple[CaseFacts, Consent, str, list[tuple[int, int]], list[tuple[int, int]] | None]] = []
    for case in county.cases:
        state = _pick_state(county)
        pairs: list[tuple[int, int]] = []
        for agency_id in case.team:
            kind = county.agency_kind[agency_id]
            codes = list(cats) if kind == Agency.Kind.COORDINATION else CATEGORIES_FOR[kind]
            pairs.extend((agency_id, cats[code]) for code in codes)
        start = max(case.opened_at.date(), today - timedelta(days=300))
        if state == "expired":
            start = today - timedelta(days=rng.randint(380, 500))
        elif state == "later":
            start = today + timedelta(days=rng.randint(3, 20))
        until = start + timedelta(days=364)
        if state == "expiring":
            start = today - timedelta(days=340)
            until = today + timedelta(days=rng.randint(2, 25))
        first = Consent(
            case_id=case.id,
            purpose="Att skola, vård och socialtjänst ska kunna planera stödet tillsammans.",
            valid_from=start,
            valid_until=until,
            created_by_id=case.coordinator_id,
            created_by_agency_id=case.coordinator_agency_id,
            created_at=now - timedelta(days=max((today - start).days, 1)),
        )
        consents.append(first)
        narrowed_pairs = None
        if state == "narrowed":
            # A guardian said: the schools may not see health information.
            schools = {a for a in case.team if county.agency_kind[a] == Agency.Kind.SCHOOL}
            narrowed_pairs = [p for p in pairs if not (p[0] in schools and p[1] == cats["health"])]
            if len(narrowed_pairs) == len(pairs):
                narrowed_pairs = [
                    p for p in pairs if not (p[0] != case.coordinator_agency_id and p[1] == cats["health"])
                ]
        plans.append((case, first, state, pairs, narrowed_pairs))
        if case.id % 8 == 0:  # a second request, for one more category, not answered yet
            extra = Consent(
                case_id=case.id,
                purpose="Att BUP ska kunna se skolsituationen.",
                valid_from=today,
                valid_until=today + timedelta(days=364),
                created_by_id=case.coordinator_id,
                created_by_agency_id=case.coordinator_agency_id,
                created_at=now - timedelta(days=1),
            )
            consents.append(extra)
            pairs2 = [(a, cats["school"]) for a in case.team if county.agency_kind[a] == Agency.Kind.HEALTHCARE]
            plans.append((case, extra, "pending", pairs2 or pairs[:1], None))
    insert(Consent, consents)

    versions: list[Consent] = []  # v2 of narrowed consents
    for case, consent, _state, _pairs, narrowed in plans:
        if narrowed is not None:
            versions.append(
                Consent(
                    series=consent.series,
                    version=2,
                    case_id=case.id,
                    purpose=consent.purpose,
                    valid_from=consent.valid_from,
                    valid_until=consent.valid_until,
                    created_by_id=case.coordinator_id,
                    created_by_agency_id=case.coordinator_agency_id,
                    created_at=now - timedelta(days=rng.randint(1, 40)),
                    change_note="Begränsat",
                )
            )
    insert(Consent, versions)
    v2 = {c.series: c for c in versions}

    scopes: list[ConsentScope] = []
    decisions: list[ConsentDecision] = []
    in_force: dict[int, list[tuple[Consent, list[tuple[int, int]], dict[str, str]]]] = {}
    for case, consent, state, pairs, narrowed in plans:
        scopes.extend(ConsentScope(consent_id=consent.pk, agency_id=a, category_id=c) for a, c in pairs)
        answers = _decide(county, case, consent, state, assessed.get(case.child_id), decisions)
        current, current_pairs = consent, pairs
        if narrowed is not None:
            current, current_pairs = v2[consent.series], narrowed
            scopes.extend(ConsentScope(consent_id=current.pk, agency_id=a, category_id=c) for a, c in narrowed)
            for key, decision in answers.items():
                decisions.append(
                    ConsentDecision(
                        consent_id=current.pk,
                        guardian_id=None if key == rules.CHILD_PARTY else int(key[2:]),
                        is_child=key == rules.CHILD_PARTY,
                        decision=decision,
                        method=ConsentDecision.Method.CARRIED,
                        recorded_by_id=case.coordinator_id,
                        decided_at=current.created_at,
                        note="v1",
                    )
                )
        in_force.setdefault(case.id, []).append((current, current_pairs, answers))
        county.consents.setdefault(case.id, []).append(
            (current.pk, current.uuid, current.series, current.version, current.valid_until)
        )
    insert(ConsentScope, scopes)
    insert(ConsentDecision, decisions)

    grants = _grants(county, in_force, assessed)
    insert(ConsentGrant, grants)
    # The hourly expiry job has seen the consents that ran out (steady state).
    expired = [
        AuditEvent(
            at=now - timedelta(days=1),
            action="consent.expired",
            case_id=case_id,
            object_type="consent.Consent",
            object_id=str(uuid),
            data={"version": version},
        )
        for case_id, rows in county.consents.items()
        for _pk, uuid, _series, version, until in rows
        if until < today
    ]
    insert(AuditEvent, expired)
    county.counts.update(
        consents=len(consents) + len(versions),
        consent_scopes=len(scopes),
        consent_decisions=len(decisions),
        consent_grants=len(grants),
        maturity_assessments=len(assessments),
    )


def _decide(
    county: County,
    case: CaseFacts,
    consent: Consent,
    state: str,
    assessment: str | None,
    out: list[ConsentDecision],
) -> dict[str, str]:
    """Append the parties' decisions for `state`; return each party's newest decision."""
    rng = county.rng
    guardians = county.custodians.get(case.child_id, [])
    band_list = rules.bands(born=county.child_born[case.child_id], asked_age=12, decides_age=15, assessment=assessment)
    level = rules.level_at(county.now, band_list)
    who = rules.parties(level, frozenset(guardians))
    required = sorted(who.required)
    if state == "child_refused" and level != rules.JOINT:
        state = "refused"
    answers: dict[str, str] = {}
    day = consent.created_at

    def add(key: str, decision: str, when: Any) -> None:
        oral = rng.random() < 0.15
        portal = key != rules.CHILD_PARTY and county.guardian_user.get(int(key[2:])) and rng.random() < 0.5
        method = (
            ConsentDecision.Method.PORTAL
            if portal
            else ConsentDecision.Method.ORAL
            if oral
            else ConsentDecision.Method.PAPER
        )
        out.append(
            ConsentDecision(
                consent_id=consent.pk,
                guardian_id=None if key == rules.CHILD_PARTY else int(key[2:]),
                is_child=key == rules.CHILD_PARTY,
                decision=decision,
                method=method,
                oral_to_id=county.coordinator_membership[case.coordinator_id].pk if method == "oral" else None,
                recorded_by_id=None if method == "portal" else case.coordinator_id,
                decided_at=when,
            )
        )
        answers[key] = decision

    asked = level == rules.JOINT and rng.random() < 0.6
    for n, key in enumerate(required):
        when = day + timedelta(hours=4 + n)
        if state == "pending" and n == len(required) - 1:
            break
        if state == "refused" and n == len(required) - 1:
            add(key, rules.REFUSED, when)
            break
        add(key, rules.GRANTED, when)
    if level == rules.JOINT and state == "child_refused":
        add(rules.CHILD_PARTY, rules.REFUSED, day + timedelta(days=1))
    elif asked and state != "pending":
        add(rules.CHILD_PARTY, rules.GRANTED, day + timedelta(days=1))
    if state == "revoked" and required:
        add(required[-1], rules.REVOKED, county.now - timedelta(days=rng.randint(1, 60)))
    return answers


def _grants(
    county: County,
    in_force: dict[int, list[tuple[Consent, list[tuple[int, int]], dict[str, str]]]],
    assessed: dict[int, str],
) -> list[ConsentGrant]:
    """`grants_rebuild` for every case, from the rows above (no queries)."""
    code_of = {pk: code for code, pk in county.categories.items()}
    grants: list[ConsentGrant] = []
    for case in county.cases:
        access: dict[int, set[str]] = {}
        county.access[case.id] = access
        if not case.is_open:
            continue
        band_list = rules.bands(
            born=county.child_born[case.child_id], asked_age=12, decides_age=15, assessment=assessed.get(case.child_id)
        )
        guardians = frozenset(county.custodians.get(case.child_id, []))
        for consent, pairs, answers in in_force.get(case.id, []):
            periods = rules.effective_periods(
                valid_from=consent.valid_from,
                valid_until=consent.valid_until,
                decisions=answers,
                custodial_guardian_ids=guardians,
                band_list=band_list,
            )
            for agency_id, category_id in pairs:
                for starts, ends in periods:
                    grants.append(
                        ConsentGrant(
                            case_id=case.id,
                            agency_id=agency_id,
                            category_id=category_id,
                            consent_id=consent.pk,
                            starts_at=starts,
                            ends_at=ends,
                        )
                    )
                    if starts <= county.now < ends:
                        access.setdefault(agency_id, set()).add(code_of[category_id])
            if rules.REVOKED in answers.values():
                county.lost.setdefault(case.id, set()).update(a for a, _c in pairs)
    return grants
