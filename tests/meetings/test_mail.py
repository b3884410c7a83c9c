"""Nothing sensitive leaves by e-mail (DESIGN rule 12): invitation e-mails say only that
something is waiting; external actors get time and place only; people with protected
identity get no e-mail at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.scoping import system_scope
from cases.models import ExternalContact
from meetings import services
from meetings.models import Invitation
from tests.meetings.conftest import act, at, call_meeting

pytestmark = pytest.mark.django_db


def invitation_mails(mailoutbox) -> list:
    """The meetings app's own e-mails (with a calendar file), not the notifications app's
    generic "something is waiting" e-mails."""
    return [m for m in mailoutbox if m.attachments]


def full_text(message) -> str:
    parts = [message.subject, message.body]
    for _name, content, _mimetype in message.attachments:
        text = content.decode() if isinstance(content, bytes) else content
        parts.append(text.replace("\r\n ", ""))  # unfold iCalendar lines
    return "\n".join(parts)


def test_no_email_names_the_child_or_says_what_the_meeting_is_about(
    consented, mailoutbox, django_capture_on_commit_callbacks
):
    with system_scope():
        external = ExternalContact.objects.create(
            case=consented.case, organisation="Försäkringskassan", name="Eva Extern", email="eva@fk.example"
        )
    coordinator = consented.coordinator_viewer
    purpose = "Alvas skolfrånvaro och oro hemma"
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(
            consented, purpose=purpose, place="Konferensrum Eken", external_ids=[external.pk], agenda=["Alvas diagnos"]
        )
    with system_scope():
        rows = list(Invitation.objects.filter(meeting=meeting))
    with django_capture_on_commit_callbacks(execute=True):
        act(services.invitation_answer, viewer=consented.guardian1_viewer, invitation=rows[2], answer="yes")
        act(
            services.meeting_update,
            viewer=coordinator,
            meeting=meeting,
            purpose=purpose,
            starts_at=at(8),
            ends_at=at(8, 14),
            place="Rum 4",
        )
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian1, "revoked")
    with django_capture_on_commit_callbacks(execute=True):
        act(services.meeting_cancel, viewer=coordinator, meeting=meeting, reason="Alva är sjuk")
    assert len(mailoutbox) > 10
    forbidden = [
        consented.child.first_name,
        consented.child.last_name,
        consented.guardian1.first_name,
        consented.guardian2.last_name,
        "skolfrånvaro",
        "diagnos",
        "sjuk",
        consented.school.name,
        consented.health.name,
        consented.coordination.name,
        consented.child.personal_number,
    ]
    for message in mailoutbox:
        text = full_text(message)
        for address in message.to:  # the recipient's own address (an ATTENDEE) may hold their surname
            text = text.replace(address, "")
        for word in forbidden:
            assert word.casefold() not in text.casefold(), (word, message.subject)


def test_portal_users_get_only_a_link(consented, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    message = next(m for m in invitation_mails(mailoutbox) if consented.guardian1.user.email in m.to)
    assert message.subject == "Du har en ny mötesinbjudan i Samverkansportalen"
    assert f"/moten/{meeting.uuid}/" in message.body
    assert meeting.place not in full_text(message)  # not even the place
    assert "13" not in message.body.split("http")[0]  # no time in the text either


def test_external_actor_gets_time_and_place_only(consented, mailoutbox, django_capture_on_commit_callbacks):
    with system_scope():
        external = ExternalContact.objects.create(
            case=consented.case, organisation="Försäkringskassan", name="Eva Extern", email="eva@fk.example"
        )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented, external_ids=[external.pk])
    message = next(m for m in mailoutbox if "eva@fk.example" in m.to)
    text = full_text(message)
    assert "Testskolan, rum 12" in text
    assert "13:00–14:30" in message.body
    assert "/moten/" not in text  # no portal link: they have no account
    assert meeting.purpose not in text
    assert "Hur går det?" not in text


def test_protected_guardian_is_invited_in_the_portal_only(consented, mailoutbox, django_capture_on_commit_callbacks):
    with system_scope():
        consented.guardian2.protected_identity = True
        consented.guardian2.save()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(consented)
    addresses = {a for m in invitation_mails(mailoutbox) for a in m.to}
    assert consented.guardian2.user.email not in addresses
    assert consented.guardian2.email not in addresses
    assert consented.guardian1.user.email in addresses
    with system_scope():
        assert Invitation.objects.filter(meeting=meeting, guardian=consented.guardian2).exists()
    from notifications.models import Notification

    with system_scope():
        assert Notification.objects.filter(recipient=consented.guardian2.user, kind="meeting.called").exists()


def test_mail_waits_for_commit(consented, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_meeting(consented, starts_at=at(5), ends_at=at(5, 14), preparation_due_at=None)
    assert mailoutbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert mailoutbox
    assert timezone.now() < at(5) - timedelta(days=1)
