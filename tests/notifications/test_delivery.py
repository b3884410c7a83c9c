"""Delivery after commit: the push carries ids only and is claimed once; e-mail is
content-free, in the recipient's language, by preference, and sent exactly once."""

from __future__ import annotations

import time

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from access.scoping import scope, system_scope
from notifications import delivery, push, services, tasks
from notifications import mail as notification_mail
from notifications.models import EmailPreference, Notification

State = Notification.EmailState


def _notify(world, users, kind="consent.requested", execute=True, capture=None):  # type: ignore[no-untyped-def]
    with capture(execute=execute):
        return services.notify(recipients=users, kind=kind, case=world.case, target_url="/moten/")


def test_push_after_commit_carries_the_id_only(world, pushes, django_capture_on_commit_callbacks):
    (row,) = _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    assert pushes == [(f"user.{world.guardian1.user_id}", {"type": "notification.new", "id": row.pk})]
    row.refresh_from_db()
    assert row.pushed_at is not None


def test_no_push_before_commit(world, pushes, django_capture_on_commit_callbacks):
    _notify(world, [world.guardian1.user], execute=False, capture=django_capture_on_commit_callbacks)
    assert pushes == []


def test_a_row_is_pushed_once_however_often_delivery_runs(world, pushes, django_capture_on_commit_callbacks):
    (row,) = _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    assert push.push_notifications([row.pk]) == 0
    tasks.sweep_undelivered(min_age_seconds=0)
    tasks.deliver_notifications([row.pk])
    assert len(pushes) == 1


def test_failed_push_releases_the_claim_for_the_sweeper(
    world, memory_layer, monkeypatch, django_capture_on_commit_callbacks
):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    sent = []

    async def down(group, message):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis down")

    monkeypatch.setattr(layer, "group_send", down)
    (row,) = _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.pushed_at is None

    async def up(group, message):  # type: ignore[no-untyped-def]
        sent.append(message["id"])

    monkeypatch.setattr(layer, "group_send", up)
    assert tasks.sweep_undelivered(min_age_seconds=0) == 1
    tasks.sweep_undelivered(min_age_seconds=0)
    assert sent == [row.pk]


def test_slow_layer_is_given_up_quickly(world, memory_layer, monkeypatch, django_capture_on_commit_callbacks):
    import asyncio

    from channels.layers import get_channel_layer

    async def hang(group, message):  # type: ignore[no-untyped-def]
        await asyncio.sleep(30)

    monkeypatch.setattr(get_channel_layer(), "group_send", hang)
    started = time.monotonic()
    _notify(world, [world.guardian1.user, world.guardian2.user], capture=django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 1.5
    with system_scope():
        assert Notification.objects.filter(pushed_at__isnull=True).count() == 2


# --- e-mail ----------------------------------------------------------------------------------


def test_email_says_only_that_something_is_waiting(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.to == [world.guardian1.user.email]
    text = message.subject + message.body + str(message.extra_headers)
    for secret in (
        world.child.first_name,
        world.child.last_name,
        world.guardian1.first_name,
        "mötesinbjudan",
        "/moten/",
        world.case.need_description,
    ):
        assert secret not in text
    assert "Logga in" in message.body
    with system_scope():
        assert Notification.objects.get().email_state == State.SENT


def test_email_in_the_recipients_language(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    user = world.guardian2.user
    user.language = "en"
    user.save()
    _notify(world, [world.guardian1.user, user], capture=django_capture_on_commit_callbacks)
    by_to = {m.to[0]: m for m in mailoutbox}
    assert "väntar" in by_to[world.guardian1.user.email].subject
    assert "waiting" in by_to[user.email].subject
    assert "sign in" in by_to[user.email].body.lower()


def test_one_email_per_recipient_for_a_batch(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world.guardian1.user], kind="consent.requested", case=world.case)
        services.notify(recipients=[world.guardian1.user], kind="consent.granted", case=world.case)
    assert len(mailoutbox) <= 2
    with system_scope():
        assert Notification.objects.filter(email_state=State.SENT).count() == 2


@pytest.mark.parametrize(
    ("choice", "state", "mails"),
    [("immediately", State.SENT, 1), ("digest", State.DIGEST, 0), ("never", State.SKIPPED, 0)],
)
def test_preference_decides_the_email(
    world, pushes, mailoutbox, django_capture_on_commit_callbacks, choice, state, mails
):
    services.email_preferences_set(user_id=world.guardian1.user_id, choices={"consent.requested": choice})
    _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    assert len(mailoutbox) == mails
    with system_scope():
        assert Notification.objects.get().email_state == state


def test_read_before_the_email_goes_means_no_email(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    (row,) = _notify(world, [world.guardian1.user], execute=False, capture=django_capture_on_commit_callbacks)
    with scope(world.guardian1_viewer):
        services.notifications_mark_all_read(viewer=world.guardian1_viewer)
    notification_mail.send_immediate([row.pk])
    assert mailoutbox == []
    with system_scope():
        assert Notification.objects.get().email_state == State.SKIPPED


def test_email_is_sent_once_however_often_the_task_runs(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    (row,) = _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    tasks.deliver_notifications([row.pk])
    tasks.deliver_notifications([row.pk])
    tasks.sweep_undelivered(min_age_seconds=0)
    assert len(mailoutbox) == 1


class FailingBackend(LocmemBackend):
    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise OSError("mail server down")


def test_failed_email_stays_pending_and_the_sweeper_sends_it(
    world, pushes, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FailingBackend"
    (row,) = _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    with system_scope():
        assert Notification.objects.get().email_state == State.PENDING
    with pytest.raises(OSError):
        notification_mail.send_immediate([row.pk])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.sweep_undelivered(min_age_seconds=0)
    tasks.sweep_undelivered(min_age_seconds=0)
    assert len(mailoutbox) == 1
    with system_scope():
        assert Notification.objects.get().email_state == State.SENT


# --- the daily digest ---------------------------------------------------------------------


def test_digest_sends_one_summary_with_an_unsubscribe_link(
    world, pushes, mailoutbox, django_capture_on_commit_callbacks
):
    services.email_preferences_set(
        user_id=world.guardian1.user_id, choices={"consent.requested": "digest", "consent.granted": "digest"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world.guardian1.user], kind="consent.requested", case=world.case)
        services.notify(recipients=[world.guardian1.user], kind="consent.granted", case=world.case)
    assert mailoutbox == []
    assert tasks.send_daily_digests() == 1
    assert tasks.send_daily_digests() == 0
    (message,) = mailoutbox
    assert "2" in message.body and world.child.first_name not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notiser/avsluta/" in message.extra_headers["List-Unsubscribe"]
    assert "/notiser/avsluta/" in message.body
    with system_scope():
        assert set(Notification.objects.values_list("email_state", flat=True)) == {State.SENT}


def test_digest_skips_what_was_read(world, pushes, mailoutbox, django_capture_on_commit_callbacks):
    services.email_preferences_set(user_id=world.guardian1.user_id, choices={"consent.requested": "digest"})
    _notify(world, [world.guardian1.user], capture=django_capture_on_commit_callbacks)
    with scope(world.guardian1_viewer):
        services.notifications_mark_all_read(viewer=world.guardian1_viewer)
    assert tasks.send_daily_digests() == 0
    assert mailoutbox == []
    with system_scope():
        assert Notification.objects.get().email_state == State.SKIPPED


def test_preferences_reject_unknown_values_and_change_nothing(world):
    with pytest.raises(services.PreferenceError):
        services.email_preferences_set(
            user_id=world.guardian1.user_id, choices={"consent.requested": "digest", "consent.granted": "hourly"}
        )
    assert EmailPreference.objects.count() == 0


# --- dispatch never holds the request -------------------------------------------------------


def test_dispatch_returns_at_once_outside_eager_mode(world, memory_layer, monkeypatch):
    """Outside the embedded mode the request only hands the ids to the dispatcher thread."""
    from portal.celery import app

    handed = []
    dispatcher = delivery.Dispatcher()
    monkeypatch.setattr(dispatcher, "_deliver", lambda ids, loop: handed.append(ids))
    monkeypatch.setattr(delivery, "dispatcher", lambda: dispatcher)
    app.conf.task_always_eager = False
    try:
        started = time.monotonic()
        delivery.dispatch([1, 2, 3])
        assert time.monotonic() - started < 0.05
        assert dispatcher.wait_idle(2)
    finally:
        app.conf.task_always_eager = True
        dispatcher.stop()
    assert handed == [[1, 2, 3]]


def test_dispatcher_gives_up_on_an_unreachable_broker_within_a_second(world, memory_layer, monkeypatch):
    """The dispatcher thread (not the request) publishes; with the broker down one publish
    takes under a second and the next ones are skipped (the sweeper catches up)."""
    from notifications.tasks import deliver_notifications

    calls = []

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        time.sleep(0.3)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(deliver_notifications, "apply_async", unreachable)
    dispatcher = delivery.Dispatcher()
    try:
        started = time.monotonic()
        dispatcher._publish([1])
        dispatcher._publish([2])
        assert time.monotonic() - started < 1.0
        assert len(calls) == 1  # the breaker skipped the second
    finally:
        dispatcher.stop()


def test_a_claim_left_by_a_dead_worker_is_handed_back_by_the_sweeper(
    world, pushes, mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    stale, busy = _notify(
        world, [world.guardian1.user, world.guardian2.user], execute=False, capture=django_capture_on_commit_callbacks
    )
    with system_scope():
        Notification.objects.filter(pk=stale.pk).update(
            email_state=State.SENDING, emailed_at=timezone.now() - timedelta(minutes=11)
        )
        Notification.objects.filter(pk=busy.pk).update(email_state=State.SENDING, emailed_at=timezone.now())
    tasks.sweep_undelivered(min_age_seconds=0)
    assert [m.to for m in mailoutbox] == [[world.guardian1.user.email]]
    with system_scope():
        assert Notification.objects.get(pk=stale.pk).email_state == State.SENT
        assert Notification.objects.get(pk=busy.pk).email_state == State.SENDING  # its worker may still send it
