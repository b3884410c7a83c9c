"""The facts an access-log entry states besides what was read: who read it (the actor,
the acting agency, role and title), on what basis (own data; the coordinator role; the
consent id and version; the family), and which chain the entry joins. One query for the
cases and the grants, whatever the number of rows read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

from access.policy import in_force
from access.scoping import Viewer
from accesslog.models import AccessLogEntry

BASIC_CATEGORY = "basic"
FAMILY_CHAIN = "family"


def chain_for(viewer: Viewer) -> str:
    return f"agency:{viewer.agency_id}" if viewer.is_staff and viewer.agency_id else FAMILY_CHAIN


def family_chain(child_id: int | None) -> str:
    """The families' reads go to one chain per child ("family:<child id>"): every family
    page in a region appended under one lock when all families shared "family" (issue 16,
    bench/accesslog_append.py). Entries about no child stay in "family"."""
    return f"{FAMILY_CHAIN}:{child_id}" if child_id is not None else FAMILY_CHAIN


def is_family_chain(chain: str) -> bool:
    return chain == FAMILY_CHAIN or chain.startswith(FAMILY_CHAIN + ":")


# --------------------------------------------------------------------------------------
# Facts the basis depends on (one query, whatever the number of rows)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    case_id: int
    child_id: int
    owner_agency_id: int
    coordinator_agency_id: int | None
    is_open: bool


Grants = dict[tuple[int, str], tuple[int, int]]


def _cases(case_ids: set[int], child_ids: set[int]) -> models.QuerySet[Any]:
    from cases.models import Case

    return Case._base_manager.filter(models.Q(pk__in=case_ids) | models.Q(child_id__in=child_ids))


def case_facts(case_ids: set[int], child_ids: set[int]) -> dict[int, CaseFact]:
    """The cases `case_ids` and the cases of the children `child_ids` (one query)."""
    return facts_and_grants(case_ids, child_ids, agency_id=None)[0]


def facts_and_grants(
    case_ids: set[int], child_ids: set[int], *, agency_id: int | None
) -> tuple[dict[int, CaseFact], Grants]:
    """`case_facts`, and with `agency_id` the agency's grants in force on those cases:
    (case id, category key) -> (consent id, consent version), the key being the category's
    code and "id:<category id>". One query: the case rows and the grant rows in one
    UNION ALL, the first column telling them apart and the others shared by position —
    (case id, child, owner, coordinator, status) and (case id, category id, consent id,
    consent version, category code). On PostgreSQL the query is compiled once per process
    and the ids and the moment bound per call (`_compiled`)."""
    if not case_ids and not child_ids:
        return {}, {}
    now = timezone.now()
    with_grants = agency_id is not None
    compiled = _compiled(with_grants) if connection.vendor == "postgresql" else None
    if compiled is not None:
        sql, slots = compiled
        bound: dict[str, Any] = {_CASES: sorted(case_ids), _CHILDREN: sorted(child_ids), _AGENCY: agency_id}
        bound[_NOW] = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(sql, [bound[slot] if isinstance(slot, str) else slot[0] for slot in slots])
            rows: Iterable[tuple[Any, ...]] = cursor.fetchall()
    else:
        rows = _facts_query(case_ids, child_ids, agency_id=agency_id, now=now)
    facts: dict[int, CaseFact] = {}
    grants: Grants = {}
    for kind, case_id, a, b, c, text in rows:
        if kind == _CASE:
            facts[case_id] = CaseFact(case_id, a, b, c, text == "open")
        else:
            grants[(case_id, text)] = (b, c)
            grants[(case_id, f"id:{a}")] = (b, c)
    return facts, grants


def _facts_query(
    case_ids: Collection[int], child_ids: Collection[int], *, agency_id: int | None, now: datetime
) -> models.QuerySet[Any]:
    from consent.models import ConsentGrant

    cases = _cases(set(case_ids), set(child_ids))
    rows = cases.annotate(
        row_kind=models.Value(_CASE),
        row_case=models.F("pk"),
        row_a=models.F("child_id"),
        row_b=models.F("owner_agency_id"),
        row_c=models.F("coordinator_agency_id"),
        row_text=models.F("status"),
    ).values_list(*_COLUMNS)
    if agency_id is not None:
        grant_rows = (
            ConsentGrant._base_manager.filter(in_force(now), agency_id=agency_id, case_id__in=cases.values("pk"))
            .annotate(
                row_kind=models.Value(_GRANT),
                row_case=models.F("case_id"),
                row_a=models.F("category_id"),
                row_b=models.F("consent_id"),
                row_c=models.F("consent__version"),
                row_text=models.F("category__code"),
            )
            .values_list(*_COLUMNS)
        )
        rows = rows.union(grant_rows, all=True)
    return rows


# Sentinels no case, child, agency or moment has: `_compiled` finds them among the
# parameters of the query built for them.
_PROBE_CASE, _PROBE_CHILD, _PROBE_AGENCY = -730_002_101, -730_002_102, -730_002_103
_PROBE_NOW = datetime(1901, 2, 3, 4, 5, 6, 789013, tzinfo=UTC)
_CASES, _CHILDREN, _AGENCY, _NOW = "cases", "children", "agency", "now"
_compiled_sql: dict[bool, tuple[str, tuple[str | tuple[Any], ...]] | None] = {}


def _compiled(with_grants: bool) -> tuple[str, tuple[str | tuple[Any], ...]] | None:
    """The facts query as SQL with, per parameter, what is bound there: a slot's name, or
    a constant of the query (in a 1-tuple). Built from `_facts_query` for sentinel values,
    whose places are found among the parameters; each list of ids (`IN (%s)` for the one
    sentinel) becomes `= ANY(%s::bigint[])`, so one text serves every number of ids. Not
    cached (None: use the queryset) if the compiled text is not of that shape."""
    if with_grants in _compiled_sql:
        return _compiled_sql[with_grants]
    queryset = _facts_query(
        [_PROBE_CASE], [_PROBE_CHILD], agency_id=_PROBE_AGENCY if with_grants else None, now=_PROBE_NOW
    )
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    probe_now = connection.ops.adapt_datetimefield_value(_PROBE_NOW)
    pieces = sql.split("%s")
    result: tuple[str, tuple[str | tuple[Any], ...]] | None = None
    if "%%" not in sql and len(pieces) == len(params) + 1:
        slots: list[str | tuple[Any]] = []
        for i, param in enumerate(params):
            if param in (_PROBE_CASE, _PROBE_CHILD):
                if not (pieces[i].endswith(" IN (") and pieces[i + 1].startswith(")")):
                    break
                pieces[i] = pieces[i][: -len("IN (")] + "= ANY("
                pieces[i + 1] = "::bigint[]" + pieces[i + 1]
                slots.append(_CASES if param == _PROBE_CASE else _CHILDREN)
            elif param == _PROBE_AGENCY:
                slots.append(_AGENCY)
            elif param in (probe_now, _PROBE_NOW):
                slots.append(_NOW)
            elif isinstance(param, datetime):
                break
            else:
                slots.append((param,))
        else:
            text = "%s".join(pieces)
            if not any(str(sentinel) in text for sentinel in (_PROBE_CASE, _PROBE_CHILD, _PROBE_AGENCY)):
                result = text, tuple(slots)
    _compiled_sql[with_grants] = result
    return result


_CASE, _GRANT = 0, 1
_COLUMNS = ("row_kind", "row_case", "row_a", "row_b", "row_c", "row_text")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    agency_id: int | None
    agency_name: str
    role: str
    title: str
    chain: str


def actor_for(viewer: Viewer) -> Actor:
    name = viewer.user.full_name if viewer.user is not None else ""
    agency_name = title = ""
    membership = viewer.membership
    if viewer.is_staff and membership is not None and membership.pk == viewer.membership_id:
        agency_name, title = membership.agency.name, membership.title
    elif viewer.is_staff and viewer.membership_id is not None:
        from agencies.models import Membership

        row = (
            Membership._base_manager.filter(pk=viewer.membership_id)
            .values_list("agency__name", "title", "user__full_name")
            .first()
        )
        if row is not None:
            agency_name, title, name = row[0], row[1], name or row[2]
    elif viewer.is_staff and viewer.agency_id is not None:
        from agencies.models import Agency

        agency_name = Agency.objects.filter(pk=viewer.agency_id).values_list("name", flat=True).first() or ""
    if not name and viewer.user_id is not None:
        from portal.models import User

        name = User.objects.filter(pk=viewer.user_id).values_list("full_name", flat=True).first() or ""
    return Actor(viewer.user_id, name, viewer.agency_id, agency_name, viewer.role, title, chain_for(viewer))


def basis_for(
    viewer: Viewer,
    *,
    author_agency_id: int | None,
    category: str | None,
    facts: list[CaseFact],
    grants: Grants,
    object_type: str,
) -> tuple[str, int | None, int | None]:
    """The basis of a staff member's (or the family's) access: own, coordinator, consent."""
    Basis = AccessLogEntry.Basis
    if viewer.is_family:
        return Basis.FAMILY, None, None
    agency = viewer.agency_id
    if author_agency_id is not None and author_agency_id == agency:
        return Basis.OWN, None, None
    case_level = object_type in {"cases.Case", "cases.Child"} or author_agency_id is None
    if case_level and any(f.owner_agency_id == agency for f in facts):
        return Basis.OWN, None, None
    if case_level and any(f.coordinator_agency_id == agency for f in facts):
        return Basis.COORDINATOR, None, None
    key = category or BASIC_CATEGORY
    for fact in facts:
        grant = grants.get((fact.case_id, key))
        if grant is not None:
            return Basis.CONSENT, grant[0], grant[1]
    # Rows about the collaboration written by another agency (a consent the coordinator
    # asked for) that the opener's and the coordinating agency see by their role.
    if any(f.owner_agency_id == agency for f in facts):
        return Basis.OWN, None, None
    if any(f.coordinator_agency_id == agency for f in facts):
        return Basis.COORDINATOR, None, None
    return Basis.NONE, None, None
