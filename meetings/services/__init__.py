"""Writes on meetings. Keyword-only, the actor first, one transaction each, with the
audit event, notifications and reminders inside it; e-mails and websocket pushes after
commit. Every service checks access itself (views are defence in depth).

When agencies lose all effective access to a case, `consent.hooks` announces it after
commit (`access.events.access_lost`) and `calling.on_access_lost` (subscribed in
meetings/apps.py) closes their connections and withdraws their invitations;
`access_lost` does the same and never raises.
"""

from meetings.services.agenda import agenda_item_add, agenda_item_remove
from meetings.services.base import ConfirmationRequired, MeetingError, MeetingRefused
from meetings.services.calling import (
    access_lost,
    invitation_add,
    invitation_answer,
    invitation_withdraw,
    meeting_call,
    meeting_cancel,
    meeting_update,
)
from meetings.services.preparing import child_voice_save, preparation_save
from meetings.services.room import (
    attendance_mark,
    decision_add,
    end_question,
    minutes_reply,
    minutes_share,
    note_add,
    room_end,
    room_goto,
    room_start,
    start_needs_confirmation,
    start_question,
)

__all__ = [
    "ConfirmationRequired",
    "MeetingError",
    "MeetingRefused",
    "access_lost",
    "agenda_item_add",
    "agenda_item_remove",
    "attendance_mark",
    "child_voice_save",
    "decision_add",
    "end_question",
    "invitation_add",
    "invitation_answer",
    "invitation_withdraw",
    "meeting_call",
    "meeting_cancel",
    "meeting_update",
    "minutes_reply",
    "minutes_share",
    "note_add",
    "preparation_save",
    "room_end",
    "room_goto",
    "room_start",
    "start_needs_confirmation",
    "start_question",
]
