"""Scheduled consent work. Thin: enter the system scope, call the service."""

from celery import shared_task


@shared_task
def record_expired_consents() -> int:
    from consent.services import record_expired

    return record_expired()


@shared_task
def record_lapsed_grants() -> int:
    """Every minute: grants that ended by time (expiry, a 15th birthday) since the last
    run become access-loss rows, so live connections close within a minute."""
    from consent.hooks import lapses_record

    return lapses_record()


@shared_task
def retry_access_losses() -> int:
    """Every minute: carry out the access losses whose after-commit attempt failed."""
    from consent.hooks import access_losses_retry

    return access_losses_retry()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def schedule_family_consent_reminders() -> int:
    """Every 15 minutes: reminder rows for the family 30 and 7 days before a consent in
    force runs out (each once; the minute beat sends them)."""
    from consent.reminders import family_expiry_reminders_schedule

    return family_expiry_reminders_schedule()
