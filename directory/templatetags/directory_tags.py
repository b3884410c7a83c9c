"""Template tags for showing directory links inside another app's plan page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

register = template.Library()


@dataclass
class ActionSupport:
    links: list[Any] = field(default_factory=list)
    can_link: bool = False


@register.simple_tag(takes_context=True)
def plan_action_support(context: template.Context, action: Any) -> ActionSupport:
    """The directory entries linked to `action` that the viewer may see, and whether the
    viewer may link more: looked up in the `plan_support` the plan's view read through
    directory/panels.py (no query here)."""
    support = context["plan_support"]
    return ActionSupport(links=support.links.get(action.pk, []), can_link=support.can_link)
