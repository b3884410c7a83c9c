"""What portal.viewers reads to resolve a viewer: a user's memberships (agencies) and
whether the user is a guardian or a child (cases). Handed to it by web.apps at start-up."""

from __future__ import annotations

from typing import Any

from access.scoping import system_scope


def memberships(user: Any) -> list[Any]:
    """The user's active memberships in active agencies, oldest first."""
    from agencies.models import Membership

    with system_scope():
        return list(
            Membership.objects.filter(user_id=user.pk, is_active=True, agency__is_active=True)
            .select_related("agency", "agency__principal")
            .order_by("id")
        )


def family_role(user: Any) -> str | None:
    from cases.models import Child, Guardian

    with system_scope():
        if Guardian.objects.filter(user_id=user.pk).exists():
            return "guardian"
        if Child.objects.filter(user_id=user.pk).exists():
            return "child"
    return None
