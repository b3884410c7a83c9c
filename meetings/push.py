"""Websocket pushes of the meeting room. Fired after commit; ids and event types only.

A lost push costs latency, never data: a client that reconnects re-fetches every part
of the room through the policy-checked views.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# Parts of the room a client re-fetches when told (data-live-refresh types).
AGENDA = "agenda"
ATTENDANCE = "attendance"
MINUTES = "minutes"
MEETING = "meeting"


def meeting_group(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def agency_group(case_id: int, agency_id: int) -> str:
    """Every live consumer showing a case's data to an agency joins this group, so a
    revoked consent can close all of that agency's connections for the case at once."""
    return f"case-{case_id}-agency-{agency_id}"


def _send(group: str, message: dict) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the layer is down: clients catch up when they reconnect
        logger.warning("push to %s failed", group, exc_info=True)
        return False
    return True


def room_changed(meeting_id: int, *parts: str) -> None:
    """Tell everyone following the room which parts changed."""
    for part in parts:
        _send(meeting_group(meeting_id), {"type": "room.changed", "part": part})


def access_revoked(case_id: int, agency_ids: list[int]) -> None:
    """Close every live connection of these agencies that shows this case."""
    for agency_id in agency_ids:
        _send(agency_group(case_id, agency_id), {"type": "access.revoked"})
