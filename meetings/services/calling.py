"""Calling a meeting, changing and cancelling it, invitations and answers,
and withdrawing invitations when consent is lost."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from meetings import mail, push
from meetings.models import AgendaItem, Invitation, Meeting
from meetings.recipients import agency_user_ids
from meetings.services.base import (
    MeetingError,
    after_commit_mail,
    after_commit_push,
    cancel_reminders,
    fresh_case,
    fresh_meeting,
    notify_invitees,
    notify_organiser,
    reminder_prefix,
    require_coordinator,
    require_open_case,
    require_visible,
    schedule_reminders,
    tell_organiser_of_uncontacted,
)
from meetings.services.checks import (
    MAX_AGENDA_ITEMS,
    _check_agencies,
    _check_due,
    _check_externals,
    _check_place,
    _check_time,
    _clean_text,
    _custodial_guardians,
    _new_invitation,
)
from portal import audit

logger = logging.getLogger(__name__)


def meeting_call(
    *,
    viewer: Viewer,
    case,  # type: ignore[no-untyped-def]
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    video_link: str = "",
    agenda: Iterable[str] = (),
    preparation_due_at: datetime | None = None,
    agency_ids: Iterable[int] = (),
    invite_child: bool = False,
    external_ids: Iterable[int] = (),
) -> Meeting:
    """The coordinator calls a joint meeting.

    Every custodial guardian is invited separately (DESIGN rule 7); agencies only from the
    team and under an effective consent; the child when `invite_child`; external actors
    by e-mail with time and place only. Bad input raises MeetingError and changes nothing.
    """
    case = fresh_case(case.pk)
    require_coordinator(viewer, case)
    require_open_case(case)
    purpose = _clean_text(purpose)
    place = _clean_text(place, limit=200)
    video_link = _clean_text(video_link, limit=200)
    if not purpose:
        raise MeetingError(_("Skriv syftet med mötet. Det står i inbjudan."))
    _check_time(starts_at, ends_at)
    _check_place(case, place, video_link)
    due = _check_due(preparation_due_at, starts_at)
    agencies = _check_agencies(case, viewer.agency_id, agency_ids)  # type: ignore[arg-type]
    externals = _check_externals(case, external_ids)
    guardians = _custodial_guardians(case)
    items = [_clean_text(title, limit=200) for title in agenda]
    items = [title for title in items if title][:MAX_AGENDA_ITEMS]
    if not agencies and not externals:
        raise MeetingError(_("Bjud in minst en verksamhet."))
    with transaction.atomic(), system_scope():
        meeting = Meeting.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            purpose=purpose,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            video_link=video_link,
            preparation_due_at=due,
        )
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(
                    meeting=meeting,
                    case=case,
                    author_agency_id=viewer.agency_id,  # type: ignore[misc]
                    created_by_id=viewer.user_id,
                    title=title,
                    position=index,
                )
                for index, title in enumerate(items, start=1)
            ]
        )
        invitations = [_new_invitation(meeting, viewer, agency_id=a) for a in agencies]
        invitations += [_new_invitation(meeting, viewer, guardian=g) for g in guardians]
        if invite_child:
            invitations.append(_new_invitation(meeting, viewer, for_child=True))
        invitations += [_new_invitation(meeting, viewer, external_id=e) for e in externals]
        for invitation in invitations:
            invitation.save()
        audit.record(
            viewer=viewer,
            action="meeting.called",
            obj=meeting,
            case_id=case.pk,
            data={
                "agencies": agencies,
                "guardians": [g.pk for g in guardians],
                "child": bool(invite_child),
                "externals": externals,
                "sequence": meeting.sequence,
            },
        )
        notify_invitees(meeting, invitations, "meeting.called")
        tell_organiser_of_uncontacted(meeting, invitations)
        schedule_reminders(meeting, invitations)
        after_commit_mail([i.pk for i in invitations], mail.CALLED)
    return meeting


def _active_invitations(meeting: Meeting) -> list[Invitation]:
    with system_scope():
        return list(
            Invitation.objects.filter(meeting_id=meeting.pk, withdrawn_at__isnull=True)
            .select_related("guardian", "external")
            .order_by("id")
        )


def meeting_update(
    *,
    viewer: Viewer,
    meeting: Meeting,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    video_link: str = "",
    preparation_due_at: datetime | None = None,
) -> Meeting:
    """Change or reschedule a meeting. Everyone invited gets an updated invitation with a
    higher SEQUENCE; a changed time resets every answer (DESIGN rule 7)."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_coordinator(viewer, case)
    require_visible(viewer, meeting)
    require_open_case(case)
    if not meeting.is_open_for_changes:
        raise MeetingError(_("Mötet kan inte ändras längre."))
    purpose = _clean_text(purpose)
    place = _clean_text(place, limit=200)
    video_link = _clean_text(video_link, limit=200)
    if not purpose:
        raise MeetingError(_("Skriv syftet med mötet. Det står i inbjudan."))
    _check_time(starts_at, ends_at)
    _check_place(case, place, video_link, kept_link=meeting.video_link)
    current_due = meeting.preparation_due_at
    if preparation_due_at is not None and current_due is not None and preparation_due_at == current_due < starts_at:
        due: datetime | None = preparation_due_at  # unchanged (it may already have passed)
    else:
        due = _check_due(preparation_due_at, starts_at)
    new = {
        "purpose": purpose,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "video_link": video_link,
        "preparation_due_at": due,
    }
    changed = sorted(field for field, value in new.items() if getattr(meeting, field) != value)
    if not changed:
        return meeting
    time_changed = bool({"starts_at", "ends_at"} & set(changed))
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        for field, value in new.items():
            setattr(meeting, field, value)
        meeting.sequence += 1
        meeting.save()
        invitations = _active_invitations(meeting)
        if time_changed:
            Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
                answer=Invitation.Answer.PENDING,
                answer_comment="",
                proposed_time=None,
                answered_at=None,
                answered_by=None,
            )
            for invitation in invitations:
                invitation.answer = Invitation.Answer.PENDING
        audit.record(
            viewer=viewer,
            action="meeting.changed",
            obj=meeting,
            case_id=case.pk,
            data={"fields": changed, "answers_reset": time_changed, "sequence": meeting.sequence},
        )
        notify_invitees(meeting, invitations, "meeting.changed")
        cancel_reminders(reminder_prefix(meeting))
        schedule_reminders(meeting, invitations, answers_reset=True)
        after_commit_mail([i.pk for i in invitations], mail.CHANGED)
        after_commit_push(meeting.pk, push.MEETING, push.ATTENDANCE)
    return meeting


def meeting_cancel(*, viewer: Viewer, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a meeting: everyone gets a cancellation (METHOD:CANCEL, STATUS:CANCELLED,
    the same UID, a higher SEQUENCE) and every reminder is cancelled."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_coordinator(viewer, case)
    require_visible(viewer, meeting)
    if not meeting.is_open_for_changes:
        raise MeetingError(_("Mötet kan inte ställas in: det har redan börjat, hållits eller ställts in."))
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancelled_at = timezone.now()
        meeting.cancel_reason = _clean_text(reason, limit=300)
        meeting.sequence += 1
        meeting.save()
        invitations = _active_invitations(meeting)
        audit.record(
            viewer=viewer, action="meeting.cancelled", obj=meeting, case_id=case.pk, data={"sequence": meeting.sequence}
        )
        notify_invitees(meeting, invitations, "meeting.cancelled")
        cancel_reminders(reminder_prefix(meeting))
        after_commit_mail([i.pk for i in invitations], mail.CANCELLED)
        after_commit_push(meeting.pk, push.MEETING)
    return meeting


def invitation_add(
    *,
    viewer: Viewer,
    meeting: Meeting,
    agency_ids: Iterable[int] = (),
    invite_child: bool = False,
    external_ids: Iterable[int] = (),
) -> list[Invitation]:
    """Invite more people to a planned meeting (same consent rules as calling it)."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_coordinator(viewer, case)
    require_visible(viewer, meeting)
    require_open_case(case)
    if not meeting.is_open_for_changes:
        raise MeetingError(_("Mötet kan inte ändras längre."))
    existing = _active_invitations(meeting)
    agencies = [
        a
        for a in _check_agencies(case, meeting.author_agency_id, agency_ids)
        if a not in {i.agency_id for i in existing}
    ]
    externals = [e for e in _check_externals(case, external_ids) if e not in {i.external_id for i in existing}]
    child = invite_child and not any(i.for_child for i in existing)
    if not agencies and not externals and not child:
        raise MeetingError(_("Välj någon att bjuda in som inte redan är inbjuden."))
    with transaction.atomic(), system_scope():
        invitations = [_new_invitation(meeting, viewer, agency_id=a) for a in agencies]
        if child:
            invitations.append(_new_invitation(meeting, viewer, for_child=True))
        invitations += [_new_invitation(meeting, viewer, external_id=e) for e in externals]
        for invitation in invitations:
            invitation.save()
        audit.record(
            viewer=viewer,
            action="meeting.invitations_added",
            obj=meeting,
            case_id=case.pk,
            data={"agencies": agencies, "child": child, "externals": externals},
        )
        notify_invitees(meeting, invitations, "meeting.called")
        tell_organiser_of_uncontacted(meeting, invitations)
        schedule_reminders(meeting, invitations)
        after_commit_mail([i.pk for i in invitations], mail.CALLED)
        after_commit_push(meeting.pk, push.ATTENDANCE)
    return invitations


def _withdraw(invitations: list[Invitation], reason: str) -> None:
    now = timezone.now()
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(withdrawn_at=now, withdrawn_reason=reason)
    for invitation in invitations:
        invitation.withdrawn_at = now
        invitation.withdrawn_reason = reason


def invitation_withdraw(*, viewer: Viewer, invitation: Invitation) -> Invitation:
    """The coordinator withdraws one invitation (an agency or an external actor); the
    invitee gets a cancellation. Guardians are always invited and cannot be withdrawn."""
    with system_scope():
        invitation = Invitation.objects.select_related("meeting").get(pk=invitation.pk)
    meeting = invitation.meeting
    case = fresh_case(meeting.case_id)
    require_coordinator(viewer, case)
    require_visible(viewer, meeting)
    if not meeting.is_open_for_changes or invitation.withdrawn_at is not None:
        raise MeetingError(_("Inbjudan kan inte tas bort."))
    if invitation.guardian_id:
        raise MeetingError(_("Vårdnadshavare bjuds alltid in."))
    with transaction.atomic(), system_scope():
        meeting = fresh_meeting(meeting, lock=True)
        meeting.sequence += 1
        meeting.save(update_fields=["sequence"])
        _withdraw([invitation], "coordinator")
        audit.record(
            viewer=viewer,
            action="meeting.invitation_withdrawn",
            obj=invitation,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid), "reason": "coordinator", "sequence": meeting.sequence},
        )
        notify_invitees(meeting, [invitation], "meeting.cancelled")
        cancel_reminders(reminder_prefix(meeting, invitation))
        after_commit_mail([invitation.pk], mail.WITHDRAWN)
        after_commit_push(meeting.pk, push.ATTENDANCE)
    return invitation


def _answerer_may(viewer: Viewer, invitation: Invitation, case) -> bool:  # type: ignore[no-untyped-def]
    from access import policy

    if viewer.is_staff:
        if invitation.agency_id is not None:
            return invitation.agency_id == viewer.agency_id
        # The coordinator records an external actor's answer given by phone or e-mail.
        return invitation.external_id is not None and policy.is_coordinator_of(viewer, case)
    if viewer.is_family and viewer.role == "guardian" and invitation.guardian is not None:
        return invitation.guardian.user_id == viewer.user_id
    if viewer.is_family and viewer.role == "child" and invitation.for_child:
        return case.child.user_id == viewer.user_id
    return False


def invitation_answer(
    *,
    viewer: Viewer,
    invitation: Invitation,
    answer: str,
    comment: str = "",
    proposed_time: datetime | None = None,
) -> Invitation:
    """Answer an invitation: yes / no / maybe, with a comment or a proposed other time."""
    with system_scope():
        invitation = Invitation.objects.select_related("meeting", "guardian").get(pk=invitation.pk)
    meeting = invitation.meeting
    case = fresh_case(meeting.case_id)
    require_visible(viewer, invitation)
    if not _answerer_may(viewer, invitation, case):
        raise MeetingError(_("Du kan bara svara på din egen inbjudan."))
    if invitation.withdrawn_at is not None or not meeting.is_upcoming or meeting.started_at is not None:
        raise MeetingError(_("Inbjudan går inte att svara på längre."))
    if answer not in {Invitation.Answer.YES, Invitation.Answer.NO, Invitation.Answer.MAYBE}:
        raise MeetingError(_("Välj ja, nej eller kanske."))
    comment = _clean_text(comment, limit=1000)
    if proposed_time is not None:
        if proposed_time <= timezone.now():
            raise MeetingError(_("Föreslå en tid som ligger i framtiden."))
        if proposed_time == meeting.starts_at:
            proposed_time = None
    with transaction.atomic(), system_scope():
        invitation.answer = answer
        invitation.answer_comment = comment
        invitation.proposed_time = proposed_time
        invitation.answered_at = timezone.now()
        invitation.answered_by_id = viewer.user_id
        invitation.save(update_fields=["answer", "answer_comment", "proposed_time", "answered_at", "answered_by"])
        audit.record(
            viewer=viewer,
            action="invitation.answered",
            obj=invitation,
            case_id=case.pk,
            data={"answer": answer, "proposed_time": bool(proposed_time), "sequence": meeting.sequence},
        )
        notify_organiser(meeting, "invitation.answered")
        cancel_reminders(reminder_prefix(meeting, invitation, "unanswered"))
        after_commit_push(meeting.pk, push.ATTENDANCE)
    return invitation


# --------------------------------------------------------------------------------------
# Consent lost: withdraw invitations, close live connections (called after commit)
# --------------------------------------------------------------------------------------


def access_lost(*, case_id: int, agency_ids: list[int]) -> None:
    """Agencies lost all effective access to a case (revocation, expiry, closure).

    Withdraws their open invitations to the case's future meetings — each invited staff
    member gets a content-free cancellation — and closes their live connections for the
    case at once. Never raises (the caller carries on); `consent.hooks` reaches the same
    steps through `on_access_lost`, which does raise.
    """
    agency_ids = sorted(set(agency_ids))
    if not agency_ids:
        return
    # Close first: the revocation has committed, and withdrawing (locks, sequence, audit,
    # reminders, notifications) takes tens of milliseconds the open sockets need not wait.
    push.access_revoked(case_id, agency_ids)
    try:
        _withdraw_for_lost_access(case_id, agency_ids)
    except Exception:  # the consumers re-check on every message; log and carry on
        logger.exception("withdrawing invitations of agencies %s on case %s failed", agency_ids, case_id)


def on_access_lost(sender: object, *, case_id: int, agency_ids: list[int], **_signal: object) -> None:
    """Subscriber to `access.events.access_lost` (connected in meetings/apps.py), run by
    `consent.hooks` after the loss committed and retried until it returns: close the live
    connections first, then withdraw. Raises on failure, unlike `access_lost`: the consent
    side keeps the loss for a retry."""
    # Close first: the loss has committed, and withdrawing takes tens of milliseconds
    # the open sockets need not wait for.
    push.access_revoked(case_id, agency_ids)
    _withdraw_for_lost_access(case_id, agency_ids)


def _withdraw_for_lost_access(case_id: int, agency_ids: list[int]) -> None:
    from notifications.services import notify

    now = timezone.now()
    with transaction.atomic(), system_scope():
        invitations = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(
                case_id=case_id,
                agency_id__in=agency_ids,
                withdrawn_at__isnull=True,
                meeting__status=Meeting.Status.PLANNED,
                meeting__ends_at__gt=now,
            )
            .select_related("meeting__case")
        )
        if not invitations:
            return
        _withdraw(invitations, "consent")
        meetings = {i.meeting_id: i.meeting for i in invitations}
        for meeting in meetings.values():
            meeting.sequence += 1
            meeting.save(update_fields=["sequence"])
        for invitation in invitations:
            meeting = meetings[invitation.meeting_id]
            audit.record(
                viewer=None,
                action="meeting.invitation_withdrawn",
                obj=invitation,
                case_id=case_id,
                data={
                    "meeting": str(meeting.uuid),
                    "agency": invitation.agency_id,
                    "reason": "consent",
                    "sequence": meeting.sequence,
                },
            )
            cancel_reminders(reminder_prefix(meeting, invitation))
            # The meeting page is no longer theirs to open: point at the list.
            notify(
                recipients=agency_user_ids(case_id, invitation.agency_id),  # type: ignore[arg-type]
                kind="meeting.cancelled",
                case=meeting.case,
                agency_id=invitation.agency_id,
                target_url=reverse("meetings:list"),
            )
        ids = [i.pk for i in invitations]
        meeting_ids = list(meetings)
        transaction.on_commit(lambda: mail.dispatch(ids, mail.WITHDRAWN))
        transaction.on_commit(lambda: _push_attendance(meeting_ids))


def _push_attendance(meeting_ids: list[int]) -> None:
    for meeting_id in meeting_ids:
        push.room_changed(meeting_id, push.ATTENDANCE)
