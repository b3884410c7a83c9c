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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.expressions import RawSQL
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

    def bind(self, viewer: Viewer, now: datetime, connection: BaseDatabaseWrapper) -> tuple[Any, ...]:
        values = {
            AGENCY: viewer.agency_id,
            USER: viewer.user_id,
            NOW: connection.ops.adapt_datetimefield_value(now),
        }
        return tuple(values[slot] if slot else param for param, slot in zip(self.params, self.slots, strict=True))


_cache: dict[tuple[str, str, str], CompiledRule] = {}
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
    key = (connection.alias, model._meta.label, viewer_kind(viewer))
    rule = _cache.get(key)
    if rule is None:
        with _lock:
            rule = _cache.get(key)
            if rule is None:
                rule = _cache[key] = compile_rule(model, viewer, connection)
    return rule


def apply(queryset: models.QuerySet[M], viewer: Viewer) -> models.QuerySet[M]:
    """`queryset` filtered by the compiled rule, bound to `viewer` and this moment."""
    connection = connections[queryset.db]
    rule = rule_for(queryset.model, viewer, connection)
    if rule.nothing:
        return queryset.none()
    # The SQL is Django's own compilation of the rule; every value is a bound parameter.
    return queryset.filter(pk__in=RawSQL(rule.sql, rule.bind(viewer, timezone.now(), connection)))  # noqa: S611


def clear() -> None:
    """Forget every compiled rule (tests that change a rule's code; never needed for data)."""
    with _lock:
        _cache.clear()
