"""Scheduled consent work. Thin: enter the system scope, call the service."""

from celery import shared_task


@shared_task
def record_expired_consents() -> int:
    from consent.services import record_expired

    return record_expired()
