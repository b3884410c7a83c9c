"""A page's main query compiled to SQL once per process and kind of viewer, with the
request's values bound per request (issue 15: the collaboration page's case query).

The case query of the collaboration page carries six policy-restricted reads folded into
it (`portal.folded`) and the plan's counts; building and compiling it was a third of the
page's CPU, and it was the same work on every request: between two requests of viewers of
one kind (`access.compiled.viewer_kind`) the query differs only in its values — the
viewer's agency and user, the moment the rules compare grant periods with, and what the
request asks for (the case's uuid, today's date). So the first request of a kind builds
the queryset for a *probe*: the viewer of `access.compiled.probe` and a sentinel for each
request value, compiles it, and remembers which parameter is which value. Later requests
bind their own values into those places and run the SQL text as it is.

Safe for consent for the same reason as the compiled rules: what is cached is the SQL,
never its answer — grants, team and invitations are read by that SQL on every request, so
a revocation holds on the very next one. A parameter that is a moment or a date but no
known slot (a value baked in at build time) refuses the query (`PreparedQueryError`).
Under `PORTAL_TESTING` every request also builds and compiles the query afresh for the
real viewer and values and asserts that the cached SQL and bound parameters are the same,
so every test of a page that uses this checks the cache.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.utils import timezone
from django.utils.translation import get_language

from access import compiled, policy
from access.scoping import Viewer

# Sentinels for the request values, by type: no real case or day has them.
PROBE_UUID = uuid.UUID("0badc0de-7300-4015-8a00-000000000731")
PROBE_DATE = datetime.date(1901, 3, 4)
PROBE_KEY = -730_001_541  # a row's key (the next request value of this type: one lower)

Build = Callable[[Viewer, Mapping[str, Any]], models.QuerySet[Any]]


class PreparedQueryError(RuntimeError):
    """The query depends on something that is not a slot (or the cache went wrong)."""


def _probe_value(value: Any, index: int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return PROBE_KEY - index
    if isinstance(value, uuid.UUID):
        return PROBE_UUID
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return PROBE_DATE
    raise PreparedQueryError(f"No sentinel for a request value of type {type(value).__name__}.")


def _forms(value: Any, connection: Any) -> list[tuple[Any, Callable[[Any], Any]]]:
    """The ways a request value can appear among a compiled query's parameters, each with
    the function that gives a real value that form."""
    forms: list[tuple[Any, Callable[[Any], Any]]] = [(value, lambda v: v)]
    if isinstance(value, uuid.UUID):
        forms += [(value.hex, lambda v: v.hex), (str(value), str)]
    elif isinstance(value, datetime.date):
        adapt = connection.ops.adapt_datefield_value
        forms.append((adapt(value), adapt))
    return forms


@dataclass
class _Entry:
    sql: str
    params: tuple[Any, ...]
    # For each parameter: None (a constant), "agency", "user", "now", or ("value", name, form).
    slots: tuple[Any, ...]
    compiler: Any  # the probe's compiler after as_sql: select, klass_info, annotation_col_map
    model: type[models.Model]
    alias: str

    def bind(self, viewer: Viewer, now: datetime.datetime, values: Mapping[str, Any], connection: Any) -> list[Any]:
        moment = connection.ops.adapt_datetimefield_value(now)
        params = list(self.params)
        for i, slot in enumerate(self.slots):
            if slot is None:
                continue
            if slot == compiled.AGENCY:
                params[i] = viewer.agency_id
            elif slot == compiled.USER:
                params[i] = viewer.user_id
            elif slot == compiled.NOW:
                params[i] = moment
            else:
                _value, name, form = slot
                params[i] = form(values[name])
        return params


_cache: dict[tuple[str, str, str, str, str], _Entry] = {}
_lock = threading.Lock()


def _prepare(build: Build, viewer: Viewer, values: Mapping[str, Any], connection: Any) -> _Entry:
    probe = compiled.probe(viewer)
    probes = {name: _probe_value(value, i) for i, (name, value) in enumerate(values.items())}
    before = connection.ops.adapt_datetimefield_value(timezone.now())
    queryset = build(probe, probes)
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    after = connection.ops.adapt_datetimefield_value(timezone.now())
    forms = {name: _forms(probe_value, connection) for name, probe_value in probes.items()}
    slots: list[Any] = []
    for param in params:
        slot: Any = None
        if isinstance(param, bool):
            pass
        elif param == compiled.PROBE_AGENCY:
            slot = compiled.AGENCY
        elif param == compiled.PROBE_USER:
            slot = compiled.USER
        elif isinstance(param, datetime.datetime | str) and type(param) is type(before) and before <= param <= after:
            slot = compiled.NOW  # the moment a rule read while the query was built
        else:
            for name, candidates in forms.items():
                for form_value, form in candidates:
                    if type(param) is type(form_value) and param == form_value:
                        slot = ("value", name, form)
                        break
                if slot is not None:
                    break
        if slot is None and isinstance(param, datetime.date | uuid.UUID):
            raise PreparedQueryError(f"A parameter no request value explains: {param!r}.")
        slots.append(slot)
    for name in probes:
        if not any(isinstance(slot, tuple) and slot[1] == name for slot in slots):
            raise PreparedQueryError(f"The request value {name!r} is not among the query's parameters.")
    sentinels = (compiled.PROBE_AGENCY, compiled.PROBE_USER, PROBE_UUID, PROBE_UUID.hex, PROBE_DATE, *probes.values())
    for sentinel in sentinels:
        if str(sentinel) in sql:
            raise PreparedQueryError(f"The query writes a request value into its SQL text ({sentinel}).")
    return _Entry(
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        compiler=compiler,
        model=queryset.model,
        alias=connection.alias,
    )


def _entry(name: str, build: Build, viewer: Viewer, values: Mapping[str, Any], connection: Any) -> _Entry:
    # The language too: a query may order or label by the reader's language.
    key = (connection.alias, name, viewer.kind, viewer.role, get_language() or "")
    entry = _cache.get(key)
    if entry is None:
        with _lock:
            entry = _cache.get(key)
            if entry is None:
                entry = _cache[key] = _prepare(build, viewer, values, connection)
    return entry


def _check(entry: _Entry, build: Build, viewer: Viewer, values: Mapping[str, Any], bound: list[Any]) -> None:
    """Tests: the query built and compiled afresh for this viewer and these values is the
    cached SQL with these parameters (moments: the ones read while it was built)."""
    connection = connections[entry.alias]
    before = connection.ops.adapt_datetimefield_value(timezone.now())
    sql, params = build(viewer, values).query.get_compiler(connection=connection).as_sql()
    after = connection.ops.adapt_datetimefield_value(timezone.now())
    if sql != entry.sql:
        raise PreparedQueryError(f"The cached SQL differs from a fresh compile:\n{entry.sql}\n---\n{sql}")
    if len(params) != len(bound):
        raise PreparedQueryError("The cached parameters differ in number from a fresh compile.")
    for i, (fresh, cached, slot) in enumerate(zip(params, bound, entry.slots, strict=True)):
        if slot == compiled.NOW:
            if not (type(fresh) is type(before) and before <= fresh <= after):
                raise PreparedQueryError(f"Parameter {i}: a fresh compile has {fresh!r}, not the moment.")
        elif fresh != cached or type(fresh) is not type(cached):
            raise PreparedQueryError(f"Parameter {i}: a fresh compile has {fresh!r}, the cache {cached!r}.")


def rows(name: str, build: Build, *, viewer: Viewer, values: Mapping[str, Any], using: str = "default") -> list[Any]:
    """The rows of `build(viewer, values)` as model instances (its select_related and
    annotations set), noted for the access log as evaluating that queryset would have.

    `name` names the query (one per page shape); `build` must depend on the viewer only
    through its kind, role, agency and user and through the policy, and on the request
    only through `values` (keys, uuids and dates). The SQL is compiled once per process and
    kind of viewer; every value is bound per call."""
    if not (viewer.is_staff or viewer.is_family):  # the system sees all, the anonymous nothing: no rule to bind
        return list(build(viewer, values))
    connection = connections[using]
    entry = _entry(name, build, viewer, values, connection)
    params = entry.bind(viewer, timezone.now(), values, connection)
    if settings.TESTING:
        _check(entry, build, viewer, values, params)
    compiler = entry.compiler
    with connection.cursor() as cursor:
        cursor.execute(entry.sql, params)
        results: list[Any] = cursor.fetchall()
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    fields = [s[0] for s in select[0 : compiler.col_count]]
    converters = [(i, (f.get_db_converters(connection), f)) for i, f in enumerate(fields)]
    converters = [(i, c) for i, c in converters if c[0]]
    if converters and results:
        results = [list(row) for row in results]
        for row in results:
            for pos, (convs, expression) in converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    objs = []
    for row in results:
        obj = model_cls.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr_name, col_pos in annotation_col_map.items():
            setattr(obj, attr_name, row[col_pos])
        objs.append(obj)
    if objs:
        policy.note_read(viewer, entry.model, objs)
    return objs


def clear() -> None:
    """Forget every prepared query (tests that change a query's code)."""
    with _lock:
        _cache.clear()
