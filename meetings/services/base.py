"""Shared pieces of the meeting services: the domain error, access checks, fan-out of
notifications and reminders, and the after-commit side effects."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.scoping import Viewer, system_scope
from meetings import mail, push
from meetings.models import Invitation, Meeting
from meetings.recipients import agencies_without_contact, coordinator_ids, for_invitation
from meetings.workdays import preparation_reminder_at


class MeetingError(Exception):
    """A request the meeting services refuse; the message is shown to the user as it is."""


class MeetingRefused(MeetingError):
    """A refusal for who the viewer is (not the coordinator), on a meeting they can see:
    the API answers 403 where other MeetingErrors are 400."""


class ConfirmationRequired(MeetingError):
    """The step needs the user's explicit confirmation first (the message is the
    question). Nothing has changed; call again with `confirmed=True`."""

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(message)
        self.action = action


def fresh_case(case_id: int):  # type: ignore[no-untyped-def]
    from cases.models import Case

    with system_scope():
        return Case.objects.select_related("child", "owner_agency__principal").get(pk=case_id)


def require_coordinator(viewer: Viewer, case) -> None:  # type: ignore[no-untyped-def]
    if not policy.is_coordinator_of(viewer, case):
        raise MeetingRefused(_("Bara samordnaren kan göra det här."))


def require_open_case(case) -> None:  # type: ignore[no-untyped-def]
    if not case.is_open:
        raise MeetingError(_("Samverkan är avslutad."))


def require_visible(viewer: Viewer, obj) -> None:  # type: ignore[no-untyped-def]
    """The viewer may see the object (fresh from the database, through the policy)."""
    if not policy.can_view(viewer, obj):
        raise MeetingError(_("Mötet finns inte eller så har du inte tillgång till det."))


def fresh_meeting(meeting: Meeting, *, lock: bool = False) -> Meeting:
    with system_scope():
        queryset = Meeting.objects.select_related("case__child")
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        return queryset.get(pk=meeting.pk)


def detail_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.uuid])


def notify_invitees(meeting: Meeting, invitations: list[Invitation], kind: str) -> None:
    """One notification per invited portal user, with the agency they act for."""
    from notifications.services import notify

    by_agency: dict[int | None, list[int]] = {}
    for invitation in invitations:
        for recipient in for_invitation(invitation):
            if recipient.user_id is not None:
                by_agency.setdefault(recipient.agency_id, []).append(recipient.user_id)
    for agency_id, user_ids in by_agency.items():
        notify(recipients=user_ids, kind=kind, case=meeting.case, agency_id=agency_id, target_url=detail_url(meeting))


def tell_organiser_of_uncontacted(meeting: Meeting, invitations: list[Invitation]) -> list[int]:
    """An invitation to an agency reaches only its contact person(s) in the team (DESIGN
    rule 20). For invited agencies without one, nobody there hears of the meeting, so the
    coordinator is told (in the portal; the meeting page names the agencies) to name a
    contact. Returns those agencies' ids."""
    uncontacted = agencies_without_contact(meeting.case_id, [i.agency_id for i in invitations])
    if uncontacted:
        notify_organiser(meeting, "invitation.no_contact")
    return uncontacted


def notify_organiser(meeting: Meeting, kind: str, *, target_url: str | None = None) -> None:
    from notifications.services import notify

    notify(
        recipients=coordinator_ids(meeting),
        kind=kind,
        case=meeting.case,
        agency_id=meeting.author_agency_id,
        target_url=target_url or detail_url(meeting),
    )


def family_guardian(viewer: Viewer, case):  # type: ignore[no-untyped-def]
    """The custodial guardian the viewer is for this case, or None."""
    from cases.models import Guardianship

    if not (viewer.is_family and viewer.role == "guardian"):
        return None
    with system_scope():
        row = (
            Guardianship.objects.filter(child_id=case.child_id, guardian__user_id=viewer.user_id, has_custody=True)
            .select_related("guardian")
            .first()
        )
    return row.guardian if row else None


# --------------------------------------------------------------------------------------
# Reminders: rows with a due time; keys `meeting:<uuid>:inv:<uuid>:<what>:s<sequence>`
# so one prefix cancels a meeting's, an invitation's, or one kind of reminder.
# --------------------------------------------------------------------------------------


def reminder_prefix(meeting: Meeting, invitation: Invitation | None = None, what: str = "") -> str:
    prefix = f"meeting:{meeting.uuid}:"
    if invitation is not None:
        prefix += f"inv:{invitation.uuid}:"
        if what:
            prefix += f"{what}:"
    elif what:
        prefix += f"{what}:"
    return prefix


def schedule_reminders(meeting: Meeting, invitations: list[Invitation], *, answers_reset: bool = True) -> None:
    """Meeting tomorrow (everyone), preparation due in 2 working days (agencies without one),
    invitation unanswered after 3 days (those who have not answered)."""
    from notifications.services import reminder_schedule

    now = timezone.now()
    url = detail_url(meeting)
    seq = meeting.sequence
    tomorrow = meeting.starts_at - timedelta(days=1)
    prep_due = preparation_reminder_at(meeting.preparation_due_at) if meeting.preparation_due_at else None
    for invitation in invitations:
        users = [r.user_id for r in for_invitation(invitation) if r.user_id is not None]
        if not users:
            continue
        agency_id = invitation.agency_id
        if tomorrow > now:
            reminder_schedule(
                key=reminder_prefix(meeting, invitation, "tomorrow") + f"s{seq}",
                kind="meeting.tomorrow",
                due_at=tomorrow,
                recipient_ids=users,
                case=meeting.case,
                agency_id=agency_id,
                target_url=url,
            )
        if agency_id and prep_due and prep_due > now:
            reminder_schedule(
                key=reminder_prefix(meeting, invitation, "prep") + f"s{seq}",
                kind="preparation.due",
                due_at=prep_due,
                recipient_ids=users,
                case=meeting.case,
                agency_id=agency_id,
                target_url=reverse("meetings:preparation", args=[meeting.uuid]),
            )
        unanswered = now + timedelta(days=3)
        if invitation.answer == Invitation.Answer.PENDING and unanswered < meeting.starts_at and answers_reset:
            reminder_schedule(
                key=reminder_prefix(meeting, invitation, "unanswered") + f"s{seq}",
                kind="invitation.unanswered",
                due_at=unanswered,
                recipient_ids=users,
                case=meeting.case,
                agency_id=agency_id,
                target_url=url,
            )
    if tomorrow > now:
        reminder_schedule(
            key=reminder_prefix(meeting, what="organiser") + f"tomorrow:s{seq}",
            kind="meeting.tomorrow",
            due_at=tomorrow,
            recipient_ids=coordinator_ids(meeting),
            case=meeting.case,
            agency_id=meeting.author_agency_id,
            target_url=url,
        )


def cancel_reminders(prefix: str) -> None:
    from notifications.services import reminder_cancel

    reminder_cancel(key_prefix=prefix)


# --------------------------------------------------------------------------------------
# After commit
# --------------------------------------------------------------------------------------


def after_commit_mail(invitation_ids: list[int], kind: str) -> None:
    ids = list(invitation_ids)
    if ids:
        transaction.on_commit(lambda: mail.dispatch(ids, kind))


def after_commit_push(meeting_id: int, *parts: str) -> None:
    transaction.on_commit(lambda: push.room_changed(meeting_id, *parts))
