"""Delivery of notification rows after commit: a websocket push and e-mail.

`dispatch(ids)` is what `notify` queues with `transaction.on_commit`. It never raises and
never waits on Redis or a mail server in the request:

* embedded (Celery eager, no Redis) and inside tasks (`inline()`): delivered at once in
  this process — the in-memory channel layer only reaches this process anyway;
* otherwise the ids go to a small dispatcher thread of this process, which pushes over
  the channel layer (so a live bell needs no worker) and queues the e-mail task.

Every failure is logged and swallowed: the rows wait in the database and
`tasks.sweep_undelivered` delivers them when Redis and the worker are back. Each step is
exactly-once per row (see `push` and `mail`), so the sweeper can never duplicate.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("notifications_inline", default=False)

# After a failed publish, skip the broker for this long (the sweeper catches up).
BREAKER_SECONDS = 10.0


@contextmanager
def inline() -> Iterator[None]:
    """Deliver in this thread (for tasks already running on a worker or beat)."""
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def _eager() -> bool:
    from portal.celery import app

    return bool(app.conf.task_always_eager)


def dispatch(ids: list[int]) -> None:
    """Start delivery of the given notification ids. Never raises, never blocks on I/O
    outside the embedded and inline modes."""
    if not ids:
        return
    try:
        if _inline.get() or _eager():
            deliver(ids)
        else:
            dispatcher().submit(ids)
    except Exception:
        logger.warning("could not start delivery of %d notifications", len(ids), exc_info=True)


def deliver(ids: Iterable[int], *, raise_mail_errors: bool = False) -> None:
    """Push and e-mail now, in this thread."""
    from notifications import mail, push

    ids = list(ids)
    try:
        push.push_notifications(ids)
    except Exception:
        logger.warning("push failed; the sweeper will retry", exc_info=True)
    try:
        mail.send_immediate(ids)
    except Exception:
        if raise_mail_errors:
            raise
        logger.warning("e-mail failed; the sweeper will retry", exc_info=True)


class Dispatcher:
    """One daemon thread per process: pushes on a long-lived event loop (the channel layer
    keeps its connection) and queues the e-mail task on the broker."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()
        self.broker_down_until = 0.0
        self.idle = threading.Event()
        self.idle.set()
        self.thread = threading.Thread(target=self._run, name="notification-dispatch", daemon=True)
        self.thread.start()

    def submit(self, ids: list[int]) -> None:
        self.idle.clear()
        self.queue.put(list(ids))

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while True:
                ids = self.queue.get()
                if ids is None:
                    return
                # Coalesce what is already waiting into one round.
                while True:
                    try:
                        more = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        self._deliver(ids, loop)
                        return
                    ids.extend(more)
                self._deliver(ids, loop)
                if self.queue.empty():
                    self.idle.set()
        finally:
            self.idle.set()
            connection.close()
            loop.close()

    def _deliver(self, ids: list[int], loop: asyncio.AbstractEventLoop) -> None:
        from notifications import push

        close_old_connections()
        try:
            push.push_notifications(ids, loop=loop)
        except Exception:
            logger.warning("push of %d notifications failed; the sweeper will retry", len(ids), exc_info=True)
        self._publish(ids)

    def _publish(self, ids: list[int]) -> None:
        from notifications.tasks import deliver_notifications

        if time.monotonic() < self.broker_down_until:
            return
        try:
            deliver_notifications.apply_async((ids,), retry=False)
        except Exception:
            self.broker_down_until = time.monotonic() + BREAKER_SECONDS
            logger.warning("broker unreachable; %d notifications wait for the sweeper", len(ids), exc_info=True)

    def wait_idle(self, timeout: float) -> bool:
        return self.idle.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (bounded by `timeout`) and stop; used at process exit."""
        self.queue.put(None)
        self.thread.join(timeout)


_dispatcher: Dispatcher | None = None
_lock = threading.Lock()


def dispatcher() -> Dispatcher:
    global _dispatcher
    with _lock:
        if _dispatcher is None or not _dispatcher.thread.is_alive():
            _dispatcher = Dispatcher()
            atexit.register(_dispatcher.stop)
        return _dispatcher
