"""Template context shared by every page: the viewer, navigation for their persona."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consent.scoping import ANONYMOUS_VIEWER


def _nav(viewer: Any) -> list[tuple[str, Any]]:
    if viewer.is_staff:
        items: list[tuple[str, Any]] = [(reverse("portal:home"), _("Start"))]
        items.append((reverse("cases:list"), _("Samverkan")))
        items.append((reverse("meetings:list"), _("Möten")))
        if viewer.is_agency_admin:
            items.append((reverse("agencies:staff"), _("Personal")))
        return items
    if viewer.is_family:
        return [
            (reverse("portal:home"), _("Start")),
            (reverse("meetings:list"), _("Möten")),
            (reverse("consent:family"), _("Samtycken")),
        ]
    return []


def portal(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", ANONYMOUS_VIEWER)
    memberships = getattr(request, "memberships", [])
    active = next((m for m in memberships if m.pk == viewer.membership_id), None)
    return {
        "viewer": viewer,
        "memberships": memberships,
        "active_membership": active,
        "nav_items": _nav(viewer),
    }
