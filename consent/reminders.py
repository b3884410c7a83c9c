"""The family is reminded before a consent they gave runs out (30 and 7 days before).

Staff reminders are rows scheduled when the consent is asked for (`services.
_schedule_expiry_reminders`). The family's cannot be: whether there is anything to remind
about (every party said yes and nobody took it back) and who the family is (a guardian
who got an account, a child who became a party at 12) are only known near the end. So a
sweep (every 15 minutes, from the beat) looks at the consents in force whose reminder
moment has come and has one `Reminder` row written per (series, 30 or 7), due at once,
by the notifications app (subscribed to `access.events`); the unique key makes a second
run, a retry or a second worker a no-op. The minute beat
(`notifications.tasks.claim_due_reminders`) turns each row into notifications and e-mail
exactly once, after commit, through the policy.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from access import events
from access.policy import in_force
from access.scoping import system_scope
from consent.models import Consent, ConsentGrant

FAMILY_REMINDER_DAYS = (30, 7)
# A reminder to a family arrives in the morning, not at midnight.
FAMILY_REMINDER_HOUR = 8
KIND = "consent.expiring"


def family_key(series: object, days: int) -> str:
    """Under the series' `consent:<series>:` prefix, so closing the case cancels it too."""
    return f"consent:{series}:family-expiring:{days}"


def family_due_at(valid_until: date, days: int) -> datetime:
    """08:00 (Stockholm) on the day that leaves `days` days, today included."""
    day = valid_until + timedelta(days=1) - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(FAMILY_REMINDER_HOUR)))


def _stage(valid_until: date, now: datetime) -> int | None:
    """Which reminder is due now: 7 once its moment has passed (the 30 is then stale and
    never sent late), else 30 once its moment has passed, else none."""
    for days in sorted(FAMILY_REMINDER_DAYS):
        if family_due_at(valid_until, days) <= now:
            return days
    return None


def family_expiry_reminders_schedule(*, now: datetime | None = None) -> int:
    """Write the family's due expiry reminders; returns how many rows were written.

    A consent qualifies when its version in force has not ended, lets at least one agency
    in now (a grant in force: every required party said yes, nobody refused or took it
    back) and its last day is at most 30 days away. Recipients are the custodial
    guardians with an account and the child when the child is a party, as for every
    family notice about a consent; `notify` checks them against the policy when sent.
    Fixed queries, plus one per qualifying consent for its family.
    """
    from consent import services

    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + timedelta(days=max(FAMILY_REMINDER_DAYS))
    with system_scope():
        in_force_now = ConsentGrant.objects.filter(in_force(now), consent_id=OuterRef("pk"))
        candidates = list(
            Consent.objects.filter(
                services.newest_versions_q(),
                Exists(in_force_now),
                ended_at__isnull=True,
                valid_until__gte=today,
                valid_until__lt=horizon,
                case__status="open",
            )
            .select_related("case__child", "case__owner_agency__principal")
            .order_by("valid_until", "id")
        )
        due: dict[str, tuple[Consent, int]] = {}
        for consent in candidates:
            days = _stage(consent.valid_until, now)
            if days is not None:
                due[family_key(consent.series, days)] = (consent, days)
        if not due:
            return 0
        existing = events.ask(events.reminder_keys_written, sender="consent", keys=list(due))
        rows = []
        for key, (consent, _days) in due.items():
            if key in existing:
                continue
            case = consent.case
            recipients = services.family_user_ids(case, include_child=services.party_may_decide(case, services.CHILD))
            if not recipients:
                continue
            rows.append(
                {
                    "key": key,
                    "kind": KIND,
                    "due_at": now,
                    "recipient_ids": sorted(set(recipients)),
                    "case_id": case.pk,
                    "target_url": reverse("consent:family_detail", args=[consent.uuid]),
                }
            )
        # One insert; a concurrent sweep that wrote the same key first wins.
        return events.ask(events.reminders_written, sender="consent", reminders=rows) if rows else 0


def family_reminders_cancel(series: object) -> int:
    """A party said no or took the consent back: unsent family reminders are void."""
    return events.ask(events.reminders_cancelled, sender="consent", key_prefix=f"consent:{series}:family-")
