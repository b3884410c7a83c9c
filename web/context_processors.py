"""Template context shared by every page: the viewer, navigation for their persona, the
notification bell's state, and `is_child`.

`is_child` is true when the reader is the child herself (signed in with the family login
as the child, not as a guardian). A page the child can open speaks to her with it, "du"
and "din plan", never "ditt barn" or her name in the third person (DESIGN rule 19); the
few sentences that differ branch on it, so the page stays one template.

Each app contributes its own menu entries in `<app>/nav.py` (`items(viewer)`), so an app
adds a page to the menu without touching this file.

Everything here is read before the template renders (no lazy values): a template starts
no query (tests/template_queries.py). A view that renders a fragment without the page
frame (an htmx part) marks the request with `portal.fragments.partial(request)` so the frame's bell is not
read for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access.scoping import ANONYMOUS_VIEWER
from portal.fragments import PARTIAL
from portal.viewers import MFA_OK

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


# Pages drawn outside the portal's frame (base.html), which has the bell: the admin, the
# browsable API and the API docs.
FRAMELESS_PATHS = ("/admin/", "/api/")


def _bell(request: HttpRequest, viewer: Any, mfa_pending: bool) -> Any:
    # base.html shows the bell to the family and to staff past their second factor.
    if not (viewer.is_family or (viewer.is_staff and not mfa_pending)):
        return None
    if getattr(request, PARTIAL, False) or request.path_info.startswith(FRAMELESS_PATHS):
        return None
    from notifications.selectors import bell_state

    return bell_state(viewer=viewer)


def portal(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", ANONYMOUS_VIEWER)
    memberships = getattr(request, "memberships", [])
    active = next((m for m in memberships if m.pk == viewer.membership_id), None)
    # Staff who have not set up their second factor see no menu: they can reach nothing yet.
    mfa_pending = viewer.is_staff and not request.session.get(MFA_OK)
    return {
        "viewer": viewer,
        "is_child": viewer.is_family and viewer.role == "child",
        "memberships": memberships,
        "active_membership": active,
        "nav_items": [] if mfa_pending else _nav(viewer),
        "mfa_pending": mfa_pending,
        "bell": _bell(request, viewer, mfa_pending),
    }
