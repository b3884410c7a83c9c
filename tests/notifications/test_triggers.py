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

from consent import services as consent_services
from notifications.models import Notification, Reminder
from tests.world import World


class Boom(Exception):
    pass


def kinds_for(user) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def assert_same_transaction(action: Callable[[], object], kind: str, captured) -> None:  # type: ignore[no-untyped-def]
    """The rows exist inside the action's transaction, and roll back with it."""
    before = Notification.objects.filter(kind=kind).count()
    with captured() as callbacks, pytest.raises(Boom), transaction.atomic():
        action()
        assert Notification.objects.filter(kind=kind).count() > before
        raise Boom
    assert Notification.objects.filter(kind=kind).count() == before
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
        consent_services.consent_narrow(
            viewer=world.coordinator_viewer, consent=consent, remove=[(world.health.pk, health.pk)]
        )

    assert_same_transaction(narrow, "consent.narrowed", django_capture_on_commit_callbacks)
    narrow()
    assert "consent.narrowed" in kinds_for(world.coordinator.user)


def test_bad_input_writes_no_notification(world):
    with pytest.raises(consent_services.ConsentError):
        consent_services.consent_request(
            viewer=world.coordinator_viewer, case=world.case, purpose="", agency_ids=[], category_ids=[]
        )
    assert Notification.objects.count() == 0


# --- the joint plan ----------------------------------------------------------------------


def _assign(world: World):  # type: ignore[no-untyped-def]
    from cases import services as case_services

    return case_services.plan_action_create(
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
    from notifications import services

    services.reminder_schedule(
        key="t:1",
        kind="meeting.tomorrow",
        due_at=timezone.now() - timedelta(minutes=1),
        recipient_ids=[world.guardian1.user_id],
        case=world.case,
    )

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        services.reminders_send_due()
        assert Notification.objects.filter(kind="meeting.tomorrow").count() == 1
        raise Crash
    assert Notification.objects.filter(kind="meeting.tomorrow").count() == 0
    assert Reminder.objects.get(key="t:1").sent_at is None  # the claim rolled back too
    services.reminders_send_due()
    assert kinds_for(world.guardian1.user) == ["meeting.tomorrow"]
