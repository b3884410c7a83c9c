"""The one function other apps call to tell people something is waiting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from consent.scoping import system_scope
from notifications.models import Notification


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    case: Any = None,
    target_url: str = "",
    agency_id: int | None = None,
) -> list[Notification]:
    """Write one notification row per recipient in the caller's transaction.

    `recipients` are users (or user ids) already chosen by the caller through the policy.
    Delivery (websocket push, e-mail) is queued after commit and never holds the request.
    """
    seen: set[int] = set()
    rows = []
    for recipient in recipients:
        user_id = recipient if isinstance(recipient, int) else recipient.pk
        if user_id in seen:
            continue
        seen.add(user_id)
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=kind,
                case=case,
                target_url=target_url,
                agency_id=agency_id,
            )
        )
    with system_scope():
        created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if ids:
        transaction.on_commit(lambda: _dispatch(ids))
    return created


def _dispatch(ids: list[int]) -> None:
    from notifications import delivery

    delivery.dispatch(ids)


def reminder_schedule(
    *,
    key: str,
    kind: str,
    due_at: Any,
    recipient_ids: list[int],
    case: Any = None,
    agency_id: int | None = None,
    target_url: str = "",
) -> None:
    """Create a reminder row due at `due_at`, once per `key` (idempotent)."""
    from notifications.models import Reminder

    Reminder.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "due_at": due_at,
            "recipient_ids": sorted(set(recipient_ids)),
            "case": case,
            "agency_id": agency_id,
            "target_url": target_url,
        },
    )


def reminder_cancel(*, key_prefix: str) -> int:
    """Cancel unsent reminders whose key starts with `key_prefix`."""
    from django.utils import timezone

    from notifications.models import Reminder

    return Reminder.objects.filter(key__startswith=key_prefix, sent_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
