"""The embedded beat (`manage.py run_embedded_beat`, `make run`) outlives any error in a task.

Every test takes `db`: the beat checks the connections before each task (close_old_connections).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery
from django.core.management import call_command
from django.db import OperationalError

from notifications.management.commands import run_embedded_beat
from notifications.management.commands.run_embedded_beat import EmbeddedBeat
from portal.celery import app as portal_app


def _app(calls: list[str], *, fail_first: int) -> Celery:
    """A Celery app of its own with two interval tasks: `flaky` fails `fail_first` times."""
    app = Celery("beat-test", set_as_current=False)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    @app.task(name="test.flaky", shared=False)
    def flaky() -> str:
        calls.append("flaky")
        if calls.count("flaky") <= fail_first:
            raise OperationalError("database is locked")
        return "ok"

    @app.task(name="test.steady", shared=False)
    def steady() -> None:
        calls.append("steady")

    app.conf.beat_schedule = {
        "flaky": {"task": "test.flaky", "schedule": 60.0},
        "steady": {"task": "test.steady", "schedule": 60.0},
    }
    return app


def test_a_task_raising_once_does_not_stop_the_next_tick(db, monkeypatch, caplog):
    monkeypatch.setattr(run_embedded_beat, "BACKOFF_FIRST", timedelta(0))
    calls: list[str] = []
    beat = EmbeddedBeat(_app(calls, fail_first=1), every=0)

    with caplog.at_level(logging.ERROR, logger=run_embedded_beat.__name__):
        beat.tick()  # flaky raises; steady still runs in the same tick
    assert calls == ["flaky", "steady"]
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "flaky failed (1 in a row)" in record.getMessage()
    assert record.exc_info is not None and "database is locked" in str(record.exc_info[1])

    beat.tick()  # the next tick runs both again, and flaky now succeeds
    assert calls == ["flaky", "steady", "flaky", "steady"]
    assert [e.failures for e in beat.entries] == [0, 0]
    assert all(e.retry_at is None for e in beat.entries)


def test_a_failing_task_backs_off_doubling_and_the_others_keep_their_schedule(db):
    calls: list[str] = []
    beat = EmbeddedBeat(_app(calls, fail_first=99), every=0)
    flaky = beat.entries[0]

    beat.tick()
    assert flaky.failures == 1 and flaky.retry_at is not None
    assert timedelta(seconds=30) <= flaky.retry_at - flaky.last < timedelta(seconds=40)
    beat.tick()  # flaky waits out its back-off; steady (due every tick) runs
    assert calls == ["flaky", "steady", "steady"]

    flaky.retry_at = flaky.last  # as if the back-off had passed
    beat.tick()
    assert flaky.failures == 2
    assert timedelta(seconds=60) <= flaky.retry_at - flaky.last < timedelta(seconds=70)


def test_a_crontab_task_that_fails_is_retried_before_its_next_matching_time(db):
    from celery.schedules import crontab

    calls: list[str] = []
    app = _app(calls, fail_first=1)
    app.conf.beat_schedule = {"flaky": {"task": "test.flaky", "schedule": crontab(minute=0, hour=7)}}
    beat = EmbeddedBeat(app)
    [entry] = beat.entries
    entry.last = entry.last - timedelta(days=1)  # yesterday's 07:00 run is due
    beat.tick()
    assert calls == ["flaky"] and entry.failures == 1
    entry.retry_at = entry.last
    beat.tick()  # retried after the back-off, not tomorrow at 07:00
    assert calls == ["flaky", "flaky"] and entry.failures == 0


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_command_runs_every_other_task_when_one_raises(db, monkeypatch):
    """The real schedule through `manage.py run_embedded_beat --once`: before, the first
    exception (eager tasks propagate) ended the command, and with it every reminder."""
    portal_app.loader.import_default_modules()
    ran: list[str] = []
    first = "notifications.tasks.claim_due_reminders"

    def boom() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(portal_app.tasks[first], "run", boom)
    for conf in portal_app.conf.beat_schedule.values():
        name = conf["task"]
        if name != first:
            monkeypatch.setattr(portal_app.tasks[name], "run", lambda name=name: ran.append(name))

    # On the beat's own logger: Celery's Django fix-up runs django.setup() again when the
    # command imports the task modules, and the logging set-up drops caplog's handler.
    records = _Records()
    logger = logging.getLogger(run_embedded_beat.__name__)
    logger.addHandler(records)
    try:
        call_command("run_embedded_beat", "--once")
    finally:
        logger.removeHandler(records)

    intervals = [
        c["task"]
        for c in portal_app.conf.beat_schedule.values()
        if isinstance(c["schedule"], int | float) and c["task"] != first
    ]
    assert ran == intervals
    assert any("claim-due-reminders failed" in r.getMessage() and r.exc_info for r in records.records)
