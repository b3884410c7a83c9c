"""Fixtures for the access-log tests: entries made directly, and PostgreSQL-only tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.db import connection

from access.scoping import system_scope
from accesslog.append import append
from accesslog.models import AccessLogEntry


@pytest.fixture(autouse=True)
def _skip_postgres_only(request: pytest.FixtureRequest) -> None:
    # The `postgres` marker (pyproject): skipped on SQLite.
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the append-only triggers exist only there)")


def entries_of(chain: str | None = None, **filters: object) -> list[AccessLogEntry]:
    with system_scope():
        rows = AccessLogEntry.objects.all()
        if chain is not None:
            rows = rows.filter(chain=chain)
        return list(rows.filter(**filters).order_by("chain", "seq"))


@pytest.fixture
def make_entries(db: None) -> Callable[..., list[AccessLogEntry]]:
    """Append `n` entries to `chain` (optionally at a fixed time, for retention tests)."""

    def make(chain: str = "agency:1", n: int = 3, *, at: datetime | None = None, child_id: int = 1) -> list:
        agency_id = int(chain.split(":")[1]) if chain.startswith("agency:") else None
        rows = [
            AccessLogEntry(
                chain=chain,
                actor_name="Test Person",
                agency_id=agency_id,
                agency_name="Testverksamheten",
                role="staff",
                child_id=child_id,
                case_id=10,
                object_type="cases.Case",
                object_id=f"obj-{i}",
                action=AccessLogEntry.Action.VIEW,
                basis=AccessLogEntry.Basis.OWN,
                request_id=f"req-{i}",
                ip="127.0.0.1",
                **({"at": at} if at is not None else {}),
            )
            for i in range(n)
        ]
        with system_scope():
            append(rows, keep_time=at is not None)
        return rows

    return make


def log_entry(**fields: object) -> AccessLogEntry:
    """Append one entry with the given fields (and time, if given) to its chain."""
    defaults: dict[str, object] = {
        "object_type": "cases.Case",
        "object_id": "x",
        "action": AccessLogEntry.Action.VIEW,
        "basis": AccessLogEntry.Basis.OWN,
        "role": "staff",
    }
    defaults.update(fields)
    if "chain" not in defaults:
        agency_id = defaults.get("agency_id")
        defaults["chain"] = f"agency:{agency_id}" if agency_id else "family"
    entry = AccessLogEntry(**defaults)  # type: ignore[arg-type]
    with system_scope():
        append([entry], keep_time="at" in fields)
    return entry


TEST_OWNER, TEST_APP = "samverkan_test_owner", "samverkan_test_app"


@pytest.fixture
def db_roles(db: None) -> dict[str, str | None]:
    """The database roles of the tamper table, by part: the role to `SET ROLE` to, or
    None for the test connection's own (a superuser).

    The production layout of `accesslog.db_roles`, made inside the test's transaction (so
    rolled back with it): both roles, the owner owning everything, the application role
    granted as `migrate` grants it."""
    from accesslog import db_roles as roles

    with connection.cursor() as cursor:
        # Deferred foreign-key checks queued earlier in this transaction (a fixture that
        # wrote reference rows, e.g. after a transactional test flushed them) would make
        # ALTER TABLE ... OWNER refuse ("pending trigger events"): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        roles.create_roles(cursor, owner=TEST_OWNER, app=TEST_APP)
        roles.take_ownership(cursor, owner=TEST_OWNER)
        cursor.execute(f'SET LOCAL ROLE "{TEST_OWNER}"')
        roles.grant(cursor, app=TEST_APP)
        cursor.execute("RESET ROLE")
        assert roles.problems(cursor, app=TEST_APP) == []
    return {"app": TEST_APP, "owner": TEST_OWNER, "superuser": None}


@pytest.fixture
def published_heads(settings, tmp_path):
    """Signed checkpoint heads published outside the database, to a directory of the test's."""
    settings.ACCESS_LOG_HEADS_DIR = str(tmp_path / "heads")
    settings.ACCESS_LOG_SIGNING_KEY = str(tmp_path / "signer" / "key.pem")
    settings.ACCESS_LOG_PUBLIC_KEY = ""
    from accesslog.heads import generate_key

    generate_key(tmp_path / "signer" / "key.pem")
    return tmp_path / "heads"
