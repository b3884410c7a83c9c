"""The collaboration panels on other apps' pages (portal/panels.py): the coordinator's
caseload summary and the family's collaborations on the home pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from access.scoping import Viewer
from cases import selectors
from cases.models import Case, CoordinatorAppointment


@dataclass
class FamilyCase:
    case: Case
    appointment: CoordinatorAppointment | None


def home_staff(viewer: Viewer) -> dict[str, Any]:
    return {"caseload_summary": selectors.caseload_summary(viewer=viewer)}


def home_family(viewer: Viewer) -> dict[str, Any]:
    cases = family_cases(viewer)
    return {"family_cases": cases, "join_waiting": join_waiting(viewer, cases)}


def family_cases(viewer: Viewer) -> list[FamilyCase]:
    """The family's own collaborations (the policy decides which), newest first, with
    the current coordinator. Two queries."""
    if not viewer.is_family:
        return []
    cases = list(Case.objects.select_related("child", "owner_agency").order_by("status", "-opened_at")[:10])
    current = {
        a.case_id: a
        for a in CoordinatorAppointment.objects.filter(
            case_id__in=[c.pk for c in cases], ended_at__isnull=True
        ).select_related("coordinator", "coordinator_agency")
    }
    return [FamilyCase(case=c, appointment=current.get(c.pk)) for c in cases]


def join_waiting(viewer: Viewer, cases: list[FamilyCase]) -> bool:
    """A guardian has two open collaborations for the same child, which the family could
    bring together (DESIGN rule 17). From the cases already read: no query."""
    if not (viewer.is_family and viewer.role == "guardian"):
        return False
    numbers = [item.case.child.personal_number for item in cases if item.case.is_open]
    return len(numbers) != len(set(numbers))
