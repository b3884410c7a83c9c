"""Template tags for the consent panels other apps include (the case page, the family home)."""

from __future__ import annotations

from typing import Any

from django import template

from consent import selectors, services

register = template.Library()


def _viewer(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "viewer", None)


@register.simple_tag(takes_context=True)
def consent_case_panel(context: template.Context, case: Any) -> dict[str, Any]:
    """The consent summary of one case for staff: the versions in force the viewer may see,
    whether they manage consents, and what their own agency may see now. Fixed queries."""
    viewer = _viewer(context)
    if viewer is None or not viewer.is_staff:
        return {"cards": [], "manages": False, "my_categories": []}
    grants = selectors.active_grants(viewer, case)
    return {
        "cards": selectors.case_cards(viewer, case, own_grants=grants.consent_ids),
        "manages": services.manages(viewer, case),
        "my_categories": grants.category_labels,
    }


@register.simple_tag(takes_context=True)
def consents_waiting_for_me(context: template.Context) -> list[Any]:
    viewer = _viewer(context)
    if viewer is None or not viewer.is_family:
        return []
    return selectors.waiting_for_me(viewer)


@register.simple_tag
def editable_text(key: str) -> Any:
    from portal.texts import editable_text as lookup

    return lookup(key)
