"""Hooks that must happen do happen: a lost access is an `AccessLoss` row written in the
decision's transaction, attempted after commit, retried by the beat until done, and a
grant that lapses by time (expiry, a 15th birthday) is found within a minute."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from access.scoping import system_scope
from consent import hooks, tasks
from consent.models import AccessLoss, ConsentGrant
from consent.rules import STOCKHOLM
from meetings.models import Invitation
from portal.celery import app as celery_app
from portal.models import AuditEvent
from tests.meetings.conftest import ALL_CODES, call_meeting

pytestmark = pytest.mark.django_db


def losses(world) -> list[AccessLoss]:  # type: ignore[no-untyped-def]
    with system_scope():
        return list(AccessLoss.objects.filter(case=world.case).order_by("id"))


def open_agency_invitations(meeting) -> list[Invitation]:  # type: ignore[no-untyped-def]
    with system_scope():
        return list(Invitation.objects.filter(meeting=meeting, agency__isnull=False, withdrawn_at__isnull=True))


def withdrawn_events() -> int:
    with system_scope():
        return AuditEvent.objects.filter(action="meeting.invitation_withdrawn").count()


def test_the_row_is_written_in_the_decisions_transaction(world, lost_calls, django_capture_on_commit_callbacks):
    consent = world.grant([world.health], ["basic"])
    # Rolled back with the revocation: no row, nothing carried out.
    with pytest.raises(RuntimeError), transaction.atomic():
        world.decide(consent, world.guardian1, "revoked")
        assert [loss.agency_ids for loss in losses(world)] == [[world.health.pk]]
        raise RuntimeError("the transaction fails after the decision")
    assert losses(world) == []
    # Committed: the row exists before any after-commit work, then the attempt completes it.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        world.decide(consent, world.guardian1, "revoked")
    [loss] = losses(world)
    assert (loss.agency_ids, loss.done_at, loss.attempts) == ([world.health.pk], None, 0)
    assert lost_calls == []
    for callback in callbacks:
        callback()
    loss.refresh_from_db()
    assert loss.done_at is not None and loss.attempts == 1 and loss.last_error == ""
    assert lost_calls == [(world.case.pk, [world.health.pk])]


def test_a_failed_attempt_stays_and_the_retry_withdraws_the_invitations(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    consent = world.grant([world.school, world.health, world.coordination], ALL_CODES)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(world)
    assert {i.agency_id for i in open_agency_invitations(meeting)} == {world.school.pk, world.health.pk}

    import meetings.services.calling as calling

    real = calling._withdraw_for_lost_access

    def broken(case_id: int, agency_ids: list[int]) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(calling, "_withdraw_for_lost_access", broken)
    with django_capture_on_commit_callbacks(execute=True):
        world.decide(consent, world.guardian1, "revoked")  # every agency loses access
    [loss] = losses(world)
    assert loss.done_at is None and loss.attempts == 1
    assert loss.last_error == "ConnectionError: database went away"
    assert len(open_agency_invitations(meeting)) == 2  # the first attempt changed nothing

    # A retry while the first attempt may still be running leaves the row alone …
    assert hooks.access_losses_retry() == 0
    monkeypatch.setattr(calling, "_withdraw_for_lost_access", real)
    later = timezone.now() + timedelta(minutes=1)
    # … and the beat's retry a minute later completes it.
    with django_capture_on_commit_callbacks(execute=True):
        assert hooks.access_losses_retry(now=later) == 1
    loss.refresh_from_db()
    assert loss.done_at is not None and loss.attempts == 2
    assert open_agency_invitations(meeting) == []
    events = withdrawn_events()
    assert events == 2
    # A second run, and carrying the row out again, are no-ops.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert hooks.access_losses_retry(now=later + timedelta(minutes=1)) == 0
        assert hooks.access_loss_carry_out(loss.pk) is False
    assert callbacks == []
    assert withdrawn_events() == events
    loss.refresh_from_db()
    assert loss.attempts == 2
    # Even a duplicate row for the same loss changes nothing a second time.
    with system_scope():
        duplicate = AccessLoss.objects.create(case=world.case, agency_ids=loss.agency_ids)
    assert hooks.access_loss_carry_out(duplicate.pk) is True
    assert withdrawn_events() == events


def test_the_beat_runs_the_minute_tasks(world, lost_calls, django_capture_on_commit_callbacks):
    schedule = celery_app.conf.beat_schedule
    assert schedule["retry-access-losses"] == {"task": "consent.tasks.retry_access_losses", "schedule": 60.0}
    assert schedule["record-lapsed-grants"] == {"task": "consent.tasks.record_lapsed_grants", "schedule": 60.0}
    with system_scope():
        loss = AccessLoss.objects.create(case=world.case, agency_ids=[world.health.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_access_losses.apply().get() == 1
        assert tasks.record_lapsed_grants.apply().get() == 0
    loss.refresh_from_db()
    assert loss.done_at is not None
    assert lost_calls == [(world.case.pk, [world.health.pk])]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)


def test_a_consent_that_runs_out_closes_live_connections_within_a_minute(
    world, clock, lost_calls, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    world.request_consent([world.social], ["basic"])  # never granted: nothing to lose
    short = world.request_consent([world.health], ["basic", "school"], valid_until=today + timedelta(days=2))
    world.decide(short, world.guardian1)
    world.decide(short, world.guardian2)
    lapse = midnight(today + timedelta(days=3))
    # The evening before: nothing has lapsed (so the assertions below can fail).
    clock.to(lapse - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert hooks.lapses_record() == 0
    clock.to(lapse - timedelta(seconds=30))
    assert hooks.lapses_record() == 0
    # Within the minute after midnight the sweep finds the lapse and acts on it.
    clock.to(lapse + timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert hooks.lapses_record() == 1
    [loss] = losses(world)
    assert (loss.agency_ids, loss.reason, loss.done_at is not None) == ([world.health.pk], "lapsed", True)
    assert lost_calls == [(world.case.pk, [world.health.pk])]
    # The next runs find nothing new.
    clock.to(lapse + timedelta(seconds=90))
    assert hooks.lapses_record() == 0
    assert len(losses(world)) == 1


def test_an_agency_that_keeps_access_through_another_consent_loses_nothing(world, clock):
    today = timezone.localdate()
    short = world.request_consent([world.health], ["basic"], valid_until=today + timedelta(days=2))
    world.decide(short, world.guardian1)
    world.decide(short, world.guardian2)
    world.grant([world.health], ["basic"])  # twelve months
    lapse = midnight(today + timedelta(days=3))
    clock.to(lapse - timedelta(minutes=1))
    hooks.lapses_record()
    clock.to(lapse + timedelta(minutes=1))
    assert hooks.lapses_record() == 0
    assert losses(world) == []


def test_a_15th_birthday_ends_the_guardians_consent_within_a_minute(
    world, clock, lost_calls, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    birthday = today + timedelta(days=1)
    with system_scope():
        world.child.date_of_birth = birthday.replace(year=birthday.year - 15)
        world.child.save(update_fields=["date_of_birth"])
    world.grant([world.health], ["basic"])  # 14 years old: the guardians decide, the child is asked
    with system_scope():
        ends = set(ConsentGrant.objects.filter(case=world.case).values_list("ends_at", flat=True))
    assert ends == {midnight(birthday)}  # from 15 only the child's own answer counts
    clock.to(midnight(birthday) - timedelta(seconds=20))
    assert hooks.lapses_record() == 0
    clock.to(midnight(birthday) + timedelta(seconds=40))
    with django_capture_on_commit_callbacks(execute=True):
        assert hooks.lapses_record() == 1
    [loss] = losses(world)
    assert (loss.agency_ids, loss.reason) == ([world.health.pk], "lapsed")
    assert lost_calls == [(world.case.pk, [world.health.pk])]


def test_the_first_sweep_looks_back_an_hour_only(world, clock):
    today = timezone.localdate()
    short = world.request_consent([world.health], ["basic"], valid_until=today + timedelta(days=2))
    world.decide(short, world.guardian1)
    world.decide(short, world.guardian2)
    lapse = midnight(today + timedelta(days=3))
    clock.to(lapse + timedelta(hours=2))  # the beat was never run before: the hourly sweep covers this
    assert hooks.lapses_record() == 0
    with system_scope():
        # The hourly sweep still writes its row (a safety net for anything older).
        from consent.services import record_expired

        assert record_expired() == 1
    assert [loss.reason for loss in losses(world)] == ["expired"]


def test_a_loss_that_keeps_failing_raises_the_alarm_once_and_the_health_page_says_so(
    world, monkeypatch, caplog, client, django_capture_on_commit_callbacks
):
    import meetings.services.calling as calling

    real = calling._withdraw_for_lost_access

    def broken(case_id: int, agency_ids: list[int]) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(calling, "_withdraw_for_lost_access", broken)
    consent = world.grant([world.health], ["basic"])
    assert client.get("/halsa/").json() == {"status": "ok", "access_losses_overdue": 0}
    with django_capture_on_commit_callbacks(execute=True):
        world.decide(consent, world.guardian1, "revoked")
    [loss] = losses(world)
    start = loss.created_at
    # Fresh, the failing row is the retries' business, not an alarm.
    assert client.get("/halsa/").json()["status"] == "ok"
    for minute in range(1, 13):
        hooks.access_losses_retry(now=start + timedelta(minutes=minute))
    loss.refresh_from_db()
    assert (loss.attempts, loss.done_at) == (13, None)
    alarms = [r for r in caplog.records if r.levelname == "ERROR" and r.getMessage().startswith("ALERT")]
    assert len(alarms) == 1 and "after 10 attempts" in alarms[0].getMessage()
    # Created 13 real minutes ago as far as the health page knows: overdue.
    with system_scope():
        AccessLoss.objects.filter(pk=loss.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert client.get("/halsa/").json() == {"status": "degraded", "access_losses_overdue": 1}
    monkeypatch.setattr(calling, "_withdraw_for_lost_access", real)
    assert hooks.access_losses_retry(now=timezone.now() + timedelta(minutes=1)) == 1
    assert client.get("/halsa/").json() == {"status": "ok", "access_losses_overdue": 0}
