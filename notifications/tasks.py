"""Celery tasks for notifications. Thin: take ids, deliver inline, call services.

All are idempotent (state lives on the rows), so acks_late redelivery after a lost worker
and the sweeper re-running them can never send anything twice.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from access.scoping import system_scope

SWEEP_AFTER = timedelta(minutes=2)
SWEEP_LIMIT = 2000
# An e-mail claim this old belongs to a worker that died: the sweeper hands it back.
STALE_EMAIL_CLAIM = timedelta(minutes=10)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def deliver_notifications(ids: list[int]) -> None:
    """Push what is not pushed yet and send the e-mail due now for these rows."""
    from notifications import delivery

    with delivery.inline():
        delivery.deliver(ids, raise_mail_errors=True)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def claim_due_reminders() -> int:
    """Every minute: send the due reminders (each exactly once, even with two workers)."""
    from notifications import delivery, services

    with delivery.inline():
        return services.reminders_send_due()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def schedule_overdue_actions() -> int:
    """Create 'action overdue' reminders for plan actions past their due date (once each)."""
    from notifications import services

    return services.overdue_actions_schedule()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_undelivered(min_age_seconds: float | None = None) -> int:
    """Re-deliver rows not pushed or not e-mailed after a while (Redis, broker or worker
    was down). Returns the number of rows handed to delivery."""
    from notifications import delivery, mail
    from notifications.models import Notification

    age = SWEEP_AFTER if min_age_seconds is None else timedelta(seconds=min_age_seconds)
    cutoff = timezone.now() - age
    mail.release_stale_claims(older_than=timezone.now() - STALE_EMAIL_CLAIM)
    with system_scope():
        unpushed = Notification.objects.filter(pushed_at__isnull=True, created_at__lte=cutoff)
        unmailed = Notification.objects.filter(email_state=Notification.EmailState.PENDING, created_at__lte=cutoff)
        ids = sorted(
            set(unpushed.order_by("id").values_list("id", flat=True)[:SWEEP_LIMIT])
            | set(unmailed.order_by("id").values_list("id", flat=True)[:SWEEP_LIMIT])
        )
    for start in range(0, len(ids), 500):
        with delivery.inline():
            delivery.deliver(ids[start : start + 500])
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_daily_digests() -> int:
    """Each morning: one summary e-mail per person who chose the daily digest."""
    from notifications import mail

    return mail.send_digests()
