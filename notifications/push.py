"""Websocket push of new notification ids to the recipient's own group.

A push is claimed before it is sent (`pushed_at` set under SELECT … FOR UPDATE SKIP
LOCKED), so two processes never push the same row; a failed send releases the claim and
the sweeper tries again. The push carries the id only: the page fetches the rest through
the policy-checked views.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.utils import timezone

from access.scoping import system_scope
from notifications.models import Notification

logger = logging.getLogger(__name__)

# One send may wait this long before the layer is taken to be down (the rest then wait).
SEND_TIMEOUT = 0.5


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def message(notification_id: int) -> dict[str, object]:
    return {"type": "notification.new", "id": notification_id}


def _claim(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Mark the not-yet-pushed rows among `ids` as pushed and return them, in one statement
    (UPDATE … RETURNING: one round trip; concurrent claimers each get a disjoint set)."""
    ids = [int(pk) for pk in ids]
    if not ids:
        return []
    table = connection.ops.quote_name(Notification._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET pushed_at = %s WHERE id IN ({placeholders}) AND pushed_at IS NULL "  # noqa: S608
        "RETURNING id, recipient_id"
    )
    from notifications.mail import relaxed_commit

    with relaxed_commit(), connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *ids])
        rows = [(int(pk), int(recipient)) for pk, recipient in cursor.fetchall()]
    return sorted(rows)


def _release(ids: list[int]) -> None:
    with system_scope():
        Notification.objects.filter(pk__in=ids).update(pushed_at=None)


async def _send_all(rows: list[tuple[int, int]]) -> list[int]:
    """Send each row; return the ids not sent. Stops at the first failure (layer down)."""
    layer = get_channel_layer()
    for index, (pk, recipient_id) in enumerate(rows):
        try:
            await asyncio.wait_for(layer.group_send(user_group(recipient_id), message(pk)), SEND_TIMEOUT)
        except Exception:
            logger.warning("push of notification %s failed; the sweeper will retry", pk, exc_info=True)
            return [p for p, _ in rows[index:]]
    return []


def push_notifications(ids: Iterable[int], *, loop: asyncio.AbstractEventLoop | None = None) -> int:
    """Push the not-yet-pushed rows among `ids`. Returns how many were sent.

    `loop`: a long-lived event loop to run on (the dispatcher thread keeps one, so the
    channel layer's connection is reused); otherwise a short-lived one is used.
    """
    rows = _claim(ids)
    if not rows:
        return 0
    try:
        failed = loop.run_until_complete(_send_all(rows)) if loop is not None else async_to_sync(_send_all)(rows)
    except Exception:
        logger.warning("push of %d notifications failed", len(rows), exc_info=True)
        failed = [pk for pk, _ in rows]
    if failed:
        _release(failed)
    return len(rows) - len(failed)
