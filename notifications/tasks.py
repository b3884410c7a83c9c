"""Celery tasks for notifications. Thin: take ids, enter the system scope, call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def deliver_notifications(ids: list[int]) -> None:
    from notifications import push

    push.push_notifications(ids)


@shared_task
def claim_due_reminders() -> int:
    return 0


@shared_task
def sweep_undelivered() -> int:
    return 0


@shared_task
def send_daily_digests() -> int:
    return 0
