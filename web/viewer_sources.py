"""What portal.viewers reads to resolve a viewer: a user's memberships (agencies) and
whether the user is a guardian or a child (cases). Handed to it by web.apps at start-up.

Each is one query, and carries what every page's frame asks about the user besides: the
menu's management role (`insights.selectors.is_management`) and the notification bell
(`notifications.selectors.bell_state`). Both are kept on the request's user object for the
request, so the frame asks no query of its own and a role granted or a notification read
shows on the very next request, which reads them afresh with the memberships.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists

from access.scoping import system_scope


def _remember(user: Any, row: Any) -> None:
    from insights.selectors import MANAGEMENT_CACHE
    from notifications.selectors import remember_bell

    if hasattr(row, "is_management"):
        setattr(user, MANAGEMENT_CACHE, bool(row.is_management))
    if hasattr(row, "bell_unread"):
        remember_bell(user, int(row.bell_unread), int(row.bell_last))


def memberships(user: Any) -> list[Any]:
    """The user's active memberships in active agencies, oldest first (one query, with the
    user's management role and bell)."""
    from agencies.models import Membership
    from insights.selectors import management_column
    from notifications.selectors import bell_columns

    with system_scope():
        rows = list(
            Membership.objects.filter(user_id=user.pk, is_active=True, agency__is_active=True)
            .select_related("agency", "agency__principal")
            .annotate(is_management=management_column(user.pk), **(bell_columns(user.pk) or {}))
            .order_by("id")
        )
    if rows:
        _remember(user, rows[0])
    return rows


def family_role(user: Any) -> tuple[str | None, bool]:
    """("guardian", "child" or None, whether the user has an active membership in an active
    agency): one query, with the user's bell."""
    from agencies.models import Membership
    from cases.models import Child, Guardian
    from notifications.selectors import bell_columns, remember_bell
    from portal.models import User

    bell = bell_columns(user.pk) or {}
    with system_scope():
        active = Membership.objects.filter(user_id=user.pk, is_active=True, agency__is_active=True)
        row = (
            User._base_manager.filter(pk=user.pk)
            .annotate(
                is_guardian=Exists(Guardian.objects.filter(user_id=user.pk)),
                is_child=Exists(Child.objects.filter(user_id=user.pk)),
                has_memberships=Exists(active),
                **bell,
            )
            .values("is_guardian", "is_child", "has_memberships", *bell)
            .first()
        )
    if row is None:
        return None, False
    role = "guardian" if row["is_guardian"] else "child" if row["is_child"] else None
    if role is not None and bell:
        remember_bell(user, row["bell_unread"], row["bell_last"])
    return role, bool(row["has_memberships"])
