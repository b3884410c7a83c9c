"""Fast inserts for the county-scale generator.

On PostgreSQL rows go in with COPY (ids reserved from the table's sequence first, so the
caller can point foreign keys at them); elsewhere with `bulk_create`. Model instances
are built as usual, so field defaults (uuids, times) and conversions stay Django's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

BATCH = 5000


def _auto_pk(model: type[models.Model]) -> bool:
    return model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}


def reserve_ids(model: type[models.Model], n: int) -> int:
    """Reserve `n` consecutive ids of `model`'s sequence; returns the first (PostgreSQL)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        if n > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return int(first)


def insert(model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert `objs` (no signals, no `save()`); afterwards each has its primary key."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model._base_manager.bulk_create(objs, batch_size=BATCH)  # type: ignore[attr-defined,no-any-return]
    meta = model._meta
    if _auto_pk(model):
        first = reserve_ids(model, len(objs))
        for offset, obj in enumerate(objs):
            obj.pk = first + offset
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY plain tuples into `table` (PostgreSQL); returns the number of rows."""
    quote = connection.ops.quote_name
    n = 0
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n
