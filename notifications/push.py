"""Websocket push of new notification ids to the recipient's own group."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from consent.scoping import system_scope
from notifications.models import Notification

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_notifications(ids: list[int]) -> None:
    layer = get_channel_layer()
    with system_scope():
        rows = list(Notification.objects.filter(pk__in=ids, pushed_at__isnull=True).values_list("pk", "recipient_id"))
    pushed = []
    for pk, recipient_id in rows:
        try:
            async_to_sync(layer.group_send)(user_group(recipient_id), {"type": "notification.new", "id": pk})
            pushed.append(pk)
        except Exception:
            logger.warning("push of notification %s failed", pk, exc_info=True)
    if pushed:
        with system_scope():
            Notification.objects.filter(pk__in=pushed).update(pushed_at=timezone.now())
