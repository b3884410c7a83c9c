"""The log is append-only and tamper-evident: numbered hash chains per agency, the
PostgreSQL trigger, and `verify_access_log` finding the first break."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.scoping import system_scope
from accesslog import integrity
from accesslog.append import append
from accesslog.chain import GENESIS, entry_hash, values_of
from accesslog.models import AccessLogEntry
from portal.models import AuditEvent
from tests.accesslog.conftest import entries_of
from tests.world import make_staff

pytestmark = pytest.mark.django_db


def verify_output(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_access_log", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def tamper(sql: str, params: list[object]) -> None:
    """Change the log behind the application's back, as someone with direct database
    access could: on PostgreSQL that takes a superuser who switches triggers off for the
    session (the test database role is one); on SQLite nothing stops it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_each_chain_is_numbered_and_linked_by_hashes(make_entries):
    make_entries("agency:1", 3)
    make_entries("agency:2", 2)
    make_entries("agency:1", 2)
    one = entries_of("agency:1")
    assert [e.seq for e in one] == [1, 2, 3, 4, 5]
    assert one[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(one):
        assert after.prev_hash == before.hash
    for entry in one:
        assert entry.hash == entry_hash(entry.prev_hash, values_of(entry))
    assert [e.seq for e in entries_of("agency:2")] == [1, 2]
    code, out = verify_output()
    assert code == 0, out
    assert "OK      agency:1: 5 entries" in out
    assert "OK      agency:2: 2 entries" in out


def test_hash_covers_utc_time_ids_and_content(make_entries):
    entry = make_entries("agency:1", 1)[0]
    values = values_of(entry)
    for name, other in [
        ("at", entry.at + timedelta(microseconds=1)),
        ("actor_id", 99),
        ("child_id", 2),
        ("object_id", "someone-else"),
        ("basis", "consent"),
        ("outcome", "denied"),
        ("seq", 2),
        ("ip", "10.0.0.1"),
    ]:
        assert entry_hash(GENESIS, {**values, name: other}) != entry.hash, name
    # The same instant in another time zone is the same content.
    stockholm = entry.at.astimezone(timezone.get_default_timezone())
    assert entry_hash(GENESIS, {**values, "at": stockholm}) == entry.hash


def test_verify_reports_a_changed_entry(make_entries):
    make_entries("agency:1", 5)
    victim = entries_of("agency:1")[2]
    tamper("UPDATE portal_accesslogentry SET actor_name = %s WHERE id = %s", ["Någon Annan", victim.pk])
    code, out = verify_output()
    assert code == 1
    assert f"BROKEN  agency:1 at seq 3 (id {victim.pk}): content no longer matches its hash" in out
    assert "2 entries before it verified" in out


def test_verify_reports_a_removed_entry(make_entries):
    make_entries("agency:1", 5)
    victim = entries_of("agency:1")[1]
    tamper("DELETE FROM portal_accesslogentry WHERE id = %s", [victim.pk])
    code, out = verify_output()
    assert code == 1
    assert "BROKEN  agency:1 at seq 3" in out
    assert "entries missing before seq 3 (expected seq 2)" in out


def test_verify_reports_a_rewritten_chain_against_its_checkpoint(make_entries):
    make_entries("agency:1", 4)
    with system_scope():
        assert integrity.checkpoint() == 1
        assert integrity.checkpoint() == 0  # idempotent until the head moves
    # Rewrite entry 2 and re-hash everything after it: the chain is consistent again,
    # but no longer matches the head recorded at the checkpoint.
    rows = entries_of("agency:1")
    rows[1].actor_name = "Någon Annan"
    prev = rows[0].hash
    for row in rows[1:]:
        row.prev_hash = prev
        row.hash = entry_hash(prev, values_of(row))
        tamper(
            "UPDATE portal_accesslogentry SET actor_name = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.actor_name, row.prev_hash, row.hash, row.pk],
        )
        prev = row.hash
    code, out = verify_output()
    assert code == 1
    assert "BROKEN  agency:1 at seq 4" in out
    assert "differs from the checkpoint" in out


def test_verify_reports_entries_removed_from_the_end(make_entries):
    make_entries("agency:1", 4)
    with system_scope():
        integrity.checkpoint()
    last = entries_of("agency:1")[-1]
    tamper("DELETE FROM portal_accesslogentry WHERE id = %s", [last.pk])
    code, out = verify_output("--chain", "agency:1")
    assert code == 1
    assert "checkpointed but the chain ends at seq 3" in out


def test_append_costs_the_same_number_of_queries_for_1_or_many_entries(make_entries):
    make_entries("agency:1", 1)  # the chain exists

    def cost(n: int) -> int:
        rows = [
            AccessLogEntry(chain="agency:1", object_type="cases.Case", object_id=str(i), action="view", basis="own")
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries, system_scope():
            append(rows)
        return len(queries)

    # SQLite inserts at most 999 parameters per statement (~40 entries); PostgreSQL any number.
    many = 200 if connection.vendor == "postgresql" else 35
    # PostgreSQL: one statement (accesslog_append); SQLite: savepoint, lock, head, INSERT, release.
    assert cost(1) == cost(many) == (1 if connection.vendor == "postgresql" else 5)


@pytest.mark.postgres
def test_update_and_delete_of_the_log_fail_on_postgresql(make_entries):
    entry = make_entries("agency:1", 2)[0]
    with system_scope():
        for attempt in (
            lambda: AccessLogEntry.objects.filter(pk=entry.pk).update(actor_name="Någon Annan"),
            lambda: AccessLogEntry.objects.filter(pk=entry.pk).delete(),
            lambda: AccessLogEntry.objects.all().delete(),
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                attempt()
        assert AccessLogEntry.objects.get(pk=entry.pk).actor_name == "Test Person"
        assert AccessLogEntry.objects.count() == 2
    # Raw SQL is refused the same way: the rule is in the database, not in Django.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_accesslogentry SET hash = 'x'")


@pytest.mark.postgres
def test_retention_mode_deletes_only_entries_older_than_five_years(make_entries):
    old = make_entries("agency:1", 1, at=timezone.now() - timedelta(days=5 * 365 + 10))[0]
    young = make_entries("agency:1", 1, at=timezone.now() - timedelta(days=5 * 365 - 10))[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.retention', 'on', true)")
        cursor.execute("DELETE FROM portal_accesslogentry WHERE id = %s", [old.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM portal_accesslogentry WHERE id = %s", [young.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("UPDATE portal_accesslogentry SET actor_name = 'x' WHERE id = %s", [young.pk])
    assert [e.pk for e in entries_of()] == [young.pk]
    # The setting was local to that transaction.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_accesslogentry")


@pytest.mark.postgres
def test_audit_events_are_append_only_on_postgresql(world):
    event = AuditEvent.objects.create(action="test.recorded")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    # Users and agencies can still be removed: the log keeps their ids, nothing cascades.
    leaver = make_staff(world.unrelated, "Lämnar Nu")
    AuditEvent.objects.create(action="test.recorded", actor=leaver.user, agency=world.unrelated)
    with system_scope():  # the access log and the leaver's membership are scoped
        AccessLogEntry.objects.create(
            chain="x", object_type="cases.Case", action="view", basis="own", actor=leaver.user
        )
        leaver.user.delete()
    assert AuditEvent.objects.filter(actor_id=leaver.user_id).count() == 1


@pytest.mark.postgres
# Real transactions in threads; tests/conftest.py restores the data migrations' rows
# (information categories, texts) that the flush after a transactional test removes.
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_a_chain():
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with system_scope():
                    append(
                        [
                            AccessLogEntry(
                                chain="agency:7",
                                object_type="cases.Case",
                                object_id=f"{n}-{i}-{j}",
                                action="view",
                                basis="own",
                            )
                            for j in range(3)
                        ]
                    )
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
    assert [e.seq for e in entries_of("agency:7")] == list(range(1, 4 * 15 * 3 + 1))
    code, out = verify_output()
    assert code == 0, out
