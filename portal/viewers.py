"""Who is asking: turn a signed-in user and their session into a `Viewer`.

Used by the request middleware, the API authentication and the websocket consumers, so
all three resolve the active agency the same way. Memberships are read fresh on every
call: a deactivated membership stops working on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from access.scoping import ANONYMOUS_VIEWER, FAMILY, STAFF, Viewer, system_scope

ACTING_AS_SESSION_KEY = "portal_acting_as"
FAMILY_MODE = "family"


@dataclass
class Resolution:
    viewer: Viewer
    memberships: list[Any] = field(default_factory=list)
    has_family_role: bool = False
    # The session named a membership that is no longer active: the session must end.
    lost_membership: bool = False


def _family_role(user: Any) -> str | None:
    from cases.models import Child, Guardian

    with system_scope():
        if Guardian.objects.filter(user_id=user.pk).exists():
            return "guardian"
        if Child.objects.filter(user_id=user.pk).exists():
            return "child"
    return None


def resolve(user: Any, session: Any, *, membership_id: int | None = None) -> Resolution:
    """Resolve the viewer for `user`. `membership_id` pins the agency (API tokens)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Resolution(viewer=ANONYMOUS_VIEWER)
    from agencies.models import Membership

    with system_scope():
        memberships = list(
            Membership.objects.filter(user_id=user.pk, is_active=True, agency__is_active=True)
            .select_related("agency", "agency__principal")
            .order_by("id")
        )
    wanted = (
        membership_id
        if membership_id is not None
        else (session.get(ACTING_AS_SESSION_KEY) if session is not None else None)
    )
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
    role = _family_role(user)
    if role is not None:
        return Resolution(
            viewer=Viewer(kind=FAMILY, user_id=user.pk, role=role, user=user),
            memberships=memberships,
            has_family_role=True,
        )
    return Resolution(viewer=ANONYMOUS_VIEWER, memberships=memberships)
