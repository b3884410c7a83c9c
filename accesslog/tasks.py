"""Scheduled work of the access log: checkpoints of its chains' heads.

Thin and idempotent: the task enters the system scope and calls `integrity.checkpoint`.
"""

from __future__ import annotations

from celery import shared_task


# The name predates the app's move out of `portal`: beat (portal/celery.py), the route to
# the signer's queue (CELERY_TASK_ROUTES) and messages already queued all use it.
@shared_task(name="portal.tasks.checkpoint_access_log", acks_late=True, reject_on_worker_lost=True)
def checkpoint_access_log() -> int:
    """Every 5 minutes: record each moved access-log chain's head and publish it signed
    outside the database, so removals at the end are found."""
    from access.scoping import system_scope
    from accesslog import integrity

    with system_scope():
        return integrity.checkpoint()
