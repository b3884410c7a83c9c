"""The directory's panel on the plan pages (portal/panels.py): the support entries linked
to each plan action, and whether the viewer may link more."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from access import policy
from access.scoping import Viewer
from directory import selectors


@dataclass
class PlanSupport:
    """The links of one case's plan the viewer may see, per action id."""

    links: dict[int, list[Any]] = field(default_factory=dict)
    can_link: bool = False


def plan(viewer: Viewer, *, case: Any) -> dict[str, Any]:
    """One query for the links of the whole plan, however many actions the page shows."""
    if not (viewer.is_staff or viewer.is_family):
        return {"plan_support": PlanSupport()}
    can_link = viewer.is_staff and policy.is_coordinator_of(viewer, case) and case.is_open
    links = selectors.links_for_case(viewer=viewer, case_id=case.pk)
    return {"plan_support": PlanSupport(links=links, can_link=can_link)}
