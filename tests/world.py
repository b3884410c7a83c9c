"""The shared test world: agencies with and without consent, a coordinator, guardians,
a child, and an unrelated family (healthchecks' owner / teammate / stranger, grown for
consent). Built inside the system scope; tests then act as one of its viewers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from access.scoping import FAMILY, STAFF, Viewer, system_scope
from agencies.models import Agency, Membership, Principal
from cases.models import Case, Child, CoordinatorAppointment, Guardian, Guardianship, TeamMember
from consent import services as consent_services
from consent.models import Consent, InformationCategory
from portal.models import User

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "Ett-langt-testlosenord-42"

_seq = itertools.count(1)


def personal_number(born: date) -> str:
    return f"{born:%Y%m%d}-{next(_seq) % 10000:04d}"


def make_user(name: str, *, password: str | None = PASSWORD, totp: bool = False) -> User:
    n = next(_seq)
    email = f"{name.lower().replace(' ', '.')}.{n}@test.example"
    user = User.objects.create_user(email, password=password, full_name=name)
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def make_staff(agency: Agency, name: str, role: str = Membership.Role.STAFF, *, totp: bool = True) -> Membership:
    """A new member of `agency` (set-up: enters the system scope, as the other helpers do)."""
    user = make_user(name, totp=totp)
    with system_scope():
        return Membership.objects.create(user=user, agency=agency, role=role, title=role)


def staff_viewer(membership: Membership) -> Viewer:
    return Viewer(
        kind=STAFF,
        user_id=membership.user_id,
        agency_id=membership.agency_id,
        role=membership.role,
        membership_id=membership.pk,
        user=membership.user,
    )


def family_viewer(user: User, role: str = "guardian") -> Viewer:
    return Viewer(kind=FAMILY, user_id=user.pk, role=role, user=user)


def category(code: str) -> InformationCategory:
    return InformationCategory.objects.get(code=code)


@dataclass
class World:
    region: Principal
    municipality: Principal
    other_municipality: Principal
    school: Agency
    health: Agency
    social: Agency
    coordination: Agency
    unrelated: Agency
    coordinator: Membership
    school_staff: Membership
    school_admin: Membership
    health_staff: Membership
    health_admin: Membership
    social_staff: Membership
    unrelated_staff: Membership
    child: Child
    guardian1: Guardian
    guardian2: Guardian
    case: Case
    other_child: Child
    other_guardian: Guardian
    other_case: Case
    extras: dict[str, Any] = field(default_factory=dict)

    # --- viewers --------------------------------------------------------------------
    def viewer(self, membership: Membership) -> Viewer:
        return staff_viewer(membership)

    @property
    def coordinator_viewer(self) -> Viewer:
        return staff_viewer(self.coordinator)

    @property
    def guardian1_viewer(self) -> Viewer:
        return family_viewer(self.guardian1.user)

    @property
    def guardian2_viewer(self) -> Viewer:
        return family_viewer(self.guardian2.user)

    @property
    def child_viewer(self) -> Viewer:
        return family_viewer(self.child.user, "child")

    # --- consent helpers --------------------------------------------------------------
    def request_consent(
        self, agencies: list[Agency], codes: list[str], *, case: Case | None = None, **kwargs: Any
    ) -> Consent:
        case = case or self.case
        with system_scope():
            return consent_services.consent_request(
                viewer=self.coordinator_viewer,
                case=case,
                purpose="Planera stödet tillsammans.",
                agency_ids=[a.pk for a in agencies],
                category_ids=[category(c).pk for c in codes],
                **kwargs,
            )

    def decide(self, consent: Consent, guardian: Guardian | None, decision: str = "granted") -> None:
        party = consent_services.CHILD if guardian is None else consent_services.Party(guardian_id=guardian.pk)
        with system_scope():
            consent_services.decision_record(
                viewer=self.coordinator_viewer,
                consent=consent,
                party=party,
                decision=decision,
                method="paper",
            )

    def grant(self, agencies: list[Agency], codes: list[str], *, case: Case | None = None) -> Consent:
        """A consent granted by both guardians (the child is under 12)."""
        consent = self.request_consent(agencies, codes, case=case)
        self.decide(consent, self.guardian1)
        self.decide(consent, self.guardian2)
        return consent

    # --- clients ----------------------------------------------------------------------
    def client_for(self, who: Membership | User) -> Client:
        client = Client()
        user = who.user if isinstance(who, Membership) else who
        client.force_login(user)
        if isinstance(who, Membership):
            session = client.session
            session["portal_acting_as"] = who.pk
            session.save()
        return client


def mark_reauthenticated(client: Client, user: User) -> None:
    """As if the user had just re-entered their password (allauth's reauthentication)."""
    import time

    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def build_world() -> World:
    with system_scope():
        region = Principal.objects.create(name="Region Test", kind=Principal.Kind.REGION)
        municipality = Principal.objects.create(name="Testköping", kind=Principal.Kind.MUNICIPALITY)
        other = Principal.objects.create(name="Annanstad", kind=Principal.Kind.MUNICIPALITY)
        school = Agency.objects.create(principal=municipality, name="Testskolan", kind=Agency.Kind.SCHOOL)
        health = Agency.objects.create(principal=region, name="BUP Test", kind=Agency.Kind.HEALTHCARE)
        social = Agency.objects.create(principal=municipality, name="Socialtjänsten Test", kind=Agency.Kind.SOCIAL)
        coordination = Agency.objects.create(
            principal=municipality, name="Samordningsenheten Test", kind=Agency.Kind.COORDINATION
        )
        unrelated = Agency.objects.create(principal=other, name="Annanskolan", kind=Agency.Kind.SCHOOL)

        coordinator = make_staff(coordination, "Sara Samordnare", Membership.Role.COORDINATOR)
        school_staff = make_staff(school, "Rut Rektor")
        school_admin = make_staff(school, "Adam Admin", Membership.Role.ADMIN)
        health_staff = make_staff(health, "Hanna Hälsa")
        health_admin = make_staff(health, "Harald Admin", Membership.Role.ADMIN)
        social_staff = make_staff(social, "Sven Social")
        unrelated_staff = make_staff(unrelated, "Olle Obehörig")

        born = date(2016, 5, 4)  # 10 years old in 2026: the guardians decide
        child = Child.objects.create(
            first_name="Alva",
            last_name="Testsson",
            personal_number=personal_number(born),
            date_of_birth=born,
            registered_by_agency=school,
            user=make_user("Alva Testsson", password=None),
        )
        guardian1 = Guardian.objects.create(
            first_name="Gun",
            last_name="Testsson",
            personal_number=personal_number(date(1985, 1, 1)),
            email="gun@test.example",
            phone="070-111",
            address="Gatan 1",
            registered_by_agency=school,
            user=make_user("Gun Testsson", password=None),
        )
        guardian2 = Guardian.objects.create(
            first_name="Gustav",
            last_name="Andersson",
            personal_number=personal_number(date(1983, 2, 2)),
            email="gustav@test.example",
            phone="070-222",
            address="Vägen 2",
            registered_by_agency=school,
            user=make_user("Gustav Andersson", password=None),
        )
        Guardianship.objects.create(child=child, guardian=guardian1, has_custody=True)
        Guardianship.objects.create(child=child, guardian=guardian2, has_custody=True, lives_with_child=False)
        case = Case.objects.create(
            child=child,
            owner_agency=school,
            opened_by=school_staff.user,
            need_description="Alva behöver stöd i skolan och hemma.",
            coordinator=coordinator.user,
            coordinator_agency=coordination,
        )
        CoordinatorAppointment.objects.create(
            case=case,
            wish=CoordinatorAppointment.Wish.NO_PREFERENCE,
            coordinator=coordinator.user,
            coordinator_agency=coordination,
            appointed_by=school_staff.user,
        )
        for agency in (school, health, social, coordination):
            TeamMember.objects.create(case=case, agency=agency)

        other_born = date(2015, 9, 9)
        other_child = Child.objects.create(
            first_name="Otto",
            last_name="Främling",
            personal_number=personal_number(other_born),
            date_of_birth=other_born,
            registered_by_agency=unrelated,
        )
        other_guardian = Guardian.objects.create(
            first_name="Olga",
            last_name="Främling",
            personal_number=personal_number(date(1980, 3, 3)),
            registered_by_agency=unrelated,
            user=make_user("Olga Främling", password=None),
        )
        Guardianship.objects.create(child=other_child, guardian=other_guardian, has_custody=True)
        other_case = Case.objects.create(
            child=other_child,
            owner_agency=unrelated,
            opened_by=unrelated_staff.user,
            need_description="Otto behöver stöd.",
        )
    return World(
        region=region,
        municipality=municipality,
        other_municipality=other,
        school=school,
        health=health,
        social=social,
        coordination=coordination,
        unrelated=unrelated,
        coordinator=coordinator,
        school_staff=school_staff,
        school_admin=school_admin,
        health_staff=health_staff,
        health_admin=health_admin,
        social_staff=social_staff,
        unrelated_staff=unrelated_staff,
        child=child,
        guardian1=guardian1,
        guardian2=guardian2,
        case=case,
        other_child=other_child,
        other_guardian=other_guardian,
        other_case=other_case,
    )


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
