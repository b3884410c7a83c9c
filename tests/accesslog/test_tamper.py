"""The tamper table (issue 16, item 5): each way of rewriting the access log behind the
application's back, tried on PostgreSQL as the role that would try it, and whether the
database refuses it or `verify_access_log` detects it afterwards.

Roles: "app" is the role the portal, workers and beat connect as; "owner" owns the tables
and runs the migrations; "superuser" is the cluster's. The owner and the superuser can
always get past a trigger (ALTER TABLE … DISABLE TRIGGER, session_replication_role): for
them the guarantee is detection, by the hash chain and by the signed heads published
outside the database.

Run with `-v` to read the table: each test id names the scenario, the role and the outcome
it must have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from access.scoping import system_scope
from accesslog import integrity
from accesslog.chain import entry_hash, values_of
from accesslog.models import AccessLogEntry
from tests.accesslog.conftest import entries_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REFUSED = "refused by the database"
DETECTED = "detected by verify"
UNDETECTED = "UNDETECTED"

YOUNG = "agency:1"  # 3 entries six years old, then 3 of today; checkpointed
OLD = "agency:2"  # 4 entries, all six years old; checkpointed


@dataclass
class Log:
    young: list[AccessLogEntry]
    old: list[AccessLogEntry]


def _ids(entries: list[AccessLogEntry]) -> list[int]:
    return [e.pk for e in entries]


def _delete_checkpoints(cursor, chain: str) -> None:
    cursor.execute(
        "DELETE FROM portal_auditevent WHERE action = %s AND data->>'chain' = %s",
        [integrity.CHECKPOINT, chain],
    )


def edit_row(cursor, log: Log) -> None:
    cursor.execute("UPDATE portal_accesslogentry SET actor_name = 'Någon Annan' WHERE id = %s", [log.young[2].pk])


def delete_middle(cursor, log: Log) -> None:
    cursor.execute("DELETE FROM portal_accesslogentry WHERE id = %s", [log.young[2].pk])


def delete_tail(cursor, log: Log) -> None:
    cursor.execute("DELETE FROM portal_accesslogentry WHERE id = ANY(%s)", [_ids(log.young[-2:])])


def delete_tail_and_checkpoints(cursor, log: Log) -> None:
    delete_tail(cursor, log)
    _delete_checkpoints(cursor, YOUNG)


def truncate(cursor, log: Log) -> None:
    cursor.execute("TRUNCATE portal_accesslogentry")


def reorder(cursor, log: Log) -> None:
    a, b = log.young[1], log.young[2]
    cursor.execute("UPDATE portal_accesslogentry SET seq = -seq WHERE id = ANY(%s)", [[a.pk, b.pk]])
    cursor.execute("UPDATE portal_accesslogentry SET seq = %s WHERE id = %s", [b.seq, a.pk])
    cursor.execute("UPDATE portal_accesslogentry SET seq = %s WHERE id = %s", [a.seq, b.pk])


def rewrite_consistently(cursor, log: Log) -> None:
    """Change entry 2 and re-hash every entry after it, and remove the checkpoint events
    that recorded the old head: a chain that is consistent in itself."""
    rows = entries_of(YOUNG)
    rows[1].actor_name = "Någon Annan"
    prev = rows[0].hash
    for row in rows[1:]:
        row.prev_hash, row.hash = prev, entry_hash(prev, values_of(row))
        cursor.execute(
            "UPDATE portal_accesslogentry SET actor_name = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.actor_name, row.prev_hash, row.hash, row.pk],
        )
        prev = row.hash
    _delete_checkpoints(cursor, YOUNG)


def retention_flag_old_tail(cursor, log: Log) -> None:
    """The retention bypass: entries past five years and the checkpoint events that
    recorded them, removed from the end of a quiet chain."""
    cursor.execute("SELECT set_config('app.retention', 'on', true)")
    cursor.execute("DELETE FROM portal_accesslogentry WHERE id = ANY(%s)", [_ids(log.old[-2:])])
    _delete_checkpoints(cursor, OLD)


def forge_retention_anchor(cursor, log: Log) -> None:
    """Pretend retention removed the first four entries of the young chain (two of them
    from today) by writing the anchor event, then remove them."""
    cursor.execute(
        "INSERT INTO portal_auditevent (at, action, object_type, object_id, data) "
        "VALUES (now(), %s, '', '', jsonb_build_object('chain', %s, 'up_to_seq', 4, 'hash', %s::text))",
        [integrity.RETAINED, YOUNG, log.young[3].hash],
    )
    cursor.execute("DELETE FROM portal_accesslogentry WHERE id = ANY(%s)", [_ids(log.young[:4])])


def disable_trigger(then: Callable) -> Callable:
    def run(cursor, log: Log) -> None:
        cursor.execute("ALTER TABLE portal_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        then(cursor, log)

    run.__doc__ = f"disable the triggers, then {then.__name__}"
    return run


def replica_mode(then: Callable) -> Callable:
    def run(cursor, log: Log) -> None:
        cursor.execute("SET LOCAL session_replication_role = replica")
        then(cursor, log)

    return run


# (scenario, role, tampering, expected outcome)
TABLE: list[tuple[str, str, Callable, str]] = [
    ("edit a row", "app", edit_row, REFUSED),
    ("edit a row", "owner", edit_row, REFUSED),
    ("edit a row, trigger disabled", "owner", disable_trigger(edit_row), DETECTED),
    ("delete a middle row", "app", delete_middle, REFUSED),
    ("delete a middle row, trigger disabled", "owner", disable_trigger(delete_middle), DETECTED),
    ("delete the tail", "app", delete_tail, REFUSED),
    ("delete the tail, trigger disabled", "owner", disable_trigger(delete_tail), DETECTED),
    ("delete the tail and the checkpoint events", "app", delete_tail_and_checkpoints, REFUSED),
    (
        "delete the tail and the checkpoint events, trigger disabled",
        "owner",
        disable_trigger(delete_tail_and_checkpoints),
        DETECTED,
    ),
    (
        "delete the tail and the checkpoint events, replication mode",
        "superuser",
        replica_mode(delete_tail_and_checkpoints),
        DETECTED,
    ),
    ("disable the trigger", "app", disable_trigger(edit_row), REFUSED),
    ("disable the trigger, rewrite the chain consistently", "owner", disable_trigger(rewrite_consistently), DETECTED),
    ("truncate the log", "app", truncate, REFUSED),
    ("truncate the log", "owner", truncate, REFUSED),
    ("set the retention flag, delete old tail and checkpoints", "app", retention_flag_old_tail, REFUSED),
    ("forge a retention anchor and delete young entries", "app", forge_retention_anchor, REFUSED),
    (
        "forge a retention anchor and delete young entries, trigger disabled",
        "owner",
        disable_trigger(forge_retention_anchor),
        DETECTED,
    ),
    ("reorder rows", "app", reorder, REFUSED),
    ("reorder rows, trigger disabled", "owner", disable_trigger(reorder), DETECTED),
]


@pytest.fixture
def log(make_entries, db_roles, published_heads) -> Log:
    six_years_ago = timezone.now() - timedelta(days=6 * 365)
    make_entries(YOUNG, 3, at=six_years_ago)
    make_entries(YOUNG, 3)
    make_entries(OLD, 4, at=six_years_ago)
    with system_scope():
        assert integrity.checkpoint() == 2
        assert all(report.ok for report in integrity.verify())
    return Log(young=entries_of(YOUNG), old=entries_of(OLD))


@pytest.fixture
def as_role(db_roles) -> Callable[[str], Iterator[None]]:
    from contextlib import contextmanager

    @contextmanager
    def switch(role: str) -> Iterator[None]:
        name = db_roles[role]
        # Use inside transaction.atomic(): on an error its rollback undoes the SET LOCAL.
        with connection.cursor() as cursor:
            if name:
                cursor.execute(f'SET LOCAL ROLE "{name}"')
            yield
            if name:
                cursor.execute("RESET ROLE")

    return switch


def outcome(role: str, tampering: Callable, log: Log, as_role) -> str:
    try:
        with transaction.atomic(), as_role(role), connection.cursor() as cursor:
            tampering(cursor, log)
    except DatabaseError:
        return REFUSED
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    with system_scope():
        reports = integrity.verify()
    return UNDETECTED if all(report.ok for report in reports) else DETECTED


@pytest.mark.parametrize(
    ("scenario", "role", "tampering", "expected"),
    TABLE,
    ids=[f"{scenario} as {role} -> {expected}" for scenario, role, _t, expected in TABLE],
)
def test_tampering_is_refused_or_detected(scenario, role, tampering, expected, log, as_role):
    assert outcome(role, tampering, log, as_role) == expected


def test_retention_runs_as_the_application_role_and_removes_only_what_is_due(make_entries, as_role):
    from portal.models import AuditEvent
    from web import retention

    old = make_entries(YOUNG, 3, at=timezone.now() - timedelta(days=6 * 365))
    make_entries(YOUNG, 1, at=timezone.now() - timedelta(days=4 * 365))
    make_entries(YOUNG, 2)
    with transaction.atomic(), as_role("app"), system_scope():
        # Asked for a one-day period, the database still keeps five years.
        assert retention.trim_chain(YOUNG, 1, timezone.now()) == 3
        assert retention.trim_chain(YOUNG, 1, timezone.now()) == 0
    assert [e.seq for e in entries_of(YOUNG)] == [4, 5, 6]
    with system_scope():
        anchor = AuditEvent.objects.get(action=integrity.RETAINED)
        assert anchor.data["up_to_seq"] == 3 and anchor.data["hash"] == old[-1].hash
        assert all(report.ok for report in integrity.verify())
    # The function is the application role's only way to delete from the log.
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        as_role("app"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM portal_accesslogentry WHERE chain = %s", [YOUNG])


def test_the_layout_check_names_what_a_role_may_do_that_it_should_not(db_roles):
    from accesslog import db_roles as roles

    with connection.cursor() as cursor:
        assert roles.problems(cursor, app=db_roles["app"]) == []
        # The owner is what the application role must not be.
        found = roles.problems(cursor, app=db_roles["owner"])
        cursor.execute("SELECT current_user")
        superuser = cursor.fetchone()[0]
        assert any("owns" in problem for problem in found)
        assert any("DELETE on portal_accesslogentry" in problem for problem in found)
        assert any("SUPERUSER" in problem for problem in roles.problems(cursor, app=superuser))
