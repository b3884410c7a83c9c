"""Scheduled work of the portal as a whole: retention (the access log's checkpoints are in
`accesslog.tasks`).

Thin and idempotent: each task enters the system scope through the function it calls.
"""

from __future__ import annotations

from celery import shared_task


# The name it was scheduled under before it moved here (queued messages and beat keep it).
@shared_task(name="portal.tasks.apply_retention", acks_late=True, reject_on_worker_lost=True)
def apply_retention() -> dict[str, object]:
    """Daily: remove closed collaborations and access-log entries past their retention."""
    from web import retention

    result = retention.run()
    return {"cases": len(result.cases), "log_entries": sum(result.log_entries.values())}
