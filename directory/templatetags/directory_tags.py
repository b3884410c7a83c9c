"""Template tags for showing directory links inside another app's plan page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

from access import policy
from directory import selectors

register = template.Library()


@dataclass
class ActionSupport:
    links: list[Any] = field(default_factory=list)
    can_link: bool = False


@register.simple_tag(takes_context=True)
def plan_action_support(context: template.Context, action: Any) -> ActionSupport:
    """The directory entries linked to `action` that the viewer may see, and whether the
    viewer may link more. One query for the links of the whole plan (and one for the
    case), however many actions the page shows: cached on the request per case."""
    request = context.get("request")
    viewer = context.get("viewer")
    if viewer is None or not (viewer.is_staff or viewer.is_family):
        return ActionSupport()
    cache: dict[int, tuple[dict[int, list[Any]], bool]]
    cache = getattr(request, "_directory_plan_links", None) if request is not None else None  # type: ignore[assignment]
    if cache is None:
        cache = {}
        if request is not None:
            request._directory_plan_links = cache  # type: ignore[attr-defined]
    if action.case_id not in cache:
        links = selectors.links_for_case(case_id=action.case_id)
        can_link = viewer.is_staff and policy.is_coordinator_of(viewer, action.case) and action.case.is_open
        cache[action.case_id] = (links, can_link)
    links, can_link = cache[action.case_id]
    return ActionSupport(links=links.get(action.pk, []), can_link=can_link)
