"""Each access rule compiled to SQL once per process, with the viewer and the moment bound
per query (issue 15, item 3).

Building a rule as Django conditions (`access.policy`) and compiling its nested EXISTS
subqueries cost a quarter of a collaboration page's CPU, and most of it was the same work
on every request: the rule of a model differs between viewers of one kind only in three
values — the agency, the user and the moment. So the first query of a model by a kind of
viewer (staff, agency admin, guardian, child …) builds the rule once for a *probe viewer*
whose ids and moment are sentinels, compiles it to `SELECT id FROM <table> WHERE …`, and
remembers where in the parameters each sentinel sits. Every later query binds the real
agency id, user id and `now` into those places and filters with `pk IN (<that SQL>)`.

What is cached is the shape of the rule, never its answer: grants, invitations and
guardianships are read by the SQL on every query, so a revocation holds on the very next
query in every process. A rule that reads any other value of the viewer, or bakes in a
moment of its own, is refused at compile time (`RuleCompileError`), so the cache cannot
silently serve one viewer's rule to another.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.utils import timezone

from access.scoping import FAMILY, STAFF, Viewer

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

# Values no real row or moment has: a probe viewer carries them, and compiling finds them
# among the SQL parameters.
PROBE_AGENCY = -730_001_531
PROBE_USER = -730_001_532
PROBE_NOW = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)

AGENCY, USER, NOW = "agency", "user", "now"


class RuleCompileError(RuntimeError):
    """A rule depends on something other than the viewer's kind, role, ids and the moment."""


@dataclass(frozen=True)
class CompiledRule:
    """`sql` selects the primary keys the viewer may see; `slots` names, for each of its
    parameters, which bound value goes there (None: a constant of the rule)."""

    label: str
    viewer_kind: str
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]
    nothing: bool = False
    places: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Where each bound value goes, worked out once (bind runs on every query).
        places = {slot: tuple(i for i, s in enumerate(self.slots) if s == slot) for slot in (AGENCY, USER, NOW)}
        object.__setattr__(self, "places", places)

    def bind(self, viewer: Viewer, now: datetime, connection: BaseDatabaseWrapper) -> tuple[Any, ...]:
        params = list(self.params)
        places = self.places
        for i in places[AGENCY]:
            params[i] = viewer.agency_id
        for i in places[USER]:
            params[i] = viewer.user_id
        if places[NOW]:
            moment = connection.ops.adapt_datetimefield_value(now)
            for i in places[NOW]:
                params[i] = moment
        return tuple(params)


_cache: dict[tuple[str, type[models.Model], str, str], CompiledRule] = {}
_lock = threading.Lock()
_compiling: contextvars.ContextVar[bool] = contextvars.ContextVar("policy_compiling", default=False)


def compiling() -> bool:
    """True while a rule is being built for compilation (nested rules then build their
    conditions instead of using their own compiled SQL, so the sentinels flow through)."""
    return _compiling.get()


def now() -> datetime:
    """The moment a rule compares grant periods with: the sentinel while compiling."""
    return PROBE_NOW if _compiling.get() else timezone.now()


def viewer_kind(viewer: Viewer) -> str:
    """What a rule may depend on besides the ids: the kind of viewer and their role."""
    return f"{viewer.kind}:{viewer.role}"


def probe(viewer: Viewer) -> Viewer:
    if viewer.kind == STAFF:
        return Viewer(kind=STAFF, user_id=PROBE_USER, agency_id=PROBE_AGENCY, role=viewer.role)
    if viewer.kind == FAMILY:
        return Viewer(kind=FAMILY, user_id=PROBE_USER, role=viewer.role)
    return Viewer(kind=viewer.kind, role=viewer.role)


@contextmanager
def _compile_mode() -> Iterator[None]:
    token = _compiling.set(True)
    try:
        yield
    finally:
        _compiling.reset(token)


def compile_rule(model: type[models.Model], viewer: Viewer, connection: BaseDatabaseWrapper) -> CompiledRule:
    """Build `model`'s rule for a probe viewer of `viewer`'s kind and compile it."""
    from access.policy import rule_q

    label, kind = model._meta.label, viewer_kind(viewer)
    with _compile_mode():
        condition = rule_q(model, probe(viewer))
        inner = model._base_manager.filter(condition).order_by().values("pk")
        try:
            sql, params = inner.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:
            return CompiledRule(label, kind, "", (), (), nothing=True)
    probe_now = connection.ops.adapt_datetimefield_value(PROBE_NOW)
    slots: list[str | None] = []
    for param in params:
        if param == PROBE_AGENCY:
            slots.append(AGENCY)
        elif param == PROBE_USER:
            slots.append(USER)
        elif param in (probe_now, PROBE_NOW):
            slots.append(NOW)
        elif isinstance(param, datetime):
            raise RuleCompileError(f"The rule of {label} for {kind} holds a moment of its own ({param}).")
        else:
            slots.append(None)
    for sentinel in (str(PROBE_AGENCY), str(PROBE_USER)):
        if sentinel in sql:
            raise RuleCompileError(f"The rule of {label} for {kind} writes a viewer id into its SQL text.")
    return CompiledRule(label, kind, sql, tuple(params), tuple(slots))


def rule_for(model: type[models.Model], viewer: Viewer, connection: BaseDatabaseWrapper) -> CompiledRule:
    key = (connection.alias, model, viewer.kind, viewer.role)  # the kind of viewer (`viewer_kind`)
    rule = _cache.get(key)
    if rule is None:
        with _lock:
            rule = _cache.get(key)
            if rule is None:
                rule = _cache[key] = compile_rule(model, viewer, connection)
    return rule


class RuleCondition:
    """A leaf of a query's WHERE: `<the row's pk> IN (<a compiled rule>)`, with this query's
    values already bound. What `filter(pk__in=RawSQL(...))` adds, without resolving a lookup
    on every query (Django's WhereNode takes any child with `as_sql`, like its ExtraWhere);
    the primary key stays a `Col`, so a query used as a subquery relabels it as usual."""

    __slots__ = ("col", "params", "sql")
    contains_aggregate = False
    contains_over_clause = False
    is_summary = False
    conditional = True

    def __init__(self, col: Any, sql: str, params: tuple[Any, ...]) -> None:
        self.col, self.sql, self.params = col, sql, params

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = compiler.compile(self.col)
        return f"{lhs} IN ({self.sql})", (*lhs_params, *self.params)

    def get_source_expressions(self) -> list[Any]:
        return [self.col]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.col,) = expressions

    def relabeled_clone(self, change_map: dict[str, str]) -> RuleCondition:
        return RuleCondition(self.col.relabeled_clone(change_map), self.sql, self.params)

    def replace_expressions(self, replacements: dict[Any, Any]) -> RuleCondition:
        return RuleCondition(self.col.replace_expressions(replacements), self.sql, self.params)

    def get_group_by_cols(self) -> list[Any]:
        return [self.col]

    def get_refs(self) -> set[Any]:
        return set()

    def __repr__(self) -> str:
        return f"<RuleCondition {self.col!r} IN ({self.sql})>"


def apply(queryset: models.QuerySet[M], viewer: Viewer, *, fresh: bool = False) -> models.QuerySet[M]:
    """`queryset` filtered by the compiled rule, bound to `viewer` and this moment.
    `fresh`: the queryset was just made for this call (a manager's `get_queryset`) and is
    filtered in place instead of cloned."""
    connection = connections[queryset.db]
    rule = rule_for(queryset.model, viewer, connection)
    if rule.nothing:
        return queryset.none()
    if not fresh:
        if queryset.query.is_sliced:
            raise TypeError("Cannot filter a query once a slice has been taken.")
        queryset = queryset._chain()  # type: ignore[attr-defined]
    query = queryset.query
    # The SQL is Django's own compilation of the rule; every value is a bound parameter.
    col = queryset.model._meta.pk.get_col(query.get_initial_alias())
    query.where.add(RuleCondition(col, rule.sql, rule.bind(viewer, timezone.now(), connection)), "AND")
    return queryset


def clear() -> None:
    """Forget every compiled rule (tests that change a rule's code; never needed for data)."""
    with _lock:
        _cache.clear()
