"""Reminders: rows with a due time, claimed once (SELECT … FOR UPDATE SKIP LOCKED), turned
into notifications through the policy at the time they are sent."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from access.scoping import system_scope
from cases.models import PlanAction, TeamMember
from notifications import services, tasks
from notifications.models import Notification, Reminder


def _schedule(world, key, *, minutes=-1, users=None, kind="meeting.tomorrow", url="/moten/"):  # type: ignore[no-untyped-def]
    services.reminder_schedule(
        key=key,
        kind=kind,
        due_at=timezone.now() + timedelta(minutes=minutes),
        recipient_ids=[u.pk for u in (users or [world.guardian1.user])],
        case=world.case,
        target_url=url,
    )


def test_scheduling_is_idempotent_per_key(world):
    _schedule(world, "k", minutes=10)
    _schedule(world, "k", minutes=99, users=[world.guardian2.user])
    (reminder,) = Reminder.objects.all()
    assert reminder.recipient_ids == [world.guardian1.user_id]


def test_only_due_reminders_are_sent_and_each_once(world):
    _schedule(world, "due")
    _schedule(world, "later", minutes=60)
    assert tasks.claim_due_reminders() == 1
    assert tasks.claim_due_reminders() == 0
    with system_scope():
        assert Notification.objects.filter(kind="meeting.tomorrow").count() == 1
    assert Reminder.objects.get(key="later").sent_at is None


def test_cancelled_reminders_are_never_sent(world):
    _schedule(world, "meeting:abc:tomorrow")
    assert services.reminder_cancel(key_prefix="meeting:abc:") == 1
    assert tasks.claim_due_reminders() == 0
    with system_scope():
        assert Notification.objects.count() == 0


def test_recipients_are_checked_against_the_policy_when_sent(world):
    consent = world.grant([world.health], ["basic"])
    services.reminder_schedule(
        key="prep",
        kind="preparation.due",
        due_at=timezone.now() - timedelta(minutes=1),
        recipient_ids=[world.health_staff.user_id],
        case=world.case,
        agency_id=world.health.pk,
    )
    world.decide(consent, world.guardian1, "revoked")  # BUP loses access before it is due
    assert tasks.claim_due_reminders() == 1
    with system_scope():
        assert Notification.objects.filter(kind="preparation.due").count() == 0


def test_a_large_batch_costs_few_queries(world, django_assert_max_num_queries):
    for n in range(60):
        _schedule(world, f"r{n}", users=[world.guardian1.user, world.guardian2.user, world.coordinator.user])
    with django_assert_max_num_queries(20):
        assert services.reminders_send_due(batch_size=100) == 60
    with system_scope():
        assert Notification.objects.count() == 180


# --- action overdue -----------------------------------------------------------------------


def _action(world, *, days_ago=1, status=PlanAction.Status.PLANNED):  # type: ignore[no-untyped-def]
    with system_scope():
        return PlanAction.objects.create(
            case=world.case,
            author_agency=world.coordination,
            description="Kartläggning av skolfrånvaro",
            responsible_agency=world.school,
            due_date=timezone.localdate() - timedelta(days=days_ago),
            status=status,
        )


def test_overdue_actions_are_reminded_once(world):
    with system_scope():
        TeamMember.objects.filter(case=world.case, agency=world.school).update(contact=world.school_staff)
    overdue = _action(world)
    _action(world, status=PlanAction.Status.DONE)
    _action(world, days_ago=-3)  # not due yet
    assert tasks.schedule_overdue_actions() == 1
    tasks.schedule_overdue_actions()
    assert Reminder.objects.filter(kind="action.overdue").count() == 1
    assert tasks.claim_due_reminders() == 1
    with system_scope():
        recipients = set(Notification.objects.filter(kind="action.overdue").values_list("recipient_id", flat=True))
    assert recipients == {world.coordinator.user_id, world.school_staff.user_id}
    # Moving the due date and missing it again reminds again, once.
    with system_scope():
        overdue.due_date -= timedelta(days=1)
        overdue.save()
    tasks.schedule_overdue_actions()
    tasks.schedule_overdue_actions()
    assert Reminder.objects.filter(kind="action.overdue").count() == 2


def test_overdue_actions_of_closed_cases_are_not_reminded(world):
    _action(world)
    with system_scope():
        world.case.status = "closed"
        world.case.closed_at = timezone.now()
        world.case.save()
    assert tasks.schedule_overdue_actions() == 0


# --- two workers at once --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="SQLite has no SELECT … FOR UPDATE SKIP LOCKED (and serialises writers): needs PostgreSQL",
)
def test_two_concurrent_workers_send_each_reminder_exactly_once(world, pushes, mailoutbox):
    total = 120
    users = [world.guardian1.user, world.guardian2.user]
    for n in range(total):
        _schedule(world, f"c{n}", users=users, url=f"/r/{n}/")
    barrier = threading.Barrier(2)
    claimed: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            claimed[name] = services.reminders_send_due(batch_size=10)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert claimed["a"] + claimed["b"] == total
    assert claimed["a"] > 0 and claimed["b"] > 0  # both really worked, side by side
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    with system_scope():
        per_reminder = Counter(Notification.objects.values_list("target_url", flat=True))
    assert len(per_reminder) == total and set(per_reminder.values()) == {len(users)}
    # Every notification was pushed once and e-mailed once.
    pushed_ids = Counter(message["id"] for _group, message in pushes)
    assert len(pushed_ids) == total * len(users) and set(pushed_ids.values()) == {1}
    mailed = Counter(ref for m in mailoutbox for ref in m.extra_headers["X-Samverkan-Ref"].split())
    assert len(mailed) == total * len(users) and set(mailed.values()) == {1}
