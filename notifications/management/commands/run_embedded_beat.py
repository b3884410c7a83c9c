"""Run the Celery beat schedule in this process, for the embedded default (`make run`).

With no Redis there is no worker and no beat, so reminders, the sweeper, digests and the
other periodic tasks in `portal.celery.app.conf.beat_schedule` run here instead: each
entry runs eagerly when its schedule says it is due. SIGINT / SIGTERM end it cleanly
after the task in progress.

A task that fails (an error in its code, "database is locked", anything short of an
interrupt) is logged with its traceback and tried again after a back-off of 30 s,
doubling to 15 min while it keeps failing; the other entries and the loop go on.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)


@dataclass
class Entry:
    name: str
    task: str
    schedule: Any  # celery.schedules.schedule or crontab
    last: datetime | None  # last attempt; None: due at once
    failures: int = 0  # consecutive
    retry_at: datetime | None = None  # while failing: the next attempt, whatever the schedule

    def is_due(self, now: datetime) -> bool:
        if self.retry_at is not None:
            return now >= self.retry_at
        if self.last is None:
            return True
        due, _next = self.schedule.is_due(self.last)
        return bool(due)


class EmbeddedBeat:
    """The schedule and one `tick()` that runs whatever is due. `tick()` never raises
    an `Exception`: a failing task is logged and backed off, the next entry still runs."""

    def __init__(self, app: Any, *, every: float | None = None, now: datetime | None = None) -> None:
        from celery.schedules import schedule

        self.app = app
        now = now or timezone.now()
        self.entries: list[Entry] = []
        for name, conf in app.conf.beat_schedule.items():
            every_conf = conf["schedule"]
            if isinstance(every_conf, int | float | timedelta):
                seconds = every_conf.total_seconds() if isinstance(every_conf, timedelta) else float(every_conf)
                run_every = timedelta(seconds=every if every is not None else seconds)
                # Interval tasks run once at start, like celery beat.
                self.entries.append(Entry(name, conf["task"], schedule(run_every=run_every, app=app), None))
            else:
                # crontab: first run at the next matching time.
                self.entries.append(Entry(name, conf["task"], every_conf, now))

    def tick(self, stop: threading.Event | None = None) -> None:
        for entry in self.entries:
            if stop is not None and stop.is_set():
                return
            try:
                if entry.is_due(timezone.now()):
                    self._run(entry)
            except Exception:  # the loop outlives any task: logged, backed off, next entry
                self._failed(entry)

    def _run(self, entry: Entry) -> None:
        entry.last = timezone.now()
        close_old_connections()
        task = self.app.tasks.get(entry.task)
        if task is None:
            logger.warning("embedded beat: no task %s", entry.task)
            return
        # throw=True: the task's own exception comes here (eager propagation), with its traceback.
        result = task.apply(throw=True)
        if entry.failures:
            logger.info("embedded beat: %s ran again after %d failure(s)", entry.name, entry.failures)
        entry.failures, entry.retry_at = 0, None
        if result.result:
            logger.info("embedded beat: %s -> %s", entry.name, result.result)

    def _failed(self, entry: Entry) -> None:
        entry.failures += 1
        delay = min(BACKOFF_FIRST * 2 ** (entry.failures - 1), BACKOFF_MAX)
        entry.retry_at = timezone.now() + delay
        logger.exception(
            "embedded beat: %s failed (%d in a row); next try in %d s",
            entry.name,
            entry.failures,
            delay.total_seconds(),
        )
        # A failed query can leave the connection unusable (a lost SQLite lock, a
        # dropped server): start the next task on a fresh one. Not one inside a
        # transaction the caller opened (a test's): closing that would spoil it.
        for conn in connections.all(initialized_only=True):
            if not conn.in_atomic_block:
                try:
                    conn.close()
                except Exception:
                    logger.exception("embedded beat: closing the database connection failed")


class Command(BaseCommand):
    help = "Run the periodic tasks (reminders, sweeper, digests, …) in-process, for the embedded default."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tick", type=float, default=10.0, help="Seconds between schedule checks (default 10).")
        parser.add_argument("--once", action="store_true", help="Run every interval task once and exit.")
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            help="Run every interval task this often, in seconds, instead of its own schedule (tests, demos).",
        )

    def handle(self, *args: Any, tick: float, once: bool, every: float | None, **options: Any) -> None:
        from portal.celery import app

        app.loader.import_default_modules()  # autodiscovered task modules load lazily
        stop = threading.Event()

        def _stop(signum: int, frame: Any) -> None:
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _stop)

        beat = EmbeddedBeat(app, every=every)
        self.stdout.write(f"Embedded beat: {', '.join(e.name for e in beat.entries)} (Ctrl-C to stop)")
        while not stop.is_set():
            beat.tick(stop)
            if once:
                break
            stop.wait(tick)
        self.stdout.write("Embedded beat stopped.")
