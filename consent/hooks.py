"""Hooks that must happen: when agencies lose access to a case, their invitations are
withdrawn and their live connections closed (DESIGN rule 7, rule 4 "within a second").

The loss is an `AccessLoss` row written in the transaction of the change that caused it,
so it cannot be lost with the process. Right after commit one attempt carries it out;
`access_losses_retry` (beat, every minute) retries every row not yet done. Carrying out
announces the loss (`access.events.access_lost`) to the meetings app, and is idempotent
(meetings only withdraws invitations still open), so a row done twice, or two rows for
one loss, do no harm.

Access also lapses by time — a consent runs out, or the child turns 15 and the
guardians' answers stop counting — with no write to hang the row on. `lapses_record`
(beat, every minute) finds grants whose end passed since its last run and writes the
same rows, so live connections close within a minute instead of at the hourly sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from access import events
from access.policy import in_force
from access.scoping import system_scope
from consent.models import AccessLoss, ConsentGrant, LapseCheckpoint

logger = logging.getLogger(__name__)

BASIC = "basic"
RETRY_AFTER = timedelta(seconds=30)  # leave the after-commit attempt in progress alone
LAPSE_SWEEP = "grants"
FIRST_LOOKBACK = timedelta(hours=1)  # first run ever: the hourly expiry sweep covered before
# A row still failing after this many attempts (about ten minutes of beat retries) is an
# operations alarm: logged once at ERROR, and counted by the health endpoint until done.
ALERT_AFTER = 10
OVERDUE_AFTER = timedelta(minutes=5)


def access_loss_record(case_id: int, agency_ids: Iterable[int], *, reason: str = "consent") -> AccessLoss | None:
    """Write the row in the caller's transaction and attempt it once after commit."""
    ids = sorted(set(agency_ids))
    if not ids:
        return None
    loss = AccessLoss.objects.create(case_id=case_id, agency_ids=ids, reason=reason)
    loss_id = loss.pk
    transaction.on_commit(lambda: access_loss_carry_out(loss_id), robust=True)
    return loss


def _carry_out(case_id: int, agency_ids: list[int]) -> None:
    """Announce the loss (`access.events.access_lost`): the meetings app, subscribed, closes
    the agencies' live connections for the case, then withdraws their open invitations to
    its future meetings. Raises on failure, or when nobody subscribes (the row stays for a
    retry)."""
    events.announce(events.access_lost, sender="consent", case_id=case_id, agency_ids=agency_ids)


def access_loss_carry_out(loss_id: int) -> bool:
    """Carry out one row unless it is done or another process holds it. True when this
    call completed it; on failure the error is kept on the row and it stays pending."""
    now = timezone.now()
    with transaction.atomic(), system_scope():
        loss = AccessLoss.objects.select_for_update(skip_locked=True).filter(pk=loss_id, done_at__isnull=True).first()
        if loss is None:
            return False
        loss.attempts += 1
        loss.attempted_at = now
        try:
            with transaction.atomic():  # a failure rolls back its own writes, not the bookkeeping
                _carry_out(loss.case_id, list(loss.agency_ids))
        except Exception as error:  # kept on the row and retried by the beat
            logger.exception("access loss %s (case %s, agencies %s) failed", loss.pk, loss.case_id, loss.agency_ids)
            loss.last_error = f"{type(error).__name__}: {error}"[:2000]
            loss.save(update_fields=["attempts", "attempted_at", "last_error"])
            if loss.attempts == ALERT_AFTER:
                logger.error(
                    "ALERT: access loss %s (case %s, agencies %s) still not carried out after %s attempts: "
                    "invitations may stay open and sockets connected for agencies that lost access; last error: %s",
                    loss.pk,
                    loss.case_id,
                    loss.agency_ids,
                    loss.attempts,
                    loss.last_error,
                )
            return False
        loss.done_at = timezone.now()
        loss.save(update_fields=["attempts", "attempted_at", "done_at"])
    return True


def access_losses_retry(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Retry every access loss not yet done (oldest first). Returns how many completed.
    Rows attempted in the last half minute are left to the attempt in progress."""
    now = now or timezone.now()
    with system_scope():
        ids = list(
            AccessLoss.objects.filter(done_at__isnull=True)
            .exclude(attempted_at__gt=now - RETRY_AFTER)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:batch_size]
        )
    return sum(1 for loss_id in ids if access_loss_carry_out(loss_id))


def access_losses_overdue(*, now: datetime | None = None) -> int:
    """How many access losses are still not carried out five minutes after they were
    written: zero in a healthy installation (the health endpoint reports it)."""
    now = now or timezone.now()
    with system_scope():
        return AccessLoss.objects.filter(done_at__isnull=True, created_at__lt=now - OVERDUE_AFTER).count()


def lapses_record(*, now: datetime | None = None) -> int:
    """Find grants that ended by time since the last run (expiry, a 15th birthday, any
    band change) and write an access-loss row for each case whose agencies so lost the
    collaboration or everything they could see. Returns the number of rows written.

    Runs under a lock on its checkpoint row, so two beats never sweep the same window.
    """
    now = now or timezone.now()
    with transaction.atomic(), system_scope():
        checkpoint = LapseCheckpoint.objects.select_for_update(skip_locked=True).filter(name=LAPSE_SWEEP).first()
        if checkpoint is None:
            checkpoint, created = LapseCheckpoint.objects.get_or_create(
                name=LAPSE_SWEEP, defaults={"checked_until": now - FIRST_LOOKBACK}
            )
            if not created:  # another sweep made it a moment ago and holds it
                return 0
            checkpoint = LapseCheckpoint.objects.select_for_update().get(pk=checkpoint.pk)
        since = checkpoint.checked_until
        if since >= now:
            return 0
        lapsed: dict[int, dict[int, set[str]]] = {}
        for case_id, agency_id, code in ConsentGrant.objects.filter(ends_at__gt=since, ends_at__lte=now).values_list(
            "case_id", "agency_id", "category__code"
        ):
            lapsed.setdefault(case_id, {}).setdefault(agency_id, set()).add(code)
        written = 0
        if lapsed:
            still: dict[tuple[int, int], set[str]] = {}
            for case_id, agency_id, code in ConsentGrant.objects.filter(
                in_force(now), case_id__in=list(lapsed)
            ).values_list("case_id", "agency_id", "category__code"):
                still.setdefault((case_id, agency_id), set()).add(code)
            for case_id, agencies in sorted(lapsed.items()):
                lost = [
                    agency_id
                    for agency_id, codes in agencies.items()
                    if not still.get((case_id, agency_id))
                    or (BASIC in codes and BASIC not in still[(case_id, agency_id)])
                ]
                if access_loss_record(case_id, lost, reason="lapsed"):
                    written += 1
        checkpoint.checked_until = now
        checkpoint.save(update_fields=["checked_until"])
    return written
