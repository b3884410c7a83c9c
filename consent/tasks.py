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
