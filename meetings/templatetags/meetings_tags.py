"""Template tags for the meeting panels other pages include (home pages, the
collaboration page). Reads run in the request's scope, so the policy filters them."""

from __future__ import annotations

from typing import Any

from django import template

from access import policy
from meetings import selectors

register = template.Library()

HOME_LIMIT = 5


@register.simple_tag(takes_context=True)
def meetings_home(context: dict[str, Any]) -> dict[str, Any]:
    """Upcoming meetings (and, for staff, preparations due) for the home page."""
    viewer = context.get("viewer")
    if viewer is None or not (viewer.is_staff or viewer.is_family):
        return {"upcoming": [], "preparations_due": []}
    upcoming = list(selectors.meeting_list(upcoming=True, limit=HOME_LIMIT))
    rows = []
    for m in upcoming:
        invitations = getattr(m, "active_invitations", [])  # prefetched by the selector
        rows.append({"meeting": m, "own": selectors.own_invitation(viewer, m, invitations), "invitations": invitations})
    return {
        "upcoming": rows,
        "preparations_due": selectors.preparations_due(viewer, limit=HOME_LIMIT) if viewer.is_staff else [],
    }


@register.simple_tag(takes_context=True)
def case_meetings(context: dict[str, Any], case: Any) -> dict[str, Any]:
    """Upcoming and past meetings of one collaboration, and whether the viewer may call one."""
    viewer = context.get("viewer")
    if viewer is None or case is None:
        return {"upcoming": [], "past": [], "can_call": False}
    upcoming, past = selectors.case_meetings(case)
    return {
        "upcoming": upcoming,
        "past": past[:HOME_LIMIT],
        "can_call": policy.is_coordinator_of(viewer, case) and case.is_open,
    }
