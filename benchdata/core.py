"""The county's core: agencies and staff, families, collaborations, consents and grants,
mapping, the joint plan and shared items."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.hashers import make_password

from agencies.models import Agency, Membership, Principal
from benchdata import plans
from benchdata.bulk import insert
from benchdata.consents import _consents
from benchdata.county import BENCH_PASSWORD, TOTP_SECRET, CaseFacts, County
from cases.models import (
    Case,
    Child,
    CoordinatorAppointment,
    Guardian,
    Guardianship,
    TeamMember,
)
from consent.models import (
    InformationCategory,
)
from portal.models import User

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
