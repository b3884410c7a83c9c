"""The Celery app. In the embedded default (no REDIS_URL) tasks run eagerly in-process.

Delivery tasks take ids, are idempotent, and are queued only after commit. The beat
schedule lives here, in code.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "claim-due-reminders": {"task": "notifications.tasks.claim_due_reminders", "schedule": 60.0},
    "sweep-undelivered": {"task": "notifications.tasks.sweep_undelivered", "schedule": 120.0},
    "schedule-overdue-actions": {"task": "notifications.tasks.schedule_overdue_actions", "schedule": 900.0},
    "send-daily-digests": {"task": "notifications.tasks.send_daily_digests", "schedule": crontab(hour=7, minute=0)},
    "record-lapsed-grants": {"task": "consent.tasks.record_lapsed_grants", "schedule": 60.0},
    "retry-access-losses": {"task": "consent.tasks.retry_access_losses", "schedule": 60.0},
    "schedule-family-consent-reminders": {
        "task": "consent.tasks.schedule_family_consent_reminders",
        "schedule": 900.0,
    },
    "expire-consents": {"task": "consent.tasks.record_expired_consents", "schedule": crontab(minute=5)},
    "apply-retention": {"task": "portal.tasks.apply_retention", "schedule": crontab(hour=3, minute=15)},
    # Bounds what a truncation of the log's tail can hide: see accesslog/heads.py.
    "checkpoint-access-log": {"task": "portal.tasks.checkpoint_access_log", "schedule": 300.0},
}
