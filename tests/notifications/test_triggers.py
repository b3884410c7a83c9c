"""Each trigger writes its notification rows in the same transaction as the change, and
nothing at all when that transaction rolls back.

The services belong to other apps; these tests only call them the way their pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from access.scoping import system_scope
from consent import services as consent_services
from notifications.models import Notification, Reminder
from tests.meetings.conftest import act
from tests.world import World


class Boom(Exception):
    pass


def kinds_for(user) -> list[str]:  # type: ignore[no-untyped-def]
    with system_scope():
        return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def assert_same_transaction(action: Callable[[], object], kind: str, captured) -> None:  # type: ignore[no-untyped-def]
    """The rows exist inside the action's transaction, and roll back with it."""

    def count() -> int:
        with system_scope():
            return Notification.objects.filter(kind=kind).count()

    before = count()
    with captured() as callbacks, pytest.raises(Boom), transaction.atomic():
        action()
        assert count() > before
        raise Boom
    assert count() == before
    assert not any("_dispatch" in getattr(cb, "__qualname__", "") for cb in callbacks)


# --- consent ---------------------------------------------------------------------------


def _request(world: World):  # type: ignore[no-untyped-def]
    return world.request_consent([world.health], ["basic", "health"])


def test_consent_requested_notifies_each_custodial_guardian(world):
    _request(world)
    assert kinds_for(world.guardian1.user) == ["consent.requested"]
    assert kinds_for(world.guardian2.user) == ["consent.requested"]
    assert kinds_for(world.other_guardian.user) == []
    assert kinds_for(world.health_staff.user) == []


def test_consent_requested_rolls_back(world, django_capture_on_commit_callbacks):
    assert_same_transaction(lambda: _request(world), "consent.requested", django_capture_on_commit_callbacks)


def test_consent_requested_schedules_expiry_reminders_30_and_7_days(world):
    consent = _request(world)
    keys = set(Reminder.objects.filter(kind="consent.expiring").values_list("key", flat=True))
    assert keys == {f"consent:{consent.series}:expiring:30", f"consent:{consent.series}:expiring:7"}


@pytest.mark.parametrize("decision", ["granted", "refused"])
def test_consent_decision_notifies_the_coordinator(world, decision):
    consent = _request(world)
    world.decide(consent, world.guardian1, decision)
    assert kinds_for(world.coordinator.user) == [f"consent.{decision}"]


def test_consent_revoked_notifies_the_coordinator_and_rolls_back(world, django_capture_on_commit_callbacks):
    consent = world.grant([world.health], ["basic"])

    def revoke() -> None:
        world.decide(consent, world.guardian2, "revoked")

    assert_same_transaction(revoke, "consent.revoked", django_capture_on_commit_callbacks)
    revoke()
    assert "consent.revoked" in kinds_for(world.coordinator.user)


def test_consent_granted_rolls_back(world, django_capture_on_commit_callbacks):
    consent = _request(world)
    assert_same_transaction(
        lambda: world.decide(consent, world.guardian1, "granted"), "consent.granted", django_capture_on_commit_callbacks
    )


def test_consent_narrowed_notifies_the_coordinator(world, django_capture_on_commit_callbacks):
    from consent.models import InformationCategory

    consent = world.grant([world.health], ["basic", "health"])
    health = InformationCategory.objects.get(code="health")

    def narrow() -> None:
        act(
            consent_services.consent_narrow,
            viewer=world.coordinator_viewer,
            consent=consent,
            remove=[(world.health.pk, health.pk)],
        )

    assert_same_transaction(narrow, "consent.narrowed", django_capture_on_commit_callbacks)
    narrow()
    assert "consent.narrowed" in kinds_for(world.coordinator.user)


def test_bad_input_writes_no_notification(world):
    with pytest.raises(consent_services.ConsentError):
        act(
            consent_services.consent_request,
            viewer=world.coordinator_viewer,
            case=world.case,
            purpose="",
            agency_ids=[],
            category_ids=[],
        )
    with system_scope():
        assert Notification.objects.count() == 0


# --- the joint plan ----------------------------------------------------------------------


def _assign(world: World):  # type: ignore[no-untyped-def]
    from cases import services as case_services

    return act(
        case_services.plan_action_create,
        viewer=world.coordinator_viewer,
        case=world.case,
        description="Anpassad studiegång",
        due_date=timezone.localdate() + timedelta(days=14),
        responsible_agency_id=world.school.pk,
    )


def test_action_assigned_notifies_the_responsible_agency(world, django_capture_on_commit_callbacks):
    assert_same_transaction(lambda: _assign(world), "action.assigned", django_capture_on_commit_callbacks)
    _assign(world)
    assert kinds_for(world.school_staff.user) == ["action.assigned"]
    assert kinds_for(world.unrelated_staff.user) == []


# --- reminders turned into notifications (the beat task) --------------------------------


def test_due_reminder_becomes_rows_in_the_claiming_transaction(world, django_capture_on_commit_callbacks):
    from notifications import services, tasks

    services.reminder_schedule(
        key="t:1",
        kind="meeting.tomorrow",
        due_at=timezone.now() - timedelta(minutes=1),
        recipient_ids=[world.guardian1.user_id],
        case=world.case,
    )

    class Crash(Exception):
        pass

    def sent() -> int:
        with system_scope():
            return Notification.objects.filter(kind="meeting.tomorrow").count()

    # The beat's task, run as a worker runs it (its own context, no scope inherited).
    with pytest.raises(Crash), transaction.atomic():
        tasks.claim_due_reminders.delay()
        assert sent() == 1
        raise Crash
    assert sent() == 0
    assert Reminder.objects.get(key="t:1").sent_at is None  # the claim rolled back too
    tasks.claim_due_reminders.delay()
    assert kinds_for(world.guardian1.user) == ["meeting.tomorrow"]


# --- meetings ------------------------------------------------------------------------------


@pytest.fixture
def consented(world):  # type: ignore[no-untyped-def]
    from tests.meetings.conftest import ALL_CODES, name_contact

    world.grant([world.school, world.health, world.coordination], ALL_CODES)
    # Meeting messages reach each agency's contact person in the team (DESIGN rule 20).
    name_contact(world, world.school_staff)
    name_contact(world, world.health_staff)
    return world


def _call(world):  # type: ignore[no-untyped-def]
    from tests.meetings.conftest import call_meeting

    return call_meeting(world)


def test_meeting_called_notifies_each_guardian_and_invited_agency(consented, django_capture_on_commit_callbacks):
    w = consented
    assert_same_transaction(lambda: _call(w), "meeting.called", django_capture_on_commit_callbacks)
    _call(w)
    for user in (w.guardian1.user, w.guardian2.user, w.school_staff.user, w.health_staff.user):
        assert "meeting.called" in kinds_for(user), user
    assert "meeting.called" not in kinds_for(w.social_staff.user)  # in the team, no consent
    assert kinds_for(w.other_guardian.user) == []


def test_meeting_changed_and_cancelled_notify_the_invited(consented, django_capture_on_commit_callbacks):
    from meetings import services as meeting_services
    from tests.meetings.conftest import at

    w = consented
    meeting = _call(w)

    def change() -> None:
        act(
            meeting_services.meeting_update,
            viewer=w.coordinator_viewer,
            meeting=meeting,
            purpose=meeting.purpose,
            starts_at=at(8),
            ends_at=at(8, 15),
            place=meeting.place,
        )

    assert_same_transaction(change, "meeting.changed", django_capture_on_commit_callbacks)
    change()
    assert "meeting.changed" in kinds_for(w.guardian1.user)

    def cancel() -> None:
        act(meeting_services.meeting_cancel, viewer=w.coordinator_viewer, meeting=meeting, reason="Sjukdom")

    assert_same_transaction(cancel, "meeting.cancelled", django_capture_on_commit_callbacks)
    cancel()
    assert "meeting.cancelled" in kinds_for(w.guardian2.user)
    assert "meeting.cancelled" in kinds_for(w.health_staff.user)


def test_invitation_answered_notifies_the_coordinator(consented, django_capture_on_commit_callbacks):
    from meetings import services as meeting_services
    from meetings.models import Invitation

    w = consented
    meeting = _call(w)
    with system_scope():
        invitation = Invitation.objects.get(meeting=meeting, guardian=w.guardian1)

    def answer() -> None:
        act(meeting_services.invitation_answer, viewer=w.guardian1_viewer, invitation=invitation, answer="yes")

    assert_same_transaction(answer, "invitation.answered", django_capture_on_commit_callbacks)
    answer()
    assert kinds_for(w.coordinator.user).count("invitation.answered") == 1


def test_preparation_submitted_notifies_the_coordinator(consented, django_capture_on_commit_callbacks):
    from meetings import services as meeting_services

    w = consented
    meeting = _call(w)

    def submit() -> None:
        act(
            meeting_services.preparation_save,
            viewer=w.viewer(w.health_staff),
            meeting=meeting,
            what_we_see="Sammanfattning.",
            what_we_contribute="Samtal.",
            our_questions="",
            submit=True,
        )

    assert_same_transaction(submit, "preparation.submitted", django_capture_on_commit_callbacks)
    submit()
    assert "preparation.submitted" in kinds_for(w.coordinator.user)


def test_minutes_shared_notifies_family_and_agencies(consented, django_capture_on_commit_callbacks):
    from meetings import services as meeting_services

    w = consented
    meeting = _call(w)
    act(meeting_services.room_start, viewer=w.coordinator_viewer, meeting=meeting, confirmed=True)
    act(meeting_services.room_end, viewer=w.coordinator_viewer, meeting=meeting, confirmed=True)

    def share() -> None:
        act(meeting_services.minutes_share, viewer=w.coordinator_viewer, meeting=meeting)

    assert_same_transaction(share, "minutes.shared", django_capture_on_commit_callbacks)
    share()
    assert "minutes.shared" in kinds_for(w.guardian1.user)
    assert "minutes.shared" in kinds_for(w.school_staff.user)


# --- the coordinator -----------------------------------------------------------------------


def test_coordinator_changed_notifies_the_new_coordinator_and_the_family(world, django_capture_on_commit_callbacks):
    from agencies.models import Membership
    from cases import services as case_services
    from cases.models import CoordinatorAppointment
    from tests.world import make_staff

    with system_scope():
        new = make_staff(world.coordination, "Nils Ny", Membership.Role.COORDINATOR)

    def change() -> None:
        act(
            case_services.coordinator_appoint,
            viewer=world.coordinator_viewer,
            case=world.case,
            wish=CoordinatorAppointment.Wish.NO_PREFERENCE,
            coordinator_membership_id=new.pk,
            end_reason="Föräldraledighet",
        )

    assert_same_transaction(change, "case.coordinator_appointed", django_capture_on_commit_callbacks)
    change()
    assert "case.coordinator_appointed" in kinds_for(new.user)
    assert "case.coordinator_appointed" in kinds_for(world.guardian1.user)
