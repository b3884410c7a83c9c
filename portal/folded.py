"""Reads folded into another query (issue 15: the collaboration page in fewer queries).

A panel that reads the rows of one table for the page's case can instead ride in the
case's own query: `rows_json()` turns a scoped queryset — restricted by the policy like
any read of it, correlated to the outer row by `OuterRef` — into one JSON column of the
outer query (an array of rows, or one row), and `hydrate()` turns that column back into
model instances with their `select_related` relations, then notes them for the access
log exactly as evaluating the queryset would have (`access.policy.note_read`: one call
per read, so "view" for one row and "list" for more, as before).

Rows are ordered as the queryset's own ORDER BY would order them: inside the aggregate
on PostgreSQL (its collation), in Python on SQLite (whose BINARY collation is Python's
string order; SQLite before 3.44 has no ORDER BY inside an aggregate).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import F, JSONField, OrderBy, Subquery
from django.db.models.expressions import OrderByList
from django.utils.dateparse import parse_date, parse_datetime

from access import policy
from access.scoping import Viewer


class _JSONArrayAgg(models.Aggregate):
    """JSONB_AGG (PostgreSQL) / JSON_GROUP_ARRAY (SQLite) of one expression, ordered."""

    function = "JSON_GROUP_ARRAY"
    template = "%(function)s(%(expressions)s%(order_by)s)"
    output_field = JSONField()

    def __init__(self, expression: Any, order_by: Sequence[Any] = ()) -> None:
        self.order_by = OrderByList(*order_by) if order_by else None
        super().__init__(expression)

    def get_source_expressions(self) -> list[Any]:
        return [*super().get_source_expressions(), self.order_by]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        *exprs, self.order_by = exprs
        super().set_source_expressions(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        *source, _filter, order_by = self.get_source_expressions()
        params: list[Any] = []
        for expression in source:
            params.extend(compiler.compile(expression)[1])
        order_sql = ""
        if order_by is not None and connection.vendor == "postgresql":
            order_sql, order_params = compiler.compile(order_by)
            order_sql = " " + order_sql
            params.extend(order_params)
        sql, _params = super().as_sql(compiler, connection, order_by=order_sql, **extra)
        return sql, tuple(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _concrete(model: type[models.Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def _anchor(model: type[models.Model]) -> str:
    """A column of `model` that is not its key: referring to it makes the query join the
    table (a reference to the key would be read from the foreign key's column)."""
    return next(f.attname for f in _concrete(model) if not f.primary_key)


class _Row(models.Func):
    """Every concrete column of a model and, nested, of its selected relations, as one
    JSON object — written out from the model's fields at compile time, so one reference
    per table (which makes the query join it) instead of one expression per column."""

    output_field = JSONField()

    def __init__(self, model: type[models.Model], tree: dict[str, Any]) -> None:
        self.model, self.tree = model, tree
        self.paths: list[tuple[str, type[models.Model]]] = [("", model)]
        self._walk(model, "", tree)
        anchors = [F("pk")] + [F(f"{path}__{_anchor(related)}") for path, related in self.paths[1:]]
        super().__init__(*anchors)

    def _walk(self, model: type[models.Model], prefix: str, tree: dict[str, Any]) -> None:
        for name, subtree in tree.items():
            related = model._meta.get_field(name).related_model
            self.paths.append((prefix + name, related))  # type: ignore[arg-type]
            self._walk(related, f"{prefix}{name}__", subtree)  # type: ignore[arg-type]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        function = "JSONB_BUILD_OBJECT" if connection.vendor == "postgresql" else "JSON_OBJECT"
        aliases = {
            path: col.alias for (path, _model), col in zip(self.paths, self.get_source_expressions(), strict=True)
        }

        def column(alias: str | None, name: str) -> str:
            quoted = compiler.quote_name_unless_alias(name)
            return f"{compiler.quote_name_unless_alias(alias)}.{quoted}" if alias else quoted

        def build(model: type[models.Model], path: str, tree: dict[str, Any]) -> str:
            parts = []
            for field in _concrete(model):  # attnames are identifiers: safe as literals
                parts += [f"'{field.attname}'", column(aliases[path], field.column)]
            for name, subtree in tree.items():
                related = model._meta.get_field(name).related_model
                parts += [f"'{name}'", build(related, f"{path}__{name}" if path else name, subtree)]  # type: ignore[arg-type]
            return f"{function}({', '.join(parts)})"

        return build(self.model, "", self.tree), []


def _tree(paths: Sequence[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("__"):
            node = node.setdefault(part, {})
    return tree


@dataclass(frozen=True)
class Fold:
    """How to fold one read of `model`: the relations it selects, its ORDER BY, and
    `group_by`: the column the outer row's reference filters on (the rows become one
    array), or None for one row (the first by `order_by`)."""

    model: type[models.Model]
    related: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ()
    group_by: str | None = "case_id"


def rows_json(fold: Fold, queryset: models.QuerySet[Any]) -> Subquery:
    """The read as one JSON column: an array of rows, or one row (or NULL). `queryset`:
    the read's rows of `fold.model` (scoped, correlated to the outer row by OuterRef)."""
    row = _Row(fold.model, _tree(fold.related))
    if fold.group_by is None:
        one = queryset.order_by(*fold.order_by).values(row=row)[:1]
        return Subquery(one, output_field=JSONField())
    ordering = [OrderBy(F(key[1:]), descending=True) if key.startswith("-") else F(key) for key in fold.order_by]
    rows = queryset.order_by().values(fold.group_by).annotate(rows=_JSONArrayAgg(row, order_by=ordering)).values("rows")
    return Subquery(rows, output_field=JSONField())


def _datetime(value: Any) -> Any:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is not None and parsed.tzinfo is None:  # SQLite keeps UTC without offset
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) else value


def _same_or(kind: type, to_python: Any) -> Any:
    """A value JSON already gives as the field gives it (text, whole numbers) as it is."""
    return lambda value: value if value.__class__ is kind else to_python(value)


def _converter(field: Any) -> Any:
    """How a column's value as read from JSON becomes what the field gives from a plain
    read (None stays None)."""
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DateField):
        return _date
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.CharField | models.TextField):
        return _same_or(str, field.to_python)
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.IntegerField):
        return _same_or(int, field.to_python)
    return field.to_python


@functools.cache
def _plan(model: type[models.Model]) -> tuple[str, list[str], list[tuple[str, Any]]]:
    """The model's key, its concrete columns' names and each column's converter."""
    fields = _concrete(model)
    return model._meta.pk.attname, [f.attname for f in fields], [(f.attname, _converter(f)) for f in fields]  # type: ignore[union-attr]


def _instance(
    model: type[models.Model], data: dict[str, Any], tree: dict[str, Any], alias: str = "default"
) -> models.Model | None:
    pk, names, converters = _plan(model)
    if data.get(pk) is None:
        return None  # a nullable relation that is not set
    get = data.get
    values = [None if (value := get(name)) is None else convert(value) for name, convert in converters]
    obj = model.from_db(alias, names, values)
    for name, subtree in tree.items():
        field = model._meta.get_field(name)
        field.set_cached_value(obj, _instance(field.related_model, get(name) or {}, subtree, alias))  # type: ignore[arg-type,union-attr]
    return obj


def _sort_key(obj: Any, key: str) -> Any:
    value = obj
    for part in key.lstrip("-").split("__"):
        value = getattr(value, part)
    return (value is not None, value)


def hydrate(viewer: Viewer, fold: Fold, value: Any, **attrs: Any) -> list[Any]:
    """The rows of a folded read as model instances, noted for the access log as the
    read itself would have noted them. `attrs`: attributes to set on every row first
    (what the read annotated, e.g. the case id the log ties a row to)."""
    if value is None:
        data: list[dict[str, Any]] = []
    elif isinstance(value, dict):
        data = [value]
    else:
        data = list(value)
    model = fold.model
    tree = _tree(fold.related)
    alias = connection.alias
    rows = [_instance(model, row, tree, alias) for row in data]
    for name, attr in attrs.items():
        for obj in rows:
            setattr(obj, name, attr)
    if fold.group_by is not None and fold.order_by and connection.vendor != "postgresql":
        for key in reversed(fold.order_by):  # stable sorts, last key first
            rows.sort(key=lambda obj, key=key: _sort_key(obj, key), reverse=key.startswith("-"))  # type: ignore[misc]
    if rows and not viewer.is_system:
        policy.note_read(viewer, model, rows)
    return rows
