"""The family's visits (`accesslog.visits`) found and counted in PostgreSQL.

The same visits `group_visits` makes in Python from the same rows (the newest
`FAMILY_ROWS` entries before the cursor), without bringing the rows to Python: the
database splits each person's entries into visits at pauses of `VISIT_GAP` or more and
returns, for a visit of at most `STEP_LIMIT` entries, its entries one by one (the steps
are listed one by one) and, for a longer one, one row per kind of step and thing read
(action, kind, count, collaboration, object), with how many times and when first and
last. A sitting of thousands of reads is then a few dozen rows, and the page's work is
bounded by what it shows rather than by how long someone kept the page open.

The rows are read through the policy: the statement wraps the scoped queryset's own SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from accesslog.models import AccessLogEntry
from accesslog.visits import VISIT_GAP, Visit

# A visit of more entries than this lists its steps counted by kind, not one by one.
STEP_LIMIT = 100

# The columns a visit reads, as the inner query selects them.
COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "agency_id",
    "agency_name",
    "role",
    "title",
    "action",
    "object_type",
    "object_id",
    "count",
    "case_id",
)

_PERSON = "{t}.actor_id, CASE WHEN {t}.actor_id IS NULL THEN {t}.actor_name END, {t}.agency_id, {t}.agency_name"

# Fixed text: the only text put in is the scoped queryset's own SQL ({inner}); values are parameters.
_SQL = f"""
WITH recent AS (
    SELECT e.*, row_number() OVER (ORDER BY e.at DESC, e.id DESC) AS rn FROM ({{inner}}) e
), marked AS (
    SELECT r.*, CASE WHEN lag(r.at) OVER w IS NULL OR r.at - lag(r.at) OVER w >= %s THEN 1 ELSE 0 END AS starts
    FROM recent r WHERE r.rn <= %s
    WINDOW w AS (PARTITION BY {_PERSON.format(t="r")} ORDER BY r.at, r.id)
), numbered AS (
    SELECT m.*, sum(m.starts) OVER (
        PARTITION BY {_PERSON.format(t="m")} ORDER BY m.at, m.id ROWS UNBOUNDED PRECEDING
    ) AS visit
    FROM marked m
), sized AS (
    SELECT n.*, sum(1) OVER (PARTITION BY {_PERSON.format(t="n")}, n.visit) AS size FROM numbered n
)
SELECT s.actor_id, s.actor_name, s.agency_id, s.agency_name, s.role, s.title, s.visit,
    CASE WHEN s.size <= %s THEN s.id END AS one,
    s.action, s.object_type, s.object_id, s.count, s.case_id,
    sum(1) AS times, min(s.at) AS first_at, max(s.at) AS last_at,
    (array_agg(s.id ORDER BY s.at, s.id))[1] AS first_id,
    (array_agg(s.id ORDER BY s.at DESC, s.id DESC))[1] AS last_id,
    (SELECT max(rn) FROM recent) AS fetched
FROM sized s
GROUP BY {_PERSON.format(t="s")}, s.visit, one, s.actor_name, s.role, s.title,
    s.action, s.object_type, s.object_id, s.count, s.case_id
ORDER BY first_at, first_id
"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class Step:
    """One log entry (`times` 1), or `times` alike entries of a long visit."""

    pk: int
    at: datetime
    last_at: datetime
    newest_id: int
    times: int
    actor_id: int | None
    actor_name: str
    agency_id: int | None
    agency_name: str
    role: str
    title: str
    action: str
    object_type: str
    object_id: str
    count: int
    case_id: int | None


def find_visits(
    entries: QuerySet[AccessLogEntry], limit: int, role_of: Callable[[Any], str]
) -> tuple[list[Visit], bool]:
    """The visits in the newest `limit` of `entries` (newest first by start, as
    `group_visits` orders them), and whether there were more entries than `limit`.
    `entries` is ordered newest first; its first `limit` + 1 rows are read."""
    inner, params = entries.values(*COLUMNS)[: limit + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        args: list[Any] = [*params, VISIT_GAP, limit, STEP_LIMIT]
        cursor.execute(_SQL.format(inner=inner), args)
        rows = cursor.fetchall()
    by_key: dict[tuple[Any, ...], Visit] = {}
    newest: dict[int, tuple[datetime, int, Step]] = {}
    fetched = rows[0][-1] if rows else 0
    for (actor_id, actor_name, agency_id, agency_name, role, title, visit_no, one, action, object_type, object_id,
         count, case_id, times, first_at, last_at, first_id, last_id, _fetched) in rows:  # fmt: skip
        step = Step(
            pk=one if one is not None else first_id,
            at=first_at,
            last_at=last_at,
            newest_id=last_id,
            times=times,
            actor_id=actor_id,
            actor_name=actor_name,
            agency_id=agency_id,
            agency_name=agency_name,
            role=role,
            title=title,
            action=action,
            object_type=object_type,
            object_id=object_id,
            count=count,
            case_id=case_id,
        )
        key = (actor_id if actor_id is not None else actor_name, agency_id, agency_name, visit_no)
        visit = by_key.get(key)
        if visit is None:
            visit = by_key[key] = Visit(name="", role="", agency=agency_name, grouped=one is None)
        visit.entries.append(step)
        latest = newest.get(id(visit))
        if latest is None or (last_at, last_id) > latest[:2]:
            newest[id(visit)] = (last_at, last_id, step)
    for visit in by_key.values():
        _at, _id, step = newest[id(visit)]
        # Named as the newest entry names the person, as `group_visits` does.
        visit.name, visit.role = step.actor_name, role_of(step)
    # Newest start first; visits that start and end together, by their newest entry.
    visits = sorted(
        by_key.values(),
        key=lambda v: (v.start, v.end, newest[id(v)][0], newest[id(v)][1]),
        reverse=True,
    )
    return visits, fetched > limit
