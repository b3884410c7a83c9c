"""Calendar files: one UID per meeting, SEQUENCE rising on every change, cancellations
as METHOD:CANCEL with STATUS:CANCELLED, and an ATTENDEE list that exposes no one's
contact details to those who may not see them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar

from access.scoping import system_scope
from meetings import services
from meetings.models import Invitation
from tests.meetings.conftest import at, call_meeting

pytestmark = pytest.mark.django_db


def parse(raw: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(raw)
    return calendar, calendar.walk("VEVENT")[0]


def ics_attachments(mailoutbox, address):
    found = []
    for message in mailoutbox:
        if address in message.to and message.attachments:
            for _name, content, mimetype in message.attachments:
                assert mimetype.startswith("text/calendar")
                found.append(parse(content.encode() if isinstance(content, str) else content))
    return found


def test_uid_stays_and_sequence_rises_on_reschedule(consented, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            viewer=consented.coordinator_viewer,
            meeting=meeting,
            purpose=meeting.purpose,
            starts_at=at(9),
            ends_at=at(9, 14),
            place=meeting.place,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            viewer=consented.coordinator_viewer,
            meeting=meeting,
            purpose=meeting.purpose,
            starts_at=at(10),
            ends_at=at(10, 14),
            place=meeting.place,
        )
    files = ics_attachments(mailoutbox, "gun@test.example") or ics_attachments(
        mailoutbox, consented.guardian1.user.email
    )
    assert len(files) == 3
    assert {str(event["UID"]) for _c, event in files} == {meeting.ical_uid}
    assert [int(event["SEQUENCE"]) for _c, event in files] == [0, 1, 2]
    assert [str(c["METHOD"]) for c, _e in files] == ["REQUEST", "REQUEST", "REQUEST"]
    assert files[-1][1].decoded("DTSTART") == at(10)


def test_cancellation_is_method_cancel_with_status_cancelled(consented, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(viewer=consented.coordinator_viewer, meeting=meeting)
    files = ics_attachments(mailoutbox, consented.school_staff.user.email)
    assert len(files) == 1
    calendar, event = files[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.ical_uid
    assert int(event["SEQUENCE"]) == 1
    # Every invitee with an address got the cancellation.
    assert {a for m in mailoutbox if m.attachments for a in m.to} >= {
        consented.school_staff.user.email,
        consented.health_staff.user.email,
        consented.guardian1.user.email,
        consented.guardian2.user.email,
    }


def test_revoked_consent_sends_that_agency_a_cancellation(
    consented, meeting, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian2, "revoked")
    files = ics_attachments(mailoutbox, consented.health_staff.user.email)
    assert len(files) == 1
    calendar, event = files[0]
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == meeting.ical_uid and int(event["SEQUENCE"]) == 1
    # The family keeps its invitation: no cancellation goes to the guardians.
    assert not ics_attachments(mailoutbox, consented.guardian1.user.email)


def download(client, invitation):
    response = client.get(reverse("meetings:ics", args=[invitation.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return parse(response.content)


def attendees(event) -> list[str]:
    values = event.get("ATTENDEE")
    values = values if isinstance(values, list) else [values]
    return [str(v) for v in values]


def test_download_lists_attendees_without_exposing_contact_details(consented, meeting):
    with system_scope():
        rows = {(i.agency_id, i.guardian_id): i for i in Invitation.objects.filter(meeting=meeting)}
        consented.guardian2.protected_identity = True
        consented.guardian2.save()
    g1 = rows[(None, consented.guardian1.pk)]
    g2 = rows[(None, consented.guardian2.pk)]
    calendar, event = download(consented.client_for(consented.guardian1.user), g1)
    addresses = attendees(event)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting.ical_uid
    assert len(addresses) == len(rows)
    assert f"mailto:{consented.guardian1.email}" in addresses  # their own address
    assert f"mailto:{consented.guardian2.email}" not in addresses  # not the other guardian's
    assert f"urn:uuid:{g2.uuid}" in addresses
    # Staff may see a guardian's contact details, but never a protected guardian's e-mail.
    school = rows[(consented.school.pk, None)]
    _c, staff_event = download(consented.client_for(consented.school_staff), school)
    staff_addresses = attendees(staff_event)
    assert f"mailto:{consented.guardian1.email}" in staff_addresses
    assert f"mailto:{consented.guardian2.email}" not in staff_addresses
    assert "LOCATION" in staff_event


def test_download_only_for_the_invitee_or_coordinator(consented, meeting):
    with system_scope():
        g1 = Invitation.objects.get(meeting=meeting, guardian=consented.guardian1)
        school = Invitation.objects.get(meeting=meeting, agency=consented.school)
    url = reverse("meetings:ics", args=[g1.uuid])
    assert consented.client_for(consented.guardian2.user).get(url).status_code == 404
    assert consented.client_for(consented.health_staff).get(url).status_code == 404
    assert consented.client_for(consented.coordinator).get(url).status_code == 200
    assert (
        consented.client_for(consented.social_staff).get(reverse("meetings:ics", args=[school.uuid])).status_code == 404
    )


def test_cancelled_meeting_downloads_as_cancel(consented, meeting):
    services.meeting_cancel(viewer=consented.coordinator_viewer, meeting=meeting)
    with system_scope():
        g1 = Invitation.objects.get(meeting=meeting, guardian=consented.guardian1)
    calendar, event = download(consented.client_for(consented.guardian1.user), g1)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
