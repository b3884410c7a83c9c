"""Helpers for the query budgets: grow the data around the world's viewers, count the
queries of one page view, and pick out the ones of the consent policy's grant table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.scoping import system_scope
from tests.world import World

GRANT_TABLE = '"consent_consentgrant"'
ACCESS_LOG_INSERT = 'INSERT INTO "portal_accesslogentry"'


def grow(world: World, n: int, *, start: int = 0) -> None:
    """n more of everything the main pages list, around the world's coordinator, the
    consented healthcare staff and the first guardian: collaborations in the caseload
    (each with a meeting, an overdue action and a waiting consent), consents and their
    grants, meetings with invitations, plan actions, notifications and due reminders."""
    from cases import services as case_services
    from notifications import services as notes
    from tests.cases.test_caseload import add_cases
    from tests.meetings.conftest import call_meeting

    add_cases(world, n, start=start)
    with system_scope():
        for i in range(start, start + n):
            world.grant([world.health, world.school, world.coordination], ["basic", "health", "school", "plan"])
            call_meeting(world, purpose=f"Möte nummer {i}")
            case_services.plan_action_create(
                viewer=world.coordinator_viewer,
                case=world.case,
                description=f"Insats nummer {i}",
                due_date=timezone.localdate() + timedelta(days=i + 1),
                responsible_agency_id=world.health.pk,
            )
            notes.notify(
                recipients=[world.coordinator.user, world.health_staff.user, world.guardian1.user],
                kind="meeting.called",
                case=world.case,
            )
            notes.reminder_schedule(
                key=f"perf-{i}",
                kind="preparation.due",
                due_at=timezone.now() - timedelta(minutes=1),
                recipient_ids=[world.health_staff.user_id, world.guardian1.user_id],
                case=world.case,
                agency_id=world.health.pk,
            )


def count(client: Any, url: str, **extra: Any) -> tuple[int, int, list[str]]:
    """(queries, own queries on the grant table, SQL) of one GET that must answer 200.

    The access log's write is counted: on PostgreSQL it is one statement
    (`SELECT * FROM accesslog_append(...)`); on SQLite its INSERT is split into batches by
    the parameter limit, and only the first batch is counted, so the figure does not grow
    with the number of entries."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    sql: list[str] = []
    for query in ctx.captured_queries:
        if query["sql"].startswith(ACCESS_LOG_INSERT) and any(q.startswith(ACCESS_LOG_INSERT) for q in sql):
            continue  # a further batch of the same INSERT
        sql.append(query["sql"])
    return len(sql), len(grant_queries(sql)), sql


def grant_queries(sql: list[str]) -> list[str]:
    """Queries whose own FROM is the grant table (the policy's EXISTS inside a read of
    another table does not count: it is part of that read)."""
    return [q for q in sql if q.split(" FROM ", 1)[-1].startswith(GRANT_TABLE)]
