"""Who is asking: turn a signed-in user and their session into a `Viewer`.

Used by the request middleware (web.middleware), the API authentication and the websocket
consumers, so all three resolve the active agency the same way. Memberships are read fresh
on every call: a deactivated membership stops working on the very next request.

This module is the bottom layer and reads no app's models itself: who has which
memberships (agencies) and who is a guardian or a child (cases) are asked of the two
functions `provide()` was given, which the top app (web.apps) does at start-up. Until then
`resolve` refuses to run rather than resolve everyone as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from access.scoping import ANONYMOUS_VIEWER, FAMILY, STAFF, Viewer

# The session's keys: the agency (membership id) or family mode acted as, the sign-in and
# last-seen times (web.middleware's session lifetime), the second factor checked, and the
# family role found at sign-in.
ACTING_AS_SESSION_KEY = "portal_acting_as"
FAMILY_MODE = "family"
LOGIN_AT = "portal_login_at"
SEEN_AT = "portal_seen_at"
MFA_OK = "portal_mfa_ok"
FAMILY_ROLE = "portal_family_role"

# user -> the user's active memberships in active agencies, oldest first (agency and
# principal joined); user -> ("guardian", "child" or None, whether the user has any such
# membership). Each runs in the system scope.
MembershipsOf = Callable[[Any], list[Any]]
FamilyRoleOf = Callable[[Any], tuple[str | None, bool]]
_sources: dict[str, Any] = {}


def provide(*, memberships: MembershipsOf, family_role: FamilyRoleOf) -> None:
    """Set where memberships and family roles are read from (once, from web.apps.ready)."""
    _sources["memberships"] = memberships
    _sources["family_role"] = family_role


def _source(name: str) -> Any:
    try:
        return _sources[name]
    except KeyError:
        raise ImproperlyConfigured("portal.viewers: no sources; web.apps.WebConfig.ready() provides them") from None


@dataclass
class Resolution:
    viewer: Viewer
    memberships: list[Any] = field(default_factory=list)
    has_family_role: bool = False
    # The session named a membership that is no longer active: the session must end.
    lost_membership: bool = False


def resolve(user: Any, session: Any, *, membership_id: int | None = None) -> Resolution:
    """Resolve the viewer for `user`. `membership_id` pins the agency (API tokens)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Resolution(viewer=ANONYMOUS_VIEWER)
    wanted = (
        membership_id
        if membership_id is not None
        else (session.get(ACTING_AS_SESSION_KEY) if session is not None else None)
    )
    # A session that resolved as the family and acts for no agency asks the family role
    # first, and reads the memberships only when the user has one (as staff they come first).
    family_first = wanted is None and session is not None and bool(session.get(FAMILY_ROLE))
    role: str | None = None
    if family_first:
        role, has_memberships = _source("family_role")(user)
        memberships = _source("memberships")(user) if has_memberships else []
    else:
        memberships = _source("memberships")(user)
    if wanted != FAMILY_MODE:
        chosen = None
        if wanted is not None:
            chosen = next((m for m in memberships if m.pk == wanted), None)
            if chosen is None:
                return Resolution(viewer=ANONYMOUS_VIEWER, memberships=memberships, lost_membership=True)
        elif memberships:
            chosen = memberships[0]
        if chosen is not None:
            viewer = Viewer(
                kind=STAFF,
                user_id=user.pk,
                agency_id=chosen.agency_id,
                role=chosen.role,
                membership_id=chosen.pk,
                user=user,
                membership=chosen,
            )
            return Resolution(viewer=viewer, memberships=memberships)
    if not family_first:
        role = _source("family_role")(user)[0]
    if role is not None:
        return Resolution(
            viewer=Viewer(kind=FAMILY, user_id=user.pk, role=role, user=user),
            memberships=memberships,
            has_family_role=True,
        )
    return Resolution(viewer=ANONYMOUS_VIEWER, memberships=memberships)
