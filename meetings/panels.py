"""The meeting panels on other apps' pages (portal/panels.py): the home pages and the
collaboration page. Reads run in the request's scope, so the policy filters them."""

from __future__ import annotations

from typing import Any

from access import policy
from access.scoping import Viewer
from meetings import selectors

HOME_LIMIT = 5


def _home(viewer: Viewer) -> dict[str, Any]:
    """Upcoming meetings (and, for staff, preparations due) for the home page."""
    if not (viewer.is_staff or viewer.is_family):
        return {"upcoming": [], "preparations_due": []}
    rows = []
    for m in selectors.upcoming_for_home(viewer, limit=HOME_LIMIT):
        invitations = m.active_invitations  # type: ignore[attr-defined]  # read with the meetings
        rows.append({"meeting": m, "own": selectors.own_invitation(viewer, m, invitations), "invitations": invitations})
    return {
        "upcoming": rows,
        "preparations_due": list(selectors.preparations_due(viewer, limit=HOME_LIMIT)) if viewer.is_staff else [],
    }


def home_staff(viewer: Viewer) -> dict[str, Any]:
    return {"meetings_home": _home(viewer)}


def home_family(viewer: Viewer) -> dict[str, Any]:
    return {"meetings_home": _home(viewer)}


def case_detail(viewer: Viewer, *, case: Any, **_: Any) -> dict[str, Any]:
    """Upcoming and past meetings of one collaboration, and whether the viewer may call one."""
    upcoming, past = selectors.case_meetings(viewer=viewer, case=case)
    return {
        "case_meetings": {
            "upcoming": list(upcoming),
            "past": list(past[:HOME_LIMIT]),
            "can_call": policy.is_coordinator_of(viewer, case) and case.is_open,
        }
    }
