"""Fixtures of the improvement work: a management user and helpers to add data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from agencies.models import Agency, Membership
from cases.models import Case, Child, TeamMember
from insights.models import GapCategory, ManagementRole, ServiceArea, SystemGap
from insights.periods import STOCKHOLM
from tests.world import World, make_staff, personal_number, staff_viewer


@pytest.fixture
def management(world: World) -> Membership:
    """Municipal management of Testköping: staff of the executive office with a role."""
    office = Agency.objects.create(
        principal=world.municipality, name="Kommunledningskontoret Test", kind=Agency.Kind.OTHER
    )
    membership = make_staff(office, "Lena Ledning")
    ManagementRole.objects.create(user=membership.user, principal=world.municipality)
    return membership


@pytest.fixture
def management_viewer(management: Membership):  # type: ignore[no-untyped-def]
    return staff_viewer(management)


def add_gaps(world: World, spec: dict[tuple[str, str, int, int], int], *, agency: Agency | None = None) -> None:
    """spec: (category code, service code, year, quarter) -> how many gaps."""
    agency = agency or world.coordination
    categories = {c.code: c for c in GapCategory.objects.all()}
    services = {s.code: s for s in ServiceArea.objects.all()}
    rows = []
    for (cat, service, year, quarter), n in spec.items():
        for i in range(n):
            rows.append(
                SystemGap(
                    principal=agency.principal,
                    recorded_by_agency=agency,
                    category=categories[cat],
                    service_area=services[service],
                    description="Lång väntetid i stödsystemet.",
                    year=year,
                    month=3 * quarter - 2 + i % 3,
                    quarter=quarter,
                )
            )
    SystemGap.objects.bulk_create(rows)


_n = iter(range(1, 10_000))


def add_case(world: World, *, opened: datetime, closed: datetime | None = None, **fields: Any) -> Case:
    """A collaboration owned by the world's school (Testköping), optionally closed."""
    born = datetime(2014, 1, 1).date()
    child = Child.objects.create(
        first_name="Barn",
        last_name=f"Nummer{next(_n)}",
        personal_number=personal_number(born),
        date_of_birth=born,
        registered_by_agency=world.school,
    )
    case = Case.objects.create(
        child=child,
        owner_agency=fields.pop("owner_agency", world.school),
        opened_by=world.school_staff.user,
        opened_at=opened,
        need_description="Stöd behövs.",
        status="closed" if closed else "open",
        closed_at=closed,
        **fields,
    )
    TeamMember.objects.create(case=case, agency=world.school)
    return case


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=STOCKHOLM)


__all__ = ["add_case", "add_gaps", "at", "timedelta"]
