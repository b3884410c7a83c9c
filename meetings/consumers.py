"""The live meeting room socket. Thin: authenticate, check the meeting through the
policy, join the room's group and the case-agency group, relay which part changed.

* Staff need a second factor (session flag) and act for their session's agency; the
  family follows as themselves. Consumers are not covered by the request middleware,
  so every database read here enters the viewer's scope explicitly.
* Pushes carry a part name only; the page re-fetches that part through the
  policy-checked views, so every live read is logged like any other page read.
* Access is checked again, fresh from the database, before relaying any event and on
  every message from the client: a socket that lost access is closed (4403) even if the
  revocation push itself was lost. `meetings.services.access_lost` closes the
  connections of an agency whose consent ended at once through the case-agency group.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from access.scoping import Viewer, scope
from meetings.push import agency_group, meeting_group
from portal import viewers

NOT_SIGNED_IN = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404


def _resolve(user: Any, session: Any) -> Viewer:
    return viewers.resolve(user, session).viewer


def _open_meeting(viewer: Viewer, meeting_uuid: str, consumer_scope: dict[str, Any]) -> tuple[int, int] | None:
    """(meeting id, case id) if the viewer may follow the meeting; logged as a live read
    with the client's address and a websocket request id."""
    from accesslog import writes
    from meetings.models import Meeting

    with writes.live_reading(viewer, consumer_scope):
        meeting = Meeting.objects.filter(uuid=meeting_uuid).exclude(status=Meeting.Status.CANCELLED).first()
    if meeting is None:
        return None
    return meeting.pk, meeting.case_id


def _may_follow(user: Any, session: Any, meeting_id: int) -> bool:
    """Fresh from the database: the membership is still active and the policy still shows
    the meeting (consent, invitation, custody)."""
    from meetings.models import Meeting

    viewer = _resolve(user, session)
    if not (viewer.is_staff or viewer.is_family):
        return False
    with scope(viewer):
        return Meeting.objects.filter(pk=meeting_id).exclude(status=Meeting.Status.CANCELLED).exists()


class MeetingRoomConsumer(AsyncJsonWebsocketConsumer):
    joined: list[str]

    async def connect(self) -> None:
        self.joined = []
        self.meeting_id: int | None = None
        user = self.scope.get("user")
        session = self.scope.get("session")
        viewer = await database_sync_to_async(_resolve)(user, session)
        if not (viewer.is_staff or viewer.is_family):
            await self.close(code=NOT_SIGNED_IN)
            return
        if viewer.is_staff and not (session and session.get("portal_mfa_ok")):
            await self.close(code=FORBIDDEN)
            return
        meeting_uuid = str(self.scope["url_route"]["kwargs"]["meeting_uuid"])
        found = await database_sync_to_async(_open_meeting)(viewer, meeting_uuid, self.scope)
        if found is None:
            await self.close(code=NOT_FOUND)
            return
        self.meeting_id, case_id = found
        self.joined = [meeting_group(self.meeting_id)]
        if viewer.is_staff:
            self.joined.append(agency_group(case_id, viewer.agency_id))  # type: ignore[arg-type]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def _still_allowed(self) -> bool:
        if self.meeting_id is None:
            return False
        allowed = await database_sync_to_async(_may_follow)(
            self.scope.get("user"), self.scope.get("session"), self.meeting_id
        )
        if not allowed:
            await self._leave()
        return allowed

    async def _leave(self) -> None:
        await self.send_json({"type": "closed", "reason": "access"})
        await self.disconnect(FORBIDDEN)
        await self.close(code=FORBIDDEN)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The client only pings (e.g. after waking up); answer only while still allowed.
        if await self._still_allowed():
            await self.send_json({"type": "pong"})

    async def room_changed(self, event: dict[str, Any]) -> None:
        if await self._still_allowed():
            await self.send_json({"type": event["part"]})

    async def access_revoked(self, event: dict[str, Any]) -> None:
        # The agency lost consent on the case; whether this socket may still follow the
        # meeting is the policy's answer, read fresh (a coordinating agency that wrote the
        # meeting keeps it, as its pages do).
        await self._still_allowed()
