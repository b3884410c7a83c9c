"""The domain announces what happened (`access.events`); notifications and meetings
subscribe. The rows are written in the announcing transaction, a failing subscriber fails
the change (nothing swallowed), and an announcement nobody subscribes to is refused rather
than dropped. (That a rollback leaves no row: test_triggers; that a failing meetings
subscriber leaves the access loss pending for a retry: tests/consent/test_hooks.py.)"""

from __future__ import annotations

import pytest
from django.dispatch import Signal

from access import events
from access.scoping import system_scope
from consent.models import Consent
from notifications.models import Notification, Reminder


class Boom(Exception):
    pass


def test_every_announcement_has_its_subscriber():
    for signal in (
        events.notice,
        events.reminder_scheduled,
        events.reminders_written,
        events.reminder_keys_written,
        events.reminders_cancelled,
        events.access_lost,
    ):
        assert signal.has_listeners("consent"), signal


def test_an_announcement_nobody_subscribes_to_is_an_error():
    lonely = Signal()
    with pytest.raises(RuntimeError, match="nobody subscribes"):
        events.announce(lonely, sender="test", case_id=1)
    with pytest.raises(RuntimeError, match="nobody subscribes"):
        events.ask(lonely, sender="test", keys=["x"])


def test_a_failing_subscriber_fails_the_change_and_leaves_nothing(world):
    with system_scope():
        consents, notices, reminders = Consent.objects.count(), Notification.objects.count(), Reminder.objects.count()

    def broken(sender, **facts):  # type: ignore[no-untyped-def]
        raise Boom

    events.notice.connect(broken, dispatch_uid="test.broken")  # after the notifications subscriber
    try:
        with pytest.raises(Boom):
            world.request_consent([world.health], ["basic"])
    finally:
        events.notice.disconnect(dispatch_uid="test.broken")
    with system_scope():
        assert Consent.objects.count() == consents
        assert Notification.objects.count() == notices
        assert Reminder.objects.count() == reminders
    world.request_consent([world.health], ["basic"])  # the same request goes through
    with system_scope():
        assert Consent.objects.count() == consents + 1 and Notification.objects.count() > notices


def test_the_reminder_subscribers_write_skip_and_cancel(world):
    from django.utils import timezone

    row = {"key": "test:s:1", "kind": "consent.expiring", "due_at": timezone.now(), "recipient_ids": [1]}
    with system_scope():
        assert events.ask(events.reminders_written, sender="test", reminders=[row]) == 1
        assert events.ask(events.reminder_keys_written, sender="test", keys=["test:s:1", "test:s:2"]) == {"test:s:1"}
        events.ask(events.reminders_written, sender="test", reminders=[row])  # the same key: skipped
        assert Reminder.objects.filter(key="test:s:1").count() == 1
        assert events.ask(events.reminders_cancelled, sender="test", key_prefix="test:s:") == 1
        assert Reminder.objects.get(key="test:s:1").cancelled_at is not None
