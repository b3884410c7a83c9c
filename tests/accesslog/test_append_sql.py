"""The append in one statement (issue 15): on PostgreSQL `accesslog_append` locks, reads
the heads, numbers, times, hashes and inserts in the database. Its hashes must be exactly
`accesslog.chain.entry_hash`'s, which verification computes in Python."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import system_scope
from accesslog import integrity
from accesslog.append import _lock_key, append
from accesslog.chain import GENESIS, _utc, canonical, canonical_parts, entry_hash, values_of
from accesslog.models import AccessLogEntry
from portal.models import AuditEvent
from tests.accesslog.conftest import entries_of

pytestmark = pytest.mark.django_db

# Values that stress the canonical form: no value, unicode, JSON escapes, control
# characters, addresses spelled several ways, large and negative numbers.
VARIED: list[dict[str, Any]] = [
    {},
    {"actor_name": "Åsa Öberg-Ängström", "agency_name": "Barn- och ungdomspsykiatrin", "title": "kurator"},
    {"actor_name": 'Citat "så här" och \\ bakstreck', "object_id": "a/b?c=d&e"},
    {"actor_name": "rad ett\nrad två\ttab\r\x01\x1f\x7f", "request_id": "\u2028\u2029"},
    {"actor_name": "😀 👨‍👩‍👧 Zoë ñ 漢字 عربى", "role": "guardian"},
    {"ip": "127.0.0.1"},
    {"ip": "2001:DB8:0:0::1"},
    {"ip": "::ffff:10.0.0.1"},
    {"ip": "fe80::1"},
    {"child_id": 2**62, "case_id": 2**53 + 1, "count": 2**31 - 1, "consent_id": 7, "consent_version": -3},
    {"actor_id": None, "agency_id": None, "child_id": None, "case_id": None, "consent_id": None, "ip": None},
    {"action": "list", "basis": "consent", "outcome": "denied", "object_id": "", "count": 0},
    {"object_type": "cases.Guardian", "object_id": "9f1c2d3e-0000-4000-8000-000000000000"},
]

TIMES = [
    datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),
    datetime(2019, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2030, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
]


def _entry(chain: str, n: int, **fields: Any) -> AccessLogEntry:
    values: dict[str, Any] = {
        "chain": chain,
        "actor_id": 11,
        "actor_name": "Test Person",
        "agency_id": 3,
        "agency_name": "Testverksamheten",
        "role": "staff",
        "child_id": 5,
        "case_id": 6,
        "object_type": "cases.Case",
        "object_id": f"obj-{n}",
        "action": "view",
        "basis": "own",
        "request_id": f"req-{n}",
        "ip": "192.0.2.1",
    }
    values.update(fields)
    return AccessLogEntry(**values)


def _check_stored(entries: list[AccessLogEntry]) -> None:
    """Each stored row hashes, by `entry_hash`, to what the database computed, and the
    instances carry what was stored."""
    with system_scope():
        stored = {e.pk: e for e in AccessLogEntry.objects.filter(pk__in=[e.pk for e in entries])}
    assert len(stored) == len(entries)
    for entry in entries:
        row = stored[entry.pk]
        assert row.hash == entry_hash(row.prev_hash, values_of(row)), values_of(row)
        assert (row.seq, row.at, row.prev_hash, row.hash) == (entry.seq, entry.at, entry.prev_hash, entry.hash)


def test_the_parts_around_seq_and_at_rebuild_the_canonical_form():
    for fields in VARIED:
        values = values_of(_entry("agency:3", 1, **fields))
        before, after = canonical_parts(values)
        for seq in (1, 2, 12345678901):
            for at in TIMES:
                expected = canonical({**values, "seq": seq, "at": at})
                assert before + str(seq) + ',"' + _utc(at) + '"' + after == expected


def test_the_hash_form_is_unchanged():
    """An entry hashed by the form before issue 15 still hashes the same: chains already
    written go on verifying."""
    values = {
        "chain": "family:42",
        "seq": 7,
        "at": datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=1))),
        "actor_id": 5,
        "actor_name": 'Åsa "Ö" Öberg\n\\ 😀',
        "agency_id": None,
        "agency_name": "",
        "role": "guardian",
        "title": None,
        "child_id": 42,
        "case_id": None,
        "object_type": "cases.Case",
        "object_id": "a-b",
        "count": 3,
        "action": "list",
        "basis": "family",
        "consent_id": None,
        "consent_version": None,
        "request_id": "r\x01x",
        "ip": "::ffff:10.0.0.1",
        "outcome": "allowed",
    }
    assert entry_hash("ab" * 32, values) == "655a5bba38a413cd3235e9800474aef2fc13afec0a02a3c4e0853b9e50ee089a"


@pytest.mark.postgres
def test_the_database_hashes_as_entry_hash_does_for_varied_entries():
    # One batch over three chains (one already started), then entries with their own times.
    with system_scope():
        append([_entry("agency:3", 0)])
    batch = [_entry(chain, n, **fields) for n, fields in enumerate(VARIED) for chain in ("agency:3", "family:5", "x")]
    with system_scope():
        append(batch)
    kept = [_entry("family:5", 100 + n, at=at, **VARIED[n % len(VARIED)]) for n, at in enumerate(TIMES)]
    with system_scope():
        append(kept, keep_time=True)
    _check_stored(batch + kept)
    assert [e.at for e in kept] == TIMES
    assert [e.seq for e in entries_of("agency:3")] == list(range(1, len(VARIED) + 2))
    assert [e.seq for e in entries_of("family:5")] == list(range(1, len(VARIED) + len(TIMES) + 1))
    with system_scope():
        reports = integrity.verify()
    assert reports and all(report.ok for report in reports), [r.problem for r in reports]


@pytest.mark.postgres
def test_one_statement_for_one_or_many_entries_new_chains_and_chains_after_retention():
    with system_scope():
        append([_entry("agency:3", 0)])
        AuditEvent.objects.create(
            action=integrity.RETAINED, data={"chain": "agency:4", "up_to_seq": 5, "hash": "ab" * 32}
        )
    cases = {
        "one entry": [_entry("agency:3", 1)],
        "200 entries": [_entry("agency:3", n) for n in range(200)],
        "a new chain": [_entry("agency:9", 1)],
        "a chain emptied by retention": [_entry("agency:4", 1), _entry("agency:4", 2)],
        "three chains": [_entry(chain, 1) for chain in ("family:1", "family:2", "agency:3")],
    }
    for name, rows in cases.items():
        with CaptureQueriesContext(connection) as queries, system_scope():
            append(rows)
        assert len(queries) == 1, (name, [q["sql"][:80] for q in queries])
        assert queries[0]["sql"].startswith("SELECT * FROM accesslog_append(")
    retained = cases["a chain emptied by retention"]
    assert [(e.seq, e.prev_hash) for e in retained] == [(6, "ab" * 32), (7, retained[0].hash)]
    assert [e.prev_hash for e in cases["a new chain"]] == [GENESIS]
    _check_stored([e for rows in cases.values() for e in rows])


@pytest.mark.postgres
def test_the_function_takes_the_lock_the_retention_function_takes():
    with transaction.atomic(), system_scope():
        append([_entry("family:77", 1), _entry("agency:3", 1)])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
                "WHERE locktype = 'advisory' AND objsubid = 1 AND pid = pg_backend_pid()"
            )
            held = {key for (key,) in cursor.fetchall()}
    assert {_lock_key("family:77"), _lock_key("agency:3")} <= held


@pytest.mark.postgres
def test_the_application_role_appends_through_the_function(db_roles):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{db_roles["app"]}"')
        with system_scope():
            rows = [_entry("agency:3", n) for n in range(3)]
            append(rows)
        cursor.execute("RESET ROLE")
    _check_stored(rows)


@pytest.mark.postgres
def test_a_pages_log_write_is_one_statement(world):
    client = world.client_for(world.coordinator)
    client.get(reverse("portal:home"))  # the session's first request: sign-in bookkeeping
    url = reverse("cases:detail", args=[world.case.uuid])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    log_sql = [q["sql"] for q in queries if "accesslog" in q["sql"] or "pg_advisory" in q["sql"]]
    assert len(log_sql) == 1 and log_sql[0].startswith("SELECT * FROM accesslog_append("), log_sql
    with system_scope():
        written = AccessLogEntry.objects.filter(actor=world.coordinator.user, case_id=world.case.pk)
        assert written.exists()
        assert all(e.hash == entry_hash(e.prev_hash, values_of(e)) for e in written)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_over_shared_chains_in_autocommit_never_fork_or_deadlock():
    """Writers each append batches over two chains in one statement outside any
    transaction (as a page does): one round trip each, no BEGIN or COMMIT, and every
    chain numbered 1, 2, 3 … with no fork."""
    errors: list[BaseException] = []
    statements: list[int] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(12):
                # Given in either order: the function locks in the chains' sorted order.
                chains = ("family:5", "agency:7") if n % 2 else ("agency:7", "family:5")
                rows = [_entry(chain, i, object_id=f"{n}-{i}-{j}") for chain in chains for j in range(2)]
                with CaptureQueriesContext(connection) as queries, system_scope():
                    assert not connection.in_atomic_block
                    append(rows)
                statements.append(len(queries))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statements == [1] * 4 * 12
    for chain in ("agency:7", "family:5"):
        assert [e.seq for e in entries_of(chain)] == list(range(1, 4 * 12 * 2 + 1))
    with system_scope():
        assert all(report.ok for report in integrity.verify())
