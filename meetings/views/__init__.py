"""Meeting pages: calling, the meeting, invitations and answers, preparations, the live
room and the minutes. Views parse input, call a service or selector, and render."""

from meetings.views.minutes import minutes, minutes_pdf, minutes_print, minutes_reply, minutes_share
from meetings.views.pages import (
    agenda_add,
    agenda_remove,
    child_voice,
    invitation_answer,
    invitation_ics,
    invitation_withdraw,
    invite_more,
    meeting_call,
    meeting_cancel,
    meeting_detail,
    meeting_edit,
    meeting_list,
    preparation,
)
from meetings.views.room import (
    room,
    room_attendance,
    room_decision,
    room_end,
    room_goto,
    room_note,
    room_part,
    room_start,
)

__all__ = [
    "agenda_add",
    "agenda_remove",
    "child_voice",
    "invitation_answer",
    "invitation_ics",
    "invitation_withdraw",
    "invite_more",
    "meeting_call",
    "meeting_cancel",
    "meeting_detail",
    "meeting_edit",
    "meeting_list",
    "minutes",
    "minutes_pdf",
    "minutes_print",
    "minutes_reply",
    "minutes_share",
    "preparation",
    "room",
    "room_attendance",
    "room_decision",
    "room_end",
    "room_goto",
    "room_note",
    "room_part",
    "room_start",
]
