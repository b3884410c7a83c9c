"""Demo data: a Sörmland-like county. Idempotent; each app adds its part in `<app>/demo.py`.

The sign-ins every app's demo shares (DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_DOMAIN) are in
`portal.demo`, the bottom layer, so an app's demo part never imports this top-level seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from access.scoping import system_scope
from agencies.models import Agency, Membership, Principal
from portal.demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET, _ensure_totp, staff_email
from portal.models import User

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "DEMO_TOTP_SECRET", "seed", "staff_email"]


@dataclass(frozen=True)
class StaffSpec:
    key: str
    name: str
    agency: str
    role: str
    title: str


PRINCIPALS = [
    ("Region Sörmland", Principal.Kind.REGION, "04"),
    ("Eskilstuna kommun", Principal.Kind.MUNICIPALITY, "0484"),
    ("Katrineholms kommun", Principal.Kind.MUNICIPALITY, "0483"),
]

AGENCIES = [
    # key, principal, name, kind
    ("bup", "Region Sörmland", "BUP Sörmland", Agency.Kind.HEALTHCARE),
    ("hab", "Region Sörmland", "Habiliteringen Sörmland", Agency.Kind.HEALTHCARE),
    ("bvc", "Region Sörmland", "Barnhälsovården Eskilstuna", Agency.Kind.HEALTHCARE),
    ("skola", "Eskilstuna kommun", "Skiftingeskolan", Agency.Kind.SCHOOL),
    ("soc", "Eskilstuna kommun", "Socialtjänsten Eskilstuna", Agency.Kind.SOCIAL),
    ("samordning", "Eskilstuna kommun", "Samordningsenheten Barnets bästa", Agency.Kind.COORDINATION),
    ("skola-kh", "Katrineholms kommun", "Sandbäcksskolan", Agency.Kind.SCHOOL),
    ("soc-kh", "Katrineholms kommun", "Socialtjänsten Katrineholm", Agency.Kind.SOCIAL),
]

STAFF = [
    StaffSpec("samordnare", "Sara Lind", "samordning", Membership.Role.COORDINATOR, "Samordningsperson"),
    StaffSpec("samordnare2", "Omar Ali", "samordning", Membership.Role.COORDINATOR, "Koordinator"),
    StaffSpec("rektor", "Anna Berg", "skola", Membership.Role.STAFF, "Rektor"),
    StaffSpec("mentor", "Erik Holm", "skola", Membership.Role.STAFF, "Mentor"),
    StaffSpec("skoladmin", "Per Ström", "skola", Membership.Role.ADMIN, "Administratör"),
    StaffSpec("bup", "Leila Haddad", "bup", Membership.Role.STAFF, "Psykolog"),
    StaffSpec("hab", "Johan Ek", "hab", Membership.Role.STAFF, "Arbetsterapeut"),
    StaffSpec("bvc", "Karin Ek", "bvc", Membership.Role.STAFF, "BVC-sjuksköterska"),
    StaffSpec("soc", "Jonas Nyberg", "soc", Membership.Role.STAFF, "Handläggare"),
    StaffSpec("bupadmin", "Maja Sund", "bup", Membership.Role.ADMIN, "Administratör"),
    StaffSpec("skola-kh", "Lina Falk", "skola-kh", Membership.Role.STAFF, "Specialpedagog"),
]
# Omar Ali also works a few hours at social services in Katrineholm: two memberships.
EXTRA_MEMBERSHIPS = [("samordnare2", "soc-kh", Membership.Role.STAFF, "Familjebehandlare")]


def seed_agencies() -> dict[str, Agency]:
    principals = {}
    for name, principal_kind, code in PRINCIPALS:
        principals[name], _created = Principal.objects.get_or_create(
            name=name, defaults={"kind": principal_kind, "code": code}
        )
    agencies = {}
    for key, principal, name, agency_kind in AGENCIES:
        agencies[key], _created = Agency.objects.get_or_create(
            principal=principals[principal], name=name, defaults={"kind": agency_kind, "email": f"{key}@{DEMO_DOMAIN}"}
        )
    return agencies


def seed_staff(agencies: dict[str, Agency]) -> dict[str, User]:
    users = {}
    for spec in STAFF:
        user = User.objects.filter(email=staff_email(spec.key)).first()
        if user is None:
            user = User.objects.create_user(staff_email(spec.key), password=DEMO_PASSWORD, full_name=spec.name)
        _ensure_totp(user)
        Membership.objects.get_or_create(
            user=user, agency=agencies[spec.agency], defaults={"role": spec.role, "title": spec.title}
        )
        users[spec.key] = user
    for key, agency, role, title in EXTRA_MEMBERSHIPS:
        Membership.objects.get_or_create(
            user=users[key], agency=agencies[agency], defaults={"role": role, "title": title}
        )
    return users


def seed() -> dict[str, Any]:
    """Create the whole demo. Safe to run again: it only adds what is missing."""
    from cases import demo as cases_demo
    from consent import demo as consent_demo
    from directory import demo as directory_demo
    from insights import demo as insights_demo
    from meetings import demo as meetings_demo
    from notifications import demo as notifications_demo

    with transaction.atomic(), system_scope():
        agencies = seed_agencies()
        users = seed_staff(agencies)
        world: dict[str, Any] = {"agencies": agencies, "users": users}
        world.update(cases_demo.seed(world))
        world.update(consent_demo.seed(world))
        world.update(meetings_demo.seed(world))
        world.update(notifications_demo.seed(world))
        world.update(insights_demo.seed(world))
        world.update(directory_demo.seed(world))
    return world
