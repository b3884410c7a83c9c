"""The per-user notification socket: authenticate, join the user's group, relay ids.

The client may send `{"type": "since", "id": <last id seen>}` after (re)connecting; the
consumer answers with the ids of the user's notifications newer than that, read from the
database (the source of truth), so nothing pushed while the socket was down is missed.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from access.scoping import Viewer, scope
from notifications.push import user_group
from portal import viewers

CATCH_UP_LIMIT = 100


def _ids_since(viewer: Viewer, last_id: int) -> list[int]:
    from notifications.models import Notification

    with scope(viewer):  # recipient-scoped: only the viewer's own rows
        return list(
            Notification.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:CATCH_UP_LIMIT]
        )


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    viewer: Viewer | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        resolution = await database_sync_to_async(viewers.resolve)(user, session)
        viewer = resolution.viewer
        if not (viewer.is_staff or viewer.is_family):
            await self.close(code=4401)
            return
        if viewer.is_staff and not (session and session.get("portal_mfa_ok")):
            await self.close(code=4403)
            return
        self.viewer = viewer
        self.group = user_group(viewer.user_id)  # type: ignore[arg-type]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "since" or self.viewer is None:
            return
        try:
            last_id = max(0, int(content.get("id") or 0))
        except (TypeError, ValueError):
            return
        ids = await database_sync_to_async(_ids_since)(self.viewer, last_id)
        if ids:
            await self.send_json({"type": "notification", "id": ids[-1], "ids": ids, "catch_up": True})

    async def notification_new(self, event: dict[str, Any]) -> None:
        # Ids only: the page fetches the rest through the policy-checked view.
        await self.send_json({"type": "notification", "id": event["id"]})
