"""Home-page panels: the coordinator's caseload summary and the family's collaborations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from access.scoping import ANONYMOUS_VIEWER
from cases import selectors
from cases.models import Case, CoordinatorAppointment

register = template.Library()


def _viewer(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "viewer", ANONYMOUS_VIEWER)


@register.simple_tag(takes_context=True)
def caseload_summary(context: template.Context) -> selectors.CaseloadSummary:
    viewer = _viewer(context)
    if not viewer.is_staff:
        return selectors.CaseloadSummary()
    return selectors.caseload_summary(viewer=viewer)


@dataclass
class FamilyCase:
    case: Case
    appointment: CoordinatorAppointment | None


@register.simple_tag(takes_context=True)
def family_cases(context: template.Context) -> list[FamilyCase]:
    """The family's own collaborations (the policy decides which), newest first, with
    the current coordinator. Two queries."""
    viewer = _viewer(context)
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


@register.simple_tag(takes_context=True)
def join_waiting(context: template.Context, cases: list[FamilyCase]) -> bool:
    """A guardian has two open collaborations for the same child, which the family could
    bring together (DESIGN rule 17). From the cases already read: no query."""
    viewer = _viewer(context)
    if not (viewer.is_family and viewer.role == "guardian"):
        return False
    numbers = [item.case.child.personal_number for item in cases if item.case.is_open]
    return len(numbers) != len(set(numbers))
