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

from django.db.models import Count, Exists, Subquery
from django.db.models.functions import Coalesce

from access import policy
from access.scoping import system_scope


def _management_column(user_id: int) -> Exists:
    """`insights.selectors.is_management`'s question, as a column."""
    from insights.models import ManagementRole

    return Exists(ManagementRole.objects.filter(user_id=user_id))


def _bell_columns(user_id: int) -> dict[str, Coalesce]:
    """The bell's two numbers for the user as columns: "bell_unread" and "bell_last". They
    are what `notifications.selectors.bell_state` reads for a staff or family viewer of
    that user as long as the notification rule is the recipient's own rows
    (`access.policy`: `RECIPIENT_SCOPED` and no rule registered), whatever agency the
    viewer acts for; empty when it is not, and the bell then asks the policy itself."""
    from notifications.models import Notification

    if not getattr(Notification, "RECIPIENT_SCOPED", False) or Notification._meta.label in policy.rule_table():
        return {}
    mine = Notification._base_manager.filter(recipient_id=user_id).order_by()
    unread = mine.filter(read_at__isnull=True).values("recipient_id").annotate(n=Count("id")).values("n")
    last = mine.order_by("-id").values("id")[:1]
    return {"bell_unread": Coalesce(Subquery(unread), 0), "bell_last": Coalesce(Subquery(last), 0)}


def _remember_bell(user: Any, row: dict[str, Any]) -> None:
    from notifications.selectors import BELL_CACHE, BellState

    if "bell_unread" in row:
        setattr(user, BELL_CACHE, BellState(unread=int(row["bell_unread"]), last_id=int(row["bell_last"])))


def memberships(user: Any) -> list[Any]:
    """The user's active memberships in active agencies, oldest first (one query, with the
    user's management role and bell)."""
    from agencies.models import Membership
    from insights.selectors import MANAGEMENT_CACHE

    bell = _bell_columns(user.pk)
    with system_scope():
        rows = list(
            Membership.objects.filter(user_id=user.pk, is_active=True, agency__is_active=True)
            .select_related("agency", "agency__principal")
            .annotate(is_management=_management_column(user.pk), **bell)
            .order_by("id")
        )
    if rows:
        setattr(user, MANAGEMENT_CACHE, bool(rows[0].is_management))
        _remember_bell(user, {name: getattr(rows[0], name) for name in bell})
    return rows


def family_role(user: Any) -> tuple[str | None, bool]:
    """("guardian", "child" or None, whether the user has an active membership in an active
    agency): one query, with the user's bell."""
    from agencies.models import Membership
    from cases.models import Child, Guardian
    from portal.models import User

    bell = _bell_columns(user.pk)
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
    if role is not None:
        _remember_bell(user, row)
    return role, bool(row["has_memberships"])
