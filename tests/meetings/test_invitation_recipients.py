"""Invitations reach people, not whole agencies (DESIGN rule 20): an invitation to an
agency is mailed and notified to its contact person in the case's team; the agency's
other staff see the meeting when consent allows but are told nothing. An agency with no
contact person gets nothing, and the coordinator is told so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.scoping import system_scope
from cases.models import TeamMember
from meetings import recipients, services
from notifications.models import Notification, Reminder
from tests.meetings.conftest import act, call_meeting, name_contact
from tests.world import make_staff

pytestmark = pytest.mark.django_db

NO_CONTACT_WARNING = "Ingen kontaktperson i teamet, så ingen här har fått inbjudan."


def invitation_mail_to(mailoutbox) -> set[str]:
    """Addresses of the meetings app's own invitation e-mails (those with a calendar file)."""
    return {address for m in mailoutbox if m.attachments for address in m.to}


def told(kind: str) -> set[int]:
    with system_scope():
        return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def reminded() -> set[int]:
    with system_scope():
        return {user_id for r in Reminder.objects.all() for user_id in r.recipient_ids}


@pytest.fixture
def mentor(consented):
    """Rut Rektor is the school's contact; Mira Mentor works at the school too."""
    return make_staff(consented.school, "Mira Mentor")


def test_invitation_reaches_the_contact_person_not_her_colleagues(
    consented, mentor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    mailed = invitation_mail_to(mailoutbox)
    assert consented.school_staff.user.email in mailed
    assert consented.health_staff.user.email in mailed
    for colleague in (mentor, consented.school_admin, consented.health_admin):
        assert colleague.user.email not in mailed
        assert colleague.user_id not in told("meeting.called")
    assert {consented.school_staff.user_id, consented.health_staff.user_id} <= told("meeting.called")
    assert mentor.user_id not in reminded()
    assert consented.school_staff.user_id in reminded()
    # Not told, but the meeting is theirs to see under consent.
    detail = reverse("meetings:detail", args=[meeting.uuid])
    assert consented.client_for(mentor).get(detail).status_code == 200
    assert consented.client_for(consented.social_staff).get(detail).status_code == 404
    # Everyone reached: no warning for the coordinator, no "nobody was told" notification.
    assert NO_CONTACT_WARNING not in consented.client_for(consented.coordinator).get(detail).content.decode()
    assert not told("invitation.no_contact")


def test_changes_and_cancellation_reach_the_contact_person_only(
    consented, mentor, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(services.meeting_cancel, viewer=consented.coordinator_viewer, meeting=meeting, reason="Sjukdom")
    mailed = invitation_mail_to(mailoutbox)
    assert consented.school_staff.user.email in mailed
    assert mentor.user.email not in mailed
    assert told("meeting.cancelled") & {mentor.user_id, consented.school_admin.user_id} == set()


def test_agency_without_contact_person_reaches_nobody_and_the_coordinator_is_told(
    consented, mailoutbox, django_capture_on_commit_callbacks
):
    with system_scope():
        TeamMember.objects.filter(case=consented.case, agency=consented.health).update(contact=None)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    mailed = invitation_mail_to(mailoutbox)
    health_people = {consented.health_staff, consented.health_admin}
    for person in health_people:
        assert person.user.email not in mailed
        assert person.user_id not in told("meeting.called")
        assert person.user_id not in reminded()
    assert consented.school_staff.user.email in mailed
    assert told("invitation.no_contact") == {consented.coordinator.user_id}
    detail = reverse("meetings:detail", args=[meeting.uuid])
    html = consented.client_for(consented.coordinator).get(detail).content.decode()
    assert html.count(NO_CONTACT_WARNING) == 1  # on the healthcare row, not the school's
    assert reverse("cases:team", args=[consented.case.uuid]) in html
    # Only the coordinator is asked to act; the invited agencies see no such line.
    assert NO_CONTACT_WARNING not in consented.client_for(consented.health_staff).get(detail).content.decode()
    # Once healthcare names a contact, the next message reaches her and the warning goes.
    name_contact(consented, consented.health_admin)
    assert NO_CONTACT_WARNING not in consented.client_for(consented.coordinator).get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        act(services.meeting_cancel, viewer=consented.coordinator_viewer, meeting=meeting)
    assert consented.health_admin.user_id in told("meeting.cancelled")
    assert consented.health_staff.user_id not in told("meeting.cancelled")


def test_inviting_more_tells_the_coordinator_of_an_agency_without_contact(
    consented, django_capture_on_commit_callbacks
):
    with system_scope():
        TeamMember.objects.filter(case=consented.case, agency=consented.health).update(contact=None)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented, agency_ids=[consented.school.pk])
    assert not told("invitation.no_contact")
    with django_capture_on_commit_callbacks(execute=True):
        act(
            services.invitation_add,
            viewer=consented.coordinator_viewer,
            meeting=meeting,
            agency_ids=[consented.health.pk],
        )
    assert told("invitation.no_contact") == {consented.coordinator.user_id}
    assert told("meeting.called") & {consented.health_staff.user_id, consented.health_admin.user_id} == set()


def test_contact_who_cannot_be_reached_counts_as_no_contact(consented):
    """A contact who left the agency (inactive membership), left the team, or whose
    account is closed is nobody to tell; the colleagues are not told instead."""
    case, school = consented.case, consented.school
    assert recipients.agency_user_ids(case.pk, school.pk) == [consented.school_staff.user_id]
    with system_scope():
        type(consented.school_staff).objects.filter(pk=consented.school_staff.pk).update(is_active=False)
    assert recipients.agency_user_ids(case.pk, school.pk) == []
    assert recipients.agencies_without_contact(case.pk, [school.pk, consented.health.pk]) == [school.pk]
    with system_scope():
        type(consented.school_staff).objects.filter(pk=consented.school_staff.pk).update(is_active=True)
        TeamMember.objects.filter(case=case, agency=school).update(left_at=case.opened_at)
    assert recipients.agency_user_ids(case.pk, school.pk) == []
    with system_scope():
        TeamMember.objects.filter(case=case, agency=school).update(left_at=None)
        type(consented.school_staff.user).objects.filter(pk=consented.school_staff.user_id).update(is_active=False)
    assert recipients.agency_user_ids(case.pk, school.pk) == []
    assert recipients.agencies_without_contact(case.pk, []) == []
