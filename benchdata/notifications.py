"""County-scale notifications and reminders for `manage.py seed_scale` (see benchdata/seed.py).

A steady state, as if the portal had been running: what the services would have written
for the meetings, consents and plan actions (older rows read, all pushed and e-mailed),
and the reminders still to come (meeting tomorrow, preparation due, invitation
unanswered, consent expiring). Reminders already due are sent, and the overdue actions
already reminded — so a benchmark does not start with a backlog the beat would drain.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse

from benchdata.bulk import insert
from benchdata.county import County
from consent import rules
from meetings.models import Invitation, Meeting
from meetings.services.base import reminder_prefix
from notifications.models import Notification, Reminder


def seed(county: County) -> dict[str, int]:
    rng, now = county.rng, county.now
    notes: list[Notification] = []
    reminders: list[Reminder] = []
    by_case = {case.id: case for case in county.cases}

    def note(user_id: int | None, kind: str, case_id: int, url: str, at: Any, agency_id: int | None = None) -> None:
        if user_id is None:
            return
        old = at < now - timedelta(days=3)
        notes.append(
            Notification(
                recipient_id=user_id,
                agency_id=agency_id,
                kind=kind,
                case_id=case_id,
                target_url=url,
                created_at=at,
                read_at=at + timedelta(hours=rng.randint(1, 48)) if old or rng.random() < 0.3 else None,
                email_state=Notification.EmailState.SENT,
                pushed_at=at,
                emailed_at=at,
            )
        )

    for meeting, invitations in county.meetings:
        case = by_case[meeting.case_id]
        url = reverse("meetings:detail", args=[meeting.uuid])
        for invitation in invitations:
            for user_id, agency_id in _reached(county, case.id, case.child_id, invitation):
                note(user_id, "meeting.called", case.id, url, meeting.created_at, agency_id)
                if meeting.status == Meeting.Status.HELD and meeting.minutes_shared_at:
                    note(user_id, "minutes.shared", case.id, url, meeting.minutes_shared_at, agency_id)
                if meeting.status == Meeting.Status.CANCELLED:
                    note(user_id, "meeting.cancelled", case.id, url, meeting.cancelled_at, agency_id)
            if invitation.answered_at and invitation.answer != Invitation.Answer.PENDING:
                note(case.coordinator_id, "invitation.answered", case.id, url, invitation.answered_at,
                     case.coordinator_agency_id)  # fmt: skip
        if meeting.status == Meeting.Status.PLANNED:
            reminders.extend(_meeting_reminders(county, case, meeting, invitations))

    for case in county.cases:
        for _consent_id, uuid, series, _version, until in county.consents.get(case.id, []):
            family_url = reverse("consent:family_detail", args=[uuid])
            staff_url = reverse("consent:staff_detail", args=[uuid])
            at = case.opened_at + timedelta(days=3)
            for guardian_id in county.custodians.get(case.child_id, []):
                note(county.guardian_user.get(guardian_id), "consent.requested", case.id, family_url, at)
            note(case.coordinator_id, "consent.granted", case.id, staff_url, at + timedelta(days=2),
                 case.coordinator_agency_id)  # fmt: skip
            ends = rules.local_midnight(until + timedelta(days=1))
            for days in (30, 7):
                due = ends - timedelta(days=days)
                if due > now and case.is_open:
                    reminders.append(
                        Reminder(
                            key=f"consent:{series}:expiring:{days}",
                            kind="consent.expiring",
                            due_at=due,
                            recipient_ids=sorted({case.coordinator_id, case.opened_by_id}),
                            agency_id=case.coordinator_agency_id,
                            case_id=case.id,
                            target_url=staff_url,
                            created_at=at,
                        )
                    )

    # Overdue plan actions: reminded once already (the beat's `overdue_actions_schedule`).
    for _action_id, uuid, case_id, agency_id, due_date, status in county.actions:
        case = by_case[case_id]
        if not case.is_open or status not in ("planned", "in_progress") or due_date >= county.today:
            continue
        url = reverse("cases:detail", args=[case.uuid])
        sent = now - timedelta(hours=rng.randint(1, 240))
        recipients = {case.coordinator_id}
        contact = county.contact.get((case_id, agency_id or 0))
        if contact is not None:
            recipients.add(contact.user_id)
        reminders.append(
            Reminder(
                key=f"action:{uuid}:overdue:{due_date.isoformat()}",
                kind="action.overdue",
                due_at=sent,
                recipient_ids=sorted(recipients),
                case_id=case_id,
                agency_id=agency_id,
                target_url=url,
                created_at=sent,
                claimed_at=sent,
                sent_at=sent,
            )
        )
        for user_id in recipients:
            note(user_id, "action.overdue", case_id, url, sent, agency_id)
    notes.sort(key=lambda n: n.created_at)
    insert(Notification, notes)
    insert(Reminder, reminders)
    return {"notifications": len(notes), "reminders": len(reminders)}


def _reached(
    county: County, case_id: int, child_id: int, invitation: Invitation
) -> list[tuple[int | None, int | None]]:
    """(user, agency acted for) that an invitation reaches: an agency's team contact, a
    guardian's or the child's own account."""
    if invitation.agency_id:
        contact = county.contact.get((case_id, invitation.agency_id))
        return [(contact.user_id, invitation.agency_id)] if contact else []
    if invitation.guardian_id:
        return [(county.guardian_user.get(invitation.guardian_id), None)]
    if invitation.for_child:
        return [(county.child_user.get(child_id), None)]
    return []


def _meeting_reminders(county: County, case: Any, meeting: Meeting, invitations: list[Invitation]) -> list[Reminder]:
    """What `meetings.services.base.schedule_reminders` schedules for a called meeting."""
    now = county.now
    url = reverse("meetings:detail", args=[meeting.uuid])
    tomorrow = meeting.starts_at - timedelta(days=1)
    prep_due = meeting.preparation_due_at - timedelta(days=2) if meeting.preparation_due_at else None
    rows = []
    for invitation in invitations:
        if invitation.withdrawn_at is not None:
            continue
        users = [u for u, _a in _reached(county, case.id, case.child_id, invitation) if u is not None]
        if not users:
            continue
        common = {
            "recipient_ids": users,
            "case_id": case.id,
            "agency_id": invitation.agency_id,
            "created_at": meeting.created_at,
        }
        seq = f"s{meeting.sequence}"
        if tomorrow > now:
            rows.append(Reminder(key=reminder_prefix(meeting, invitation, "tomorrow") + seq, kind="meeting.tomorrow",
                                 due_at=tomorrow, target_url=url, **common))  # fmt: skip
        if invitation.agency_id and prep_due and prep_due > now:
            rows.append(Reminder(key=reminder_prefix(meeting, invitation, "prep") + seq, kind="preparation.due",
                                 due_at=prep_due, target_url=reverse("meetings:preparation", args=[meeting.uuid]),
                                 **common))  # fmt: skip
        unanswered = meeting.created_at + timedelta(days=3)
        if invitation.answer == Invitation.Answer.PENDING and now < unanswered < meeting.starts_at:
            key = reminder_prefix(meeting, invitation, "unanswered") + seq
            rows.append(Reminder(key=key, kind="invitation.unanswered", due_at=unanswered, target_url=url, **common))
    return rows
