"""The agenda of a meeting: points added by the coordinator or a guardian."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from meetings import push
from meetings.models import AgendaItem, Meeting
from meetings.services.base import (
    MeetingError,
    MeetingRefused,
    after_commit_push,
    family_guardian,
    fresh_case,
    fresh_meeting,
    require_open_case,
    require_visible,
)
from meetings.services.checks import (
    MAX_AGENDA_ITEMS,
    _clean_text,
)
from portal import audit


def agenda_item_add(*, viewer: Viewer, meeting: Meeting, title: str, details: str = "") -> AgendaItem:
    """Add a point to the agenda: the coordinator, or a guardian (marked as the family's)."""
    from django.db.models import Max

    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_visible(viewer, meeting)
    require_open_case(case)
    from access import policy

    guardian = None
    if not policy.is_coordinator_of(viewer, case):
        guardian = family_guardian(viewer, case)
        if guardian is None:
            raise MeetingRefused(_("Bara samordnaren och vårdnadshavarna kan lägga till punkter."))
    if meeting.is_cancelled or meeting.ended_at is not None:
        raise MeetingError(_("Mötet är inte längre planerat."))
    title = _clean_text(title, limit=200)
    if not title:
        raise MeetingError(_("Skriv vad punkten handlar om."))
    with transaction.atomic(), system_scope():
        if AgendaItem.objects.filter(meeting=meeting).count() >= MAX_AGENDA_ITEMS:
            raise MeetingError(_("Dagordningen är full."))
        last = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"] or 0
        item = AgendaItem.objects.create(
            meeting=meeting,
            case=case,
            author_agency_id=meeting.author_agency_id,
            created_by_id=viewer.user_id,
            written_by_guardian=guardian,
            title=title,
            details=_clean_text(details, limit=2000),
            position=last + 1,
        )
        audit.record(
            viewer=viewer,
            action="meeting.agenda_item_added",
            obj=item,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid), "by_family": guardian is not None},
        )
        after_commit_push(meeting.pk, push.AGENDA)
    return item


def agenda_item_remove(*, viewer: Viewer, item: AgendaItem) -> None:
    """Remove a point: the coordinator, or the guardian who added it, before the meeting."""
    from access import policy

    with system_scope():
        item = AgendaItem.objects.select_related("meeting", "written_by_guardian").get(pk=item.pk)
    meeting = item.meeting
    case = fresh_case(meeting.case_id)
    require_visible(viewer, item)
    own = item.written_by_guardian is not None and item.written_by_guardian.user_id == viewer.user_id
    if not (policy.is_coordinator_of(viewer, case) or (viewer.is_family and own)):
        raise MeetingError(_("Du kan inte ta bort den här punkten."))
    if not meeting.is_open_for_changes:
        raise MeetingError(_("Dagordningen kan inte ändras efter att mötet har börjat."))
    with transaction.atomic(), system_scope():
        audit.record(
            viewer=viewer,
            action="meeting.agenda_item_removed",
            obj=item,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid)},
        )
        item.delete()
        after_commit_push(meeting.pk, push.AGENDA)
