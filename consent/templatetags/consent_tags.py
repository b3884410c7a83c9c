"""Template tags for the consent panels other apps include (the case page, the family home)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from consent import selectors, services
from consent.models import ConsentGrant

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
    from django.utils import timezone

    now = timezone.now()
    rows = (
        ConsentGrant.objects.filter(case_id=case.pk, agency_id=viewer.agency_id, starts_at__lte=now, ends_at__gt=now)
        .order_by("category__ordering")
        .values_list("category__name", "category__name_en")
        .distinct()
    )
    english = (get_language() or "").startswith("en")
    my_categories = [name_en if english and name_en else name for name, name_en in rows]
    return {
        "cards": selectors.case_cards(viewer, case),
        "manages": services.manages(viewer, case),
        "my_categories": my_categories,
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
