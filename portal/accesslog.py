"""Writing the access log (DESIGN rule 11). Called by `consent.policy.reading()` only.

Every child-data row read in a scope becomes one entry with its basis: the agency's own
data, the coordinator role, the consent (id and version) that allowed it, or the family.
Entries are written in one insert per request, whatever the number of rows read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from portal.models import AccessLogEntry

if TYPE_CHECKING:
    from consent.policy import NotedRead, ReadContext


def _case_facts(case_ids: set[int]) -> dict[int, tuple[int, int | None, int]]:
    from cases.models import Case

    rows = Case._base_manager.filter(pk__in=case_ids).values_list(
        "pk", "child_id", "coordinator_agency_id", "owner_agency_id"
    )
    return {pk: (child_id, coordinator_agency_id, owner) for pk, child_id, coordinator_agency_id, owner in rows}


def _grant_basis(agency_id: int, case_ids: set[int]) -> dict[tuple[int, str], tuple[int, int]]:
    """(case id, category key) -> (consent id, consent version) of an effective grant."""
    from consent.models import ConsentGrant

    now = timezone.now()
    result: dict[tuple[int, str], tuple[int, int]] = {}
    rows = ConsentGrant._base_manager.filter(
        agency_id=agency_id, case_id__in=case_ids, starts_at__lte=now, ends_at__gt=now
    ).values_list("case_id", "category_id", "category__code", "consent_id", "consent__version")
    for case_id, category_id, code, consent_id, version in rows:
        result[(case_id, code)] = (consent_id, version)
        result[(case_id, f"id:{category_id}")] = (consent_id, version)
    return result


def write_reads(context: ReadContext, reads: list[NotedRead]) -> None:
    viewer = context.viewer
    user = viewer.user
    agency_name = ""
    if viewer.agency_id is not None:
        from agencies.models import Agency

        agency_name = Agency.objects.filter(pk=viewer.agency_id).values_list("name", flat=True).first() or ""
    case_ids = {r.case_id for r in reads if r.case_id is not None}
    facts = _case_facts(case_ids) if case_ids else {}
    grants = _grant_basis(viewer.agency_id, case_ids) if viewer.is_staff and case_ids else {}
    now = timezone.now()
    entries = []
    for read in reads:
        child_id = read.child_id
        consent_id = consent_version = None
        fact = facts.get(read.case_id) if read.case_id is not None else None
        if child_id is None and fact is not None:
            child_id = fact[0]
        if viewer.is_family:
            basis = AccessLogEntry.Basis.FAMILY
        elif read.author_agency_id == viewer.agency_id:
            basis = AccessLogEntry.Basis.OWN
        elif fact is not None and fact[1] == viewer.agency_id and read.object_type in {"cases.Case", "cases.Child"}:
            basis = AccessLogEntry.Basis.COORDINATOR
        else:
            grant = grants.get((read.case_id, read.category or "")) if read.case_id is not None else None
            if grant is not None:
                basis = AccessLogEntry.Basis.CONSENT
                consent_id, consent_version = grant
            elif fact is not None and fact[1] == viewer.agency_id:
                basis = AccessLogEntry.Basis.COORDINATOR
            else:
                basis = AccessLogEntry.Basis.NONE
        entries.append(
            AccessLogEntry(
                at=now,
                actor_id=viewer.user_id,
                actor_name=(user.full_name if user is not None else ""),
                agency_id=viewer.agency_id,
                agency_name=agency_name,
                role=viewer.role,
                child_id=child_id,
                case_id=read.case_id,
                object_type=read.object_type,
                object_id=read.object_id,
                action=read.action,
                basis=basis,
                consent_id=consent_id,
                consent_version=consent_version,
                request_id=context.request_id,
                ip=context.ip,
                chain=f"agency:{viewer.agency_id}" if viewer.agency_id else "family",
            )
        )
    append(entries)


def append(entries: list[AccessLogEntry]) -> None:
    """Append entries to the log. The single place rows enter the log."""
    if not entries:
        return
    with transaction.atomic():
        AccessLogEntry.objects.bulk_create(entries)
