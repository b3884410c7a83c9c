"""Retention (gallring): remove what is due, per principal, and record that it was done.

Scheduled daily (`web.tasks.apply_retention`). Two kinds of data:

* closed collaborations whose `closed_at` is older than the owning principal's
  `closed_case_retention_days`: the case and everything in it, and the child and
  guardians when no other collaboration needs them;
* access-log entries older than the principal's `access_log_retention_days` (at least
  five years; the database refuses younger ones). On PostgreSQL through the one database
  function the application's role may call (`accesslog.db_roles`). Only the oldest part of each chain is
  removed, and the hash of the last removed entry becomes the chain's anchor, so
  `verify_access_log` still checks the rest end to end.

Each removal writes an audit event with what went (ids and counts, never content).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from access.scoping import system_scope
from accesslog.integrity import RETAINED, anchor_proof
from accesslog.models import AccessLogEntry
from portal import audit

logger = logging.getLogger(__name__)

DEFAULT_LOG_RETENTION_DAYS = 5 * 365 + 2


@dataclass
class RetentionResult:
    cases: list[int] = field(default_factory=list)
    children: list[int] = field(default_factory=list)
    guardians: list[int] = field(default_factory=list)
    log_entries: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Closed collaborations
# --------------------------------------------------------------------------------------


def _case_models() -> tuple[list[type[models.Model]], list[type[models.Model]]]:
    """Models with a foreign key to Case: the shared items first, then the rest."""
    from cases.models import Case, CaseItem

    items: list[type[models.Model]] = []
    others: list[type[models.Model]] = []
    for model in apps.get_models():
        if any(f.many_to_one and f.related_model is Case for f in model._meta.get_fields() if f.concrete):
            (items if issubclass(model, CaseItem) else others).append(model)
    return items, others


def _delete_in_some_order(querysets: list[models.QuerySet]) -> None:
    """Delete the querysets, retrying those a PROTECT reference still holds until the
    rows that hold them are gone (items refer to each other within one case)."""
    pending = list(querysets)
    while pending:
        blocked = []
        for queryset in pending:
            try:
                with transaction.atomic():
                    queryset.delete()
            except ProtectedError:
                blocked.append(queryset)
        if len(blocked) == len(pending):
            raise ProtectedError("retention could not order the deletion", set())
        pending = blocked


def _refers_to(model: type[models.Model], case_id: int) -> Q:
    """Rows of `model` that point at the case through any of its foreign keys to Case."""
    from cases.models import Case

    condition = Q(pk__in=[])
    for model_field in model._meta.get_fields():
        if model_field.concrete and model_field.many_to_one and model_field.related_model is Case:
            condition |= Q(**{f"{model_field.name}_id": case_id})
    return condition


def delete_case(case_id: int) -> tuple[list[int], list[int]]:
    """Remove one collaboration and all in it; then the child and guardians no other
    collaboration needs. Returns (child ids, guardian ids) removed. System scope."""
    from cases.models import Case, Child, Guardian

    items, others = _case_models()
    case = Case.objects.get(pk=case_id)
    child_id = case.child_id
    _delete_in_some_order([m._default_manager.filter(case_id=case_id) for m in items])
    _delete_in_some_order([m._default_manager.filter(_refers_to(m, case_id)) for m in others if m is not Case])
    case.delete()
    removed_children: list[int] = []
    removed_guardians: list[int] = []
    if not Case.objects.filter(child_id=child_id).exists():
        guardian_ids = list(Guardian.objects.filter(guardianships__child_id=child_id).values_list("pk", flat=True))
        if _delete_unless_referenced(Child.objects.filter(pk=child_id), "child", child_id):
            removed_children.append(child_id)
        for guardian_id in guardian_ids:
            guardian = Guardian.objects.filter(pk=guardian_id)
            unreferenced = guardian.filter(guardianships__isnull=True).exists()
            if unreferenced and _delete_unless_referenced(guardian, "guardian", guardian_id):
                removed_guardians.append(guardian_id)
    return removed_children, removed_guardians


def _delete_unless_referenced(rows: Any, what: str, pk: int) -> bool:
    """Delete `rows` in a savepoint; keep them (and say so in the log) when something still
    refers to them."""
    try:
        with transaction.atomic():
            rows.delete()
    except ProtectedError:
        logger.info("retention kept %s %s: still referenced", what, pk)
        return False
    return True


def closed_cases_due(now: datetime) -> list[int]:
    from agencies.models import Principal
    from cases.models import Case

    due: list[int] = []
    for principal_id, days in Principal.objects.values_list("pk", "closed_case_retention_days"):
        due += list(
            Case.objects.filter(
                status=Case.Status.CLOSED,
                closed_at__lt=now - timedelta(days=days),
                owner_agency__principal_id=principal_id,
            ).values_list("pk", flat=True)
        )
    return sorted(due)


# --------------------------------------------------------------------------------------
# The access log
# --------------------------------------------------------------------------------------


def log_retention_days(now: datetime | None = None) -> dict[str, int]:
    """Retention per chain: the agency's principal's; the families' chains keep the
    longest any principal asks for (the database function does the same). Family chains
    (one per child) are listed only when they hold an entry past the legal minimum."""
    from agencies.models import Agency

    now = now or timezone.now()
    per_agency = dict(Agency.objects.values_list("pk", "principal__access_log_retention_days"))
    result = {f"agency:{pk}": days for pk, days in per_agency.items()}
    family_days = max([DEFAULT_LOG_RETENTION_DAYS, *per_agency.values()])
    result["family"] = family_days
    old = AccessLogEntry._base_manager.filter(chain__startswith="family:", at__lt=now - timedelta(days=1825))
    for chain in old.values_list("chain", flat=True).distinct():
        result[chain] = family_days
    return result


def trim_chain(chain: str, days: int, now: datetime) -> int:
    """Remove the oldest entries of one chain that are past `days`; keep the anchor.

    On PostgreSQL the application's role may not delete from the log at all: the
    database function `portal_accesslog_retain` (migration 0008, SECURITY DEFINER) works
    out the period from the same rules (`log_retention_days`, never under five years),
    at the database's own clock, and writes the anchor itself. `days` and `now` serve the
    embedded SQLite default, which has no roles."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT portal_accesslog_retain(%s)", [chain])
            return int(cursor.fetchone()[0])
    cutoff = now - timedelta(days=days)
    log = AccessLogEntry._base_manager.filter(chain=chain)
    # The prefix that is entirely older than the cutoff (times within a chain only grow,
    # but take no chances: stop at the first entry that is not yet due).
    first_kept = log.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    due = log.filter(at__lt=cutoff) if first_kept is None else log.filter(seq__lt=first_kept)
    last = due.order_by("-seq").first()
    if last is None:
        return 0
    with transaction.atomic():
        removed, _ = AccessLogEntry._base_manager.filter(chain=chain, seq__lte=last.seq).delete()
        audit.record(
            viewer=None,
            action=RETAINED,
            data={
                "chain": chain,
                "up_to_seq": last.seq,
                "hash": last.hash,
                "removed": removed,
                "cutoff": cutoff.isoformat(),
                "entry": anchor_proof(last),
            },
        )
    return removed


# --------------------------------------------------------------------------------------
# The job
# --------------------------------------------------------------------------------------


def run(*, now: datetime | None = None) -> RetentionResult:
    """Remove everything due. Idempotent: a second run the same day removes nothing."""
    now = now or timezone.now()
    result = RetentionResult()
    with system_scope():
        for case_id in closed_cases_due(now):
            with transaction.atomic():
                children, guardians = delete_case(case_id)
                audit.record(
                    viewer=None,
                    action="retention.case_removed",
                    case_id=case_id,
                    data={"children": children, "guardians": guardians},
                )
            result.cases.append(case_id)
            result.children += children
            result.guardians += guardians
        for chain, days in sorted(log_retention_days(now).items()):
            removed = trim_chain(chain, days, now)
            if removed:
                result.log_entries[chain] = removed
        if result.cases or result.log_entries:
            audit.record(
                viewer=None,
                action="retention.applied",
                data={
                    "cases": result.cases,
                    "children": len(result.children),
                    "guardians": len(result.guardians),
                    "log_entries": result.log_entries,
                },
            )
    return result
