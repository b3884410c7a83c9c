"""Template tags of the improvement work for other apps' pages (the home page panel)."""

from __future__ import annotations

from django import template

from insights import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def insights_access(context: template.Context) -> dict[str, bool]:
    """What the viewer may do here: read the management reports, record gaps."""
    viewer = context.get("viewer")
    if viewer is None or not viewer.is_staff:
        return {"management": False, "record": False}
    return {"management": selectors.is_management(viewer), "record": selectors.can_record_gaps(viewer)}
