"""A county-scale data set for benchmarks (`manage.py seed_scale --children N`).

Sörmland is 9 municipalities and a region: about 60,000 children, 300 agencies, 10,000
staff, 20,000 collaborations and 2,000,000 access-log rows. Everything scales with N:
children N, collaborations N/3, agencies ≈ N/200, staff ≈ N/6, access-log rows ≈ 33·N.

What is in it, so that every page has realistic work to do:

* agencies of every kind per municipality and the region, an admin each, coordinators
  with about 20 collaborations each, staff who are team contacts;
* families with joint and sole custody, separated guardians, siblings, protected
  identity, children with their own account, staff maturity assessments;
* consents in every state (granted, waiting, refused, revoked, expired, narrowed to a
  new version, a child's decisive refusal, the child deciding alone, starting later) and
  the derived `ConsentGrant` rows computed with the same pure rules (`consent.rules`)
  and the same steps as `consent.services.grants_rebuild`;
* mapping, the joint plan with goals, actions and their change history, shared items;
* meetings past and future with invitations, agendas, preparations and minutes
  (`benchdata.meetings`), notifications and reminders in a steady state
  (`benchdata.notifications`);
* the access log: hash-chained per agency and for the families, exactly as
  `accesslog.append.append` would have written it, so `verify_access_log` passes.

Rows go in with COPY on PostgreSQL (`benchdata.bulk`), inside one transaction per
part; the full county loads in a few minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from access.scoping import system_scope
from benchdata.county import County, ScaleReport


def _extra_seeders() -> Iterable[tuple[str, Callable[[County], dict[str, int]]]]:
    """The other apps' county-scale rows: `seed(county)` of each part."""
    from benchdata import meetings, notifications

    yield "meetings", meetings.seed
    yield "notifications", notifications.seed


def seed_scale(children: int, *, seed: int = 2026, log: Callable[[str], None] = print) -> ScaleReport:
    """Create the data set. Deterministic for a given (children, seed)."""
    from benchdata import accesslog, core

    started = time.monotonic()
    county = County.start(children=children, seed=seed, log=log)
    with system_scope():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Bulk load: a lost commit here is a re-run, not lost data.
                cursor.execute("SET synchronous_commit TO off")
        with transaction.atomic():
            core.seed(county)
        for name, seeder in _extra_seeders():
            part = time.monotonic()
            with transaction.atomic():
                county.counts.update(seeder(county))
            log(f"{name}: {time.monotonic() - part:.0f} s")
        part = time.monotonic()
        county.counts["access_log"] = accesslog.seed(county)
        log(f"access log: {time.monotonic() - part:.0f} s")
    if connection.vendor == "postgresql":
        part = time.monotonic()
        with connection.cursor() as cursor:
            # VACUUM as well as ANALYZE: rows loaded by COPY are not yet marked all-visible,
            # so index-only scans (the log review's flags) would read the heap until
            # autovacuum comes by; a county that has been running has been vacuumed.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        log(f"vacuum and analyze: {time.monotonic() - part:.0f} s")
    return ScaleReport(children=children, counts=county.counts, seconds=time.monotonic() - started)
