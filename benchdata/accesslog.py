"""Two years of access log for the county: about 33 entries per child.

Each agency's staff read the collaborations their agency is in (views, lists, live
rooms, their own writes, now and then a refused lookup); guardians read their own
children's. Entries are numbered and hashed per chain exactly as
`accesslog.append.append` does (`accesslog.chain`), oldest first, so
`manage.py verify_access_log` passes and the portal appends to each chain's head.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from accesslog.chain import GENESIS, HASHED_FIELDS, entry_hash
from accesslog.models import AccessLogEntry
from benchdata.bulk import copy_rows
from benchdata.county import CaseFacts, County

PER_CHILD = 33
FAMILY_SHARE = 0.12
COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash")

# (object type, action, weight): what staff do in the portal, roughly.
STAFF_READS = [
    ("cases.Case", "view", 30),
    ("cases.Case", "list", 12),
    ("cases.PlanAction", "list", 10),
    ("cases.SharedItem", "view", 8),
    ("meetings.Meeting", "view", 10),
    ("meetings.Preparation", "list", 6),
    ("consent.Consent", "list", 6),
    ("cases.MappingEntry", "list", 5),
    ("meetings.Meeting", "live", 3),
    ("cases.PlanAction", "update", 4),
    ("cases.SharedItem", "create", 2),
    ("meetings.MinuteNote", "list", 4),
]
FAMILY_READS = [
    ("cases.Case", "view", 30),
    ("meetings.Meeting", "view", 25),
    ("cases.PlanAction", "list", 20),
    ("consent.Consent", "view", 15),
    ("meetings.MinuteNote", "list", 10),
]


def _weighted(table: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    return [(kind, action) for kind, action, weight in table for _ in range(weight)]


def seed(county: County) -> int:
    """Write the log chain by chain (one transaction each); returns the number of rows."""
    total = PER_CHILD * county.children
    family_total = int(total * FAMILY_SHARE)
    cases_of: dict[int, list[CaseFacts]] = {}
    for case in county.cases:
        for agency_id in case.team:
            cases_of.setdefault(agency_id, []).append(case)
    pairs = sum(len(v) for v in cases_of.values())
    per_pair = (total - family_total) / max(pairs, 1)
    written = 0
    staff_reads, family_reads = _weighted(STAFF_READS), _weighted(FAMILY_READS)
    for n, (agency_id, cases) in enumerate(sorted(cases_of.items())):
        count = max(1, round(len(cases) * per_pair * county.rng.uniform(0.8, 1.2)))
        rows = [_staff_entry(county, agency_id, county.rng.choice(cases), staff_reads) for _ in range(count)]
        written += _write_chain(f"agency:{agency_id}", rows, n)
    rows = [_family_entry(county, county.rng.choice(county.cases), family_reads) for _ in range(family_total)]
    written += _write_chain("family", rows, len(cases_of))
    county.log(f"access log: {written} entries in {len(cases_of) + 1} chains")
    return written


def _moment(county: County, case: CaseFacts) -> datetime:
    """A time the collaboration was in use, mostly in office hours (Stockholm)."""
    rng = county.rng
    earliest = max(case.opened_at, county.now - timedelta(days=730))
    span = max((county.now - earliest).total_seconds(), 3600)
    day = earliest + timedelta(seconds=rng.uniform(0, span))
    hour = rng.randint(7, 17) if rng.random() < 0.96 else rng.choice([5, 6, 19, 21, 22, 23])
    # Office hours in Stockholm are 6–16 UTC in summer, 7–17 in winter; an hour off is fine.
    moment = day.replace(hour=(hour - 1) % 24, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    return min(moment, county.now - timedelta(seconds=rng.randint(60, 86400)))


def _staff_entry(county: County, agency_id: int, case: CaseFacts, reads: list[tuple[str, str]]) -> dict[str, Any]:
    rng = county.rng
    staff = county.staff_of(agency_id)
    member = county.contact.get((case.id, agency_id)) if rng.random() < 0.7 else None
    member = member or (rng.choice(staff) if staff else county.admin_of[agency_id])
    kind, action = rng.choice(reads)
    if rng.random() < 0.002:
        kind, action = "cases.Case", "view"
    consent = county.consents.get(case.id, [(None, None, None, None, None)])[0]
    if agency_id == case.owner_agency_id:
        basis, consent_id, version = "own", None, None
    elif agency_id == case.coordinator_agency_id:
        basis, consent_id, version = "coordinator", None, None
    else:
        basis, consent_id, version = "consent", consent[0], consent[3]
    outcome = "allowed"
    if rng.random() < 0.002:  # a refused lookup (the 404 the person saw is logged)
        basis, consent_id, version, outcome = "none", None, None, "denied"
    agency = county.agencies[agency_id]
    return {
        "at": _moment(county, case),
        "actor_id": member.user_id,
        "actor_name": county.user_names.get(member.user_id, ""),
        "agency_id": agency_id,
        "agency_name": agency.name,
        "role": member.role,
        "title": member.title,
        "child_id": case.child_id,
        "case_id": case.id,
        "object_type": kind,
        "object_id": "" if action == "list" else str(case.uuid),
        "count": rng.randint(2, 6) if action == "list" else 1,
        "action": action,
        "basis": basis,
        "consent_id": consent_id,
        "consent_version": version,
        "ip": f"10.{agency_id % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "outcome": outcome,
    }


def _family_entry(county: County, case: CaseFacts, reads: list[tuple[str, str]]) -> dict[str, Any]:
    rng = county.rng
    guardians = county.custodians.get(case.child_id) or [0]
    user_id = county.guardian_user.get(rng.choice(guardians))
    kind, action = rng.choice(reads)
    return {
        "at": _moment(county, case),
        "actor_id": user_id,
        "actor_name": "Vårdnadshavare",
        "agency_id": None,
        "agency_name": "",
        "role": "guardian",
        "title": "",
        "child_id": case.child_id,
        "case_id": case.id,
        "object_type": kind,
        "object_id": "" if action == "list" else str(case.uuid),
        "count": rng.randint(2, 5) if action == "list" else 1,
        "action": action,
        "basis": "family",
        "consent_id": None,
        "consent_version": None,
        "ip": f"192.0.2.{rng.randint(1, 254)}",
        "outcome": "allowed",
    }


def _write_chain(chain: str, rows: list[dict[str, Any]], number: int) -> int:
    """Number, link and hash one chain's entries (oldest first) and insert them."""
    rows.sort(key=lambda r: r["at"])
    prev = GENESIS
    out = []
    for seq, row in enumerate(rows, start=1):
        row["chain"], row["seq"] = chain, seq
        row["request_id"] = f"skala-{number:x}-{seq:x}"
        digest = entry_hash(prev, row)
        out.append((*(row[name] for name in HASHED_FIELDS), prev, digest))
        prev = digest
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return copy_rows(AccessLogEntry._meta.db_table, COLUMNS, out)
        objs = [AccessLogEntry(**dict(zip(COLUMNS, values, strict=True))) for values in out]
        AccessLogEntry._base_manager.bulk_create(objs, batch_size=2000)
        return len(objs)
