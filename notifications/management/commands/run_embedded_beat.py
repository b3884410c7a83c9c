"""Run the Celery beat schedule in this process, for the embedded default (`make run`).

With no Redis there is no worker and no beat, so reminders, the sweeper, digests and the
other periodic tasks in `portal.celery.app.conf.beat_schedule` run here instead: each
entry runs eagerly when its schedule says it is due. SIGINT / SIGTERM end it cleanly
after the task in progress.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks (reminders, sweeper, digests, …) in-process, for the embedded default."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tick", type=float, default=10.0, help="Seconds between schedule checks (default 10).")
        parser.add_argument("--once", action="store_true", help="Run every interval task once and exit.")

    def handle(self, *args: Any, tick: float, once: bool, **options: Any) -> None:
        from celery.schedules import schedule

        from portal.celery import app

        app.loader.import_default_modules()  # autodiscovered task modules load lazily
        stop = threading.Event()

        def _stop(signum: int, frame: Any) -> None:
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _stop)

        entries = []
        now = timezone.now()
        for name, entry in app.conf.beat_schedule.items():
            every = entry["schedule"]
            if isinstance(every, int | float | timedelta):
                every = schedule(run_every=every if isinstance(every, timedelta) else timedelta(seconds=every), app=app)
                last = None  # interval tasks run once at start, like celery beat
            else:
                last = now  # crontab: first run at the next matching time
            entries.append({"name": name, "task": entry["task"], "schedule": every, "last": last})
        self.stdout.write(f"Embedded beat: {', '.join(e['name'] for e in entries)} (Ctrl-C to stop)")

        while not stop.is_set():
            for entry in entries:
                if stop.is_set():
                    break
                if entry["last"] is not None:
                    due, _next = entry["schedule"].is_due(entry["last"])
                    if not due:
                        continue
                entry["last"] = timezone.now()
                self._run(app, entry["task"])
            if once:
                break
            stop.wait(tick)
        self.stdout.write("Embedded beat stopped.")

    def _run(self, app: Any, task_name: str) -> None:
        close_old_connections()
        task = app.tasks.get(task_name)
        if task is None:
            logger.warning("embedded beat: no task %s", task_name)
            return
        result = task.apply()
        if result.failed():
            logger.error("embedded beat: %s failed:\n%s", task_name, result.traceback)
        elif result.result:
            logger.info("embedded beat: %s -> %s", task_name, result.result)
