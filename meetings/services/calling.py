"""Calling a meeting, changing and cancelling it, invitations and answers, the agenda,
and withdrawing invitations when consent is lost."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from meetings import mail, push
from meetings.models import AgendaItem, Invitation, Meeting
from meetings.recipients import agency_user_ids
from meetings.selectors import consented_agency_ids
from meetings.services.base import (
    MeetingError,
    MeetingRefused,
    after_commit_mail,
    after_commit_push,
    cancel_reminders,
    family_guardian,
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
from meetings.workdays import preparation_due_default
from portal import audit

logger = logging.getLogger(__name__)

MAX_DURATION = timedelta(hours=10)
MAX_AGENDA_ITEMS = 30


def _clean_text(value: str | None, *, limit: int | None = None) -> str:
    value = (value or "").strip()
    return value[:limit] if limit else value


def _check_time(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None or ends_at is None:
        raise MeetingError(_("Ange när mötet börjar och slutar."))
    if starts_at <= timezone.now():
        raise MeetingError(_("Mötet måste ligga i framtiden."))
    if ends_at <= starts_at:
        raise MeetingError(_("Mötet måste sluta efter att det börjar."))
    if ends_at - starts_at > MAX_DURATION:
        raise MeetingError(_("Ett möte kan vara högst tio timmar."))


def _check_place(case, place: str, video_link: str, *, kept_link: str = "") -> None:  # type: ignore[no-untyped-def]
    """`kept_link`: the meeting's stored link; left as it was, an old http:// link (from
    before https was required) does not block a reschedule."""
    if not place and not video_link:
        raise MeetingError(_("Ange en plats eller en länk till videomötet."))
    if video_link and video_link != kept_link and not video_link.lower().startswith("https://"):
        raise MeetingError(_("Länken till videomötet måste börja med https://."))
    # Time and place go to external actors by e-mail: they must not name the child.
    child = case.child
    text = f"{place} {video_link}".casefold()
    for name in (child.first_name, child.last_name):
        if name and len(name) > 1 and name.casefold() in text:
            raise MeetingError(
                _("Skriv inte barnets namn i platsen. Plats och tid skickas med e-post till externa deltagare.")
            )


def _check_due(due: datetime | None, starts_at: datetime) -> datetime | None:
    if due is None:
        # Two working days before, at 16:00 (meetings.workdays); none if that has passed.
        default = preparation_due_default(starts_at)
        return default if default > timezone.now() else None
    if due >= starts_at:
        raise MeetingError(_("Förberedelserna måste vara klara före mötet."))
    if due <= timezone.now():
        raise MeetingError(_("Sista dag för förberedelser har redan passerat."))
    return due


def _custodial_guardians(case) -> list:  # type: ignore[no-untyped-def]
    from cases.models import Guardianship

    with system_scope():
        return [
            g.guardian
            for g in Guardianship.objects.filter(child_id=case.child_id, has_custody=True)
            .select_related("guardian")
            .order_by("guardian_id")
        ]


def _check_agencies(case, organiser_agency_id: int, agency_ids: Iterable[int]) -> list[int]:  # type: ignore[no-untyped-def]
    """Only team agencies under an effective consent can be invited (DESIGN rule 7)."""
    from agencies.models import Agency
    from cases.models import TeamMember

    wanted = sorted(set(agency_ids) - {organiser_agency_id})
    if not wanted:
        return []
    with system_scope():
        team = set(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True, agency__is_active=True).values_list(
                "agency_id", flat=True
            )
        )
        names = dict(Agency.objects.filter(pk__in=wanted).values_list("pk", "name"))
    consented = consented_agency_ids(case.pk)
    for agency_id in wanted:
        if agency_id not in team:
            raise MeetingError(_("Bara verksamheter i teamet runt barnet kan bjudas in."))
        if agency_id not in consented:
            raise MeetingError(
                _("%(agency)s kan inte bjudas in: det finns inget gällande samtycke för verksamheten.")
                % {"agency": names.get(agency_id, "?")}
            )
    return wanted


def _check_externals(case, external_ids: Iterable[int]) -> list[int]:  # type: ignore[no-untyped-def]
    from cases.models import ExternalContact

    wanted = sorted(set(external_ids))
    if not wanted:
        return []
    with system_scope():
        found = set(
            ExternalContact.objects.filter(case_id=case.pk, pk__in=wanted)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
    if found != set(wanted):
        raise MeetingError(_("Externa deltagare måste höra till samverkan och ha en e-postadress."))
    return wanted


def _new_invitation(meeting: Meeting, viewer: Viewer, **invitee: object) -> Invitation:
    return Invitation(
        meeting=meeting,
        case_id=meeting.case_id,
        author_agency_id=meeting.author_agency_id,
        created_by_id=viewer.user_id,
        **invitee,
    )


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
# The agenda
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Consent lost: withdraw invitations, close live connections (called after commit)
# --------------------------------------------------------------------------------------


def access_lost(*, case_id: int, agency_ids: list[int]) -> None:
    """Agencies lost all effective access to a case (revocation, expiry, closure).

    Withdraws their open invitations to the case's future meetings — each invited staff
    member gets a content-free cancellation — and closes their live connections for the
    case at once. Called by `consent.services` after commit; never raises into it.
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
