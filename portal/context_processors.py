"""Template context shared by every page: the viewer and navigation for their persona.

Each app contributes its own menu entries in `<app>/nav.py` (`items(viewer)`), so an app
adds a page to the menu without touching this file.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access.scoping import ANONYMOUS_VIEWER

NAV_APPS = ["cases", "meetings", "consent", "accesslog", "agencies", "insights", "directory"]


def _nav(viewer: Any) -> list[tuple[str, Any]]:
    if not (viewer.is_staff or viewer.is_family):
        return []
    items: list[tuple[str, Any]] = [(reverse("portal:home"), _("Start"))]
    for name in NAV_APPS:
        module_name = name if "." in name else f"{name}.nav"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError:
            continue
        items.extend(module.items(viewer))
    return items


def portal(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", ANONYMOUS_VIEWER)
    memberships = getattr(request, "memberships", [])
    active = next((m for m in memberships if m.pk == viewer.membership_id), None)
    # Staff who have not set up their second factor see no menu: they can reach nothing yet.
    mfa_pending = viewer.is_staff and not request.session.get("portal_mfa_ok")
    return {
        "viewer": viewer,
        "memberships": memberships,
        "active_membership": active,
        "nav_items": [] if mfa_pending else _nav(viewer),
        "mfa_pending": mfa_pending,
    }
