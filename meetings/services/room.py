"""The live meeting room and the minutes: the coordinator opens the room, moves through
the agenda, marks attendance, writes notes and decisions (each decision becomes an
action in the joint plan), closes the room and shares the minutes with the family, who
approve or comment. Every change is pushed to the room after commit (types only)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from meetings import push
from meetings.models import AgendaItem, Decision, Invitation, Meeting, MinuteNote, MinutesReply
from meetings.recipients import agency_user_ids, coordinator_ids, family_user_ids
from meetings.services.base import (
    ConfirmationRequired,
    MeetingError,
    after_commit_push,
    cancel_reminders,
    family_guardian,
    fresh_case,
    fresh_meeting,
    reminder_prefix,
    require_coordinator,
    require_open_case,
    require_visible,
)
from portal import audit

LIMIT = 5000
# Opening the room earlier than this before the planned start is asked about first.
EARLY_START = timedelta(hours=1)


def _leading(viewer: Viewer, meeting: Meeting):  # type: ignore[no-untyped-def]
    """The meeting and case, fresh, after checking the viewer leads this meeting."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_coordinator(viewer, case)
    require_visible(viewer, meeting)
    require_open_case(case)
    if meeting.is_cancelled:
        raise MeetingError(_("Mötet är inställt."))
    return meeting, case


def _require_live(meeting: Meeting) -> None:
    if not meeting.is_live:
        raise MeetingError(_("Mötesrummet är inte öppet."))


def start_needs_confirmation(meeting: Meeting) -> bool:
    """Starting now would be more than an hour before the planned start."""
    return timezone.now() < meeting.starts_at - EARLY_START


def start_question(meeting: Meeting) -> str:
    starts = timezone.localtime(meeting.starts_at)
    return _("Mötet är planerat till %(day)s kl. %(time)s. Vill du starta det nu ändå?") % {
        "day": formats.date_format(starts, "WEEKDAY_MONTH_DAY_FORMAT"),
        "time": formats.time_format(starts, "TIME_FORMAT"),
    }


def end_question() -> str:
    """What ending does, said before it is done (it cannot be undone)."""
    return _(
        "Mötesrummet stängs och mötet blir genomfört. Sedan går det inte att skriva fler anteckningar "
        "eller beslut, och mötet kan inte startas igen. Därefter läser du igenom anteckningarna och "
        "delar dem med familjen."
    )


def room_start(*, viewer: Viewer, meeting: Meeting, confirmed: bool = False) -> Meeting:
    """Open the live room; the first agenda item becomes current. More than an hour
    before the planned start it raises ConfirmationRequired (changing nothing) unless
    `confirmed`."""
    meeting, case = _leading(viewer, meeting)
    if meeting.started_at is not None:
        raise MeetingError(_("Mötet har redan börjat."))
    if not confirmed and start_needs_confirmation(meeting):
        raise ConfirmationRequired(start_question(meeting), action="start")
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        if meeting.started_at is not None:  # started by a parallel request
            raise MeetingError(_("Mötet har redan börjat."))
        meeting.started_at = timezone.now()
        meeting.current_item = AgendaItem.objects.filter(meeting=meeting).order_by("position", "id").first()
        meeting.save(update_fields=["started_at", "current_item"])
        audit.record(
            viewer=viewer,
            action="meeting.started",
            obj=meeting,
            case_id=case.pk,
            data={"early": start_needs_confirmation(meeting)},
        )
        cancel_reminders(reminder_prefix(meeting))
        after_commit_push(meeting.pk, push.MEETING, push.AGENDA)
    return meeting


def room_goto(*, viewer: Viewer, meeting: Meeting, item: AgendaItem | None) -> Meeting:
    """Make `item` the agenda item being discussed (None: no item)."""
    meeting, case = _leading(viewer, meeting)
    _require_live(meeting)
    if item is not None and item.meeting_id != meeting.pk:
        raise MeetingError(_("Punkten hör inte till mötet."))
    with transaction.atomic(), system_scope():
        Meeting.objects.filter(pk=meeting.pk).update(current_item=item)
        meeting.current_item = item
        audit.record(
            viewer=viewer,
            action="meeting.agenda_moved",
            obj=meeting,
            case_id=case.pk,
            data={"item": str(item.uuid) if item else None},
        )
        after_commit_push(meeting.pk, push.AGENDA)
    return meeting


def attendance_mark(*, viewer: Viewer, invitation: Invitation, attendance: str) -> Invitation:
    """Mark an invitee present or absent."""
    with system_scope():
        invitation = Invitation.objects.select_related("meeting").get(pk=invitation.pk)
    meeting, case = _leading(viewer, invitation.meeting)
    if meeting.started_at is None:
        raise MeetingError(_("Närvaro markeras när mötet har börjat."))
    if attendance not in Invitation.Attendance.values or invitation.withdrawn_at is not None:
        raise MeetingError(_("Välj närvarande eller frånvarande."))
    with transaction.atomic(), system_scope():
        Invitation.objects.filter(pk=invitation.pk).update(attendance=attendance)
        invitation.attendance = attendance
        audit.record(
            viewer=viewer,
            action="meeting.attendance_marked",
            obj=invitation,
            case_id=case.pk,
            data={"attendance": attendance},
        )
        after_commit_push(meeting.pk, push.ATTENDANCE)
    return invitation


def _minutes_open(meeting: Meeting) -> None:
    if meeting.started_at is None:
        raise MeetingError(_("Anteckningar skrivs när mötet har börjat."))
    if meeting.ended_at is not None:
        raise MeetingError(_("Mötet är avslutat. Anteckningar och beslut kan inte läggas till längre."))
    if meeting.minutes_shared_at is not None:
        raise MeetingError(_("Anteckningarna är redan delade och kan inte ändras."))


def _item_of(meeting: Meeting, item: AgendaItem | None) -> int | None:
    if item is None:
        return meeting.current_item_id
    if item.meeting_id != meeting.pk:
        raise MeetingError(_("Punkten hör inte till mötet."))
    return item.pk


def note_add(*, viewer: Viewer, meeting: Meeting, text: str, agenda_item: AgendaItem | None = None) -> MinuteNote:
    """Add a note to the minutes, under the current agenda item unless another is given."""
    meeting, case = _leading(viewer, meeting)
    _minutes_open(meeting)
    text = (text or "").strip()[:LIMIT]
    if not text:
        raise MeetingError(_("Skriv anteckningen."))
    with transaction.atomic(), system_scope():
        note = MinuteNote.objects.create(
            meeting=meeting,
            case=case,
            author_agency_id=meeting.author_agency_id,
            created_by_id=viewer.user_id,
            agenda_item_id=_item_of(meeting, agenda_item),
            text=text,
        )
        audit.record(
            viewer=viewer, action="meeting.note_added", obj=note, case_id=case.pk, data={"meeting": str(meeting.uuid)}
        )
        after_commit_push(meeting.pk, push.MINUTES)
    return note


def responsible_agencies(meeting: Meeting) -> list[tuple[int, str]]:
    """Agencies a decision can be given to: the organiser and the invited agencies."""
    from agencies.models import Agency

    with system_scope():
        ids = set(
            Invitation.objects.filter(
                meeting_id=meeting.pk, withdrawn_at__isnull=True, agency__isnull=False
            ).values_list("agency_id", flat=True)
        )
        ids.add(meeting.author_agency_id)
        return list(Agency.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


def decision_add(
    *,
    viewer: Viewer,
    meeting: Meeting,
    text: str,
    due_date: date | None,
    responsible_agency_id: int | None = None,
    responsible_person: str = "",
    agenda_item: AgendaItem | None = None,
) -> Decision:
    """Record a decision; it becomes an action in the joint plan at once (responsible,
    due date), through `cases.services.plan_action_create`."""
    from cases import services as case_services

    meeting, case = _leading(viewer, meeting)
    _minutes_open(meeting)
    text = (text or "").strip()[:LIMIT]
    responsible_person = (responsible_person or "").strip()[:200]
    if not text:
        raise MeetingError(_("Skriv vad ni har bestämt."))
    if due_date is None:
        raise MeetingError(_("Ange när det ska vara klart."))
    if due_date < timezone.localdate():
        raise MeetingError(_("Datumet har redan passerat."))
    if responsible_agency_id is not None and responsible_agency_id not in {
        pk for pk, _n in responsible_agencies(meeting)
    }:
        raise MeetingError(_("Den ansvariga verksamheten måste vara med på mötet."))
    if responsible_agency_id is None and not responsible_person:
        raise MeetingError(_("Ange vem som ansvarar."))
    with transaction.atomic(), system_scope():
        decision = Decision.objects.create(
            meeting=meeting,
            case=case,
            author_agency_id=meeting.author_agency_id,
            created_by_id=viewer.user_id,
            agenda_item_id=_item_of(meeting, agenda_item),
            text=text,
            responsible_agency_id=responsible_agency_id,
            responsible_person=responsible_person,
            due_date=due_date,
        )
        try:
            action = case_services.plan_action_create(
                viewer=viewer,
                case=case,
                description=text,
                due_date=due_date,
                responsible_agency_id=responsible_agency_id,
                responsible_person=responsible_person,
                source={"decision": str(decision.uuid)},
            )
        except case_services.CaseError as error:
            raise MeetingError(str(error)) from error
        decision.plan_action = action
        decision.save(update_fields=["plan_action"])
        audit.record(
            viewer=viewer,
            action="meeting.decision_added",
            obj=decision,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid), "plan_action": str(action.uuid)},
        )
        after_commit_push(meeting.pk, push.MINUTES)
    return decision


def room_end(*, viewer: Viewer, meeting: Meeting, confirmed: bool = False) -> Meeting:
    """Close the room: the meeting is held, no more notes or decisions, and it cannot
    be started again. The minutes can then be shared. Always asked first: without
    `confirmed` it raises ConfirmationRequired and changes nothing."""
    meeting, case = _leading(viewer, meeting)
    _require_live(meeting)
    if not confirmed:
        raise ConfirmationRequired(end_question(), action="end")
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        _require_live(meeting)
        meeting.ended_at = timezone.now()
        meeting.status = Meeting.Status.HELD
        meeting.current_item = None
        meeting.save(update_fields=["ended_at", "status", "current_item"])
        audit.record(viewer=viewer, action="meeting.held", obj=meeting, case_id=case.pk)
        after_commit_push(meeting.pk, push.MEETING, push.AGENDA)
    return meeting


def minutes_share(*, viewer: Viewer, meeting: Meeting) -> Meeting:
    """Share the minutes with the family (and tell the invited agencies they are ready)."""
    from notifications.services import notify

    meeting, case = _leading(viewer, meeting)
    if meeting.status != Meeting.Status.HELD:
        raise MeetingError(_("Avsluta mötet innan anteckningarna delas."))
    if meeting.minutes_shared_at is not None:
        raise MeetingError(_("Anteckningarna är redan delade."))
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        meeting.minutes_shared_at = timezone.now()
        meeting.save(update_fields=["minutes_shared_at"])
        audit.record(viewer=viewer, action="minutes.shared", obj=meeting, case_id=case.pk)
        child_invited = Invitation.objects.filter(meeting=meeting, for_child=True, withdrawn_at__isnull=True).exists()
        url = reverse("meetings:minutes", args=[meeting.uuid])
        notify(
            recipients=family_user_ids(case.pk, include_child=child_invited),
            kind="minutes.shared",
            case=case,
            target_url=url,
        )
        agencies = Invitation.objects.filter(
            meeting=meeting, withdrawn_at__isnull=True, agency__isnull=False
        ).values_list("agency_id", flat=True)
        for agency_id in sorted(set(agencies)):
            notify(
                recipients=agency_user_ids(case.pk, agency_id),
                kind="minutes.shared",
                case=case,
                agency_id=agency_id,
                target_url=url,
            )
        after_commit_push(meeting.pk, push.MINUTES)
    return meeting


def minutes_reply(*, viewer: Viewer, meeting: Meeting, approved: bool, comment: str = "") -> MinutesReply:
    """A guardian or the child approves the shared minutes or comments on them."""
    from notifications.services import notify

    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_visible(viewer, meeting)
    if meeting.minutes_shared_at is None:
        raise MeetingError(_("Anteckningarna är inte delade än."))
    guardian = family_guardian(viewer, case)
    is_child = viewer.is_family and viewer.role == "child" and case.child.user_id == viewer.user_id
    if guardian is None and not is_child:
        raise MeetingError(_("Bara familjen kan svara på anteckningarna."))
    comment = (comment or "").strip()[:LIMIT]
    if not approved and not comment:
        raise MeetingError(_("Godkänn anteckningarna eller skriv en kommentar."))
    with transaction.atomic(), system_scope():
        reply = MinutesReply.objects.create(
            meeting=meeting,
            case=case,
            author_agency_id=meeting.author_agency_id,
            created_by_id=viewer.user_id,
            written_by_guardian=guardian,
            written_by_child=is_child,
            approved=approved,
            comment=comment,
        )
        audit.record(
            viewer=viewer,
            action="minutes.replied",
            obj=reply,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid), "approved": approved},
        )
        notify(
            recipients=coordinator_ids(meeting),
            kind="minutes.replied",
            case=case,
            agency_id=meeting.author_agency_id,
            target_url=reverse("meetings:minutes", args=[meeting.uuid]),
        )
    return reply
