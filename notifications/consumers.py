"""The per-user notification socket: authenticate, join the user's group, relay ids."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.push import user_group
from portal import viewers


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

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
        self.group = user_group(viewer.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification_new(self, event: dict[str, Any]) -> None:
        # Ids only: the page fetches the rest through the policy-checked view.
        await self.send_json({"type": "notification", "id": event["id"]})
