"""Scheduled work of the portal itself: retention and access-log checkpoints.

Thin and idempotent: each task enters the system scope through the function it calls.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention() -> dict[str, object]:
    """Daily: remove closed collaborations and access-log entries past their retention."""
    from portal import retention

    result = retention.run()
    return {"cases": len(result.cases), "log_entries": sum(result.log_entries.values())}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def checkpoint_access_log() -> int:
    """Every 5 minutes: record each moved access-log chain's head and publish it signed
    outside the database, so removals at the end are found."""
    from access.scoping import system_scope
    from portal import accesslog_integrity

    with system_scope():
        return accesslog_integrity.checkpoint()
