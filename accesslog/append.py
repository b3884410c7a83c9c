"""Appending to the access log's hash chains: the single place rows enter the log.

Entries are appended to a hash chain per agency, and per child for the families' own
reads (`accesslog.chain`), under a lock, in a fixed number of queries whatever the
number of rows: on PostgreSQL one statement, `SELECT * FROM accesslog_append(...)`
(migration accesslog 0002), which locks, reads the heads, hashes and inserts in the
database; on SQLite (the embedded default) here, in a transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accesslog.chain import GENESIS, _utc, canonical_parts, entry_hash, values_of
from accesslog.models import AccessLogEntry

# Set by the database, not sent: the row id, and what the append function works out
# under the chain's lock.
_COMPUTED = frozenset({"id", "seq", "at", "prev_hash", "hash"})
# What `append_rows` takes: the other columns (attribute name = column name).
COLUMNS = tuple(f.attname for f in AccessLogEntry._meta.concrete_fields if f.column not in _COMPUTED)


def _lock_key(chain: str) -> int:
    """The advisory lock of a chain on PostgreSQL, as `accesslog_append` and the retention
    function (migration portal 0008) compute it in SQL. The key's text predates the app's
    move out of `portal`: it stays, so every appender takes the same lock."""
    return int.from_bytes(hashlib.sha256(f"portal.accesslog:{chain}".encode()).digest()[:8], "big", signed=True)


def append(entries: list[AccessLogEntry], *, keep_time: bool = False) -> None:
    """Append entries to the log: the single place rows enter it.

    Lock the chains touched, read their heads, number and hash the new entries and insert
    them, in a fixed number of queries however many entries and chains (a family page
    touches one chain per child): on PostgreSQL one statement (`_append_in_database`);
    on SQLite a transaction of the lock, the heads (one query per chain), the retention
    anchors when a chain is new, and the INSERT. The time is taken under the lock, so it
    never runs backwards within a chain (`keep_time` keeps the entries' own times: for
    tests and imports only).
    """
    if not entries:
        return
    by_chain: dict[str, list[AccessLogEntry]] = {}
    for entry in entries:
        by_chain.setdefault(entry.chain, []).append(entry)
    chains = sorted(by_chain)  # a fixed order: two appenders never deadlock
    ordered = [entry for chain in chains for entry in by_chain[chain]]
    if connection.vendor == "postgresql":
        _append_in_database(ordered, keep_time=keep_time)
        return
    if connection.vendor != "sqlite":  # pragma: no cover - other databases are not supported
        raise NotImplementedError(connection.vendor)
    with transaction.atomic():
        # Take SQLite's write lock before reading the heads: a write statement (that
        # changes nothing) makes every other writer wait until this transaction ends.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE portal_accesslogentry SET id = id WHERE 0 = 1")
        heads = _heads(chains)
        missing = [chain for chain in chains if chain not in heads]
        if missing:
            # A new chain, or one whose every entry was removed by retention: go on from
            # the retention anchor, so the chain stays one unbroken line.
            from accesslog.integrity import anchors_for

            heads.update(anchors_for(missing))
        now = timezone.now()
        for chain in chains:
            seq, prev = heads.get(chain, (0, GENESIS))
            for entry in by_chain[chain]:
                seq += 1
                entry.seq = seq
                if not keep_time:
                    entry.at = now
                entry.prev_hash = prev
                entry.hash = entry_hash(prev, values_of(entry))
                prev = entry.hash
        AccessLogEntry._base_manager.bulk_create(ordered)


def append_rows(rows: list[dict[str, Any]]) -> None:
    """Append entries given as their columns (every field but the computed ones, by
    attribute name: `COLUMNS`), in the order `append` would take them; nothing is handed
    back. For a page's reads, which are written and forgotten: no model per entry, and on
    PostgreSQL the rows the append function returns are counted, not read. The same
    canonical form and hashes as `append`'s (the values are the ones its models carry)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        append([AccessLogEntry(**row) for row in rows])
        return
    by_chain: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_chain.setdefault(row["chain"], []).append(row)
    payload = []
    for chain in sorted(by_chain):  # a fixed order: two appenders never deadlock
        for row in by_chain[chain]:
            before, after = canonical_parts(row)
            payload.append({**row, "h": before, "t": after})
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accesslog_append(%s::jsonb)", [json.dumps(payload, ensure_ascii=False)])
        made = cursor.rowcount
    if made != len(payload):  # pragma: no cover - the function inserts one row per entry
        raise RuntimeError(f"accesslog_append inserted {made} of {len(payload)} entries")


def _heads(chains: list[str]) -> dict[str, tuple[int, str]]:
    """(seq, hash) of the newest entry of each chain that has one."""
    heads = {}
    for chain in chains:
        row = AccessLogEntry._base_manager.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
        if row is not None:
            heads[chain] = (int(row[0]), str(row[1]))
    return heads


def _append_in_database(entries: list[AccessLogEntry], *, keep_time: bool) -> None:
    """One statement, in autocommit when no transaction is open (a page's reads):
    `accesslog_append` takes the chains' locks, reads their heads (or retention anchors),
    numbers, times and hashes the entries and inserts them (migration accesslog 0002).

    Each entry goes as its columns (plain ints, strings and None: JSON, one parameter
    however many entries) and the canonical form around seq and at
    (`chain.canonical_parts`), so the database's hash is `entry_hash`'s. The entries of a
    chain are together, chains in sorted order."""
    fields = [f for f in AccessLogEntry._meta.concrete_fields if f.column not in _COMPUTED]
    rows: list[dict[str, Any]] = []
    for entry in entries:
        before, after = canonical_parts(values_of(entry))
        row: dict[str, Any] = {f.column: getattr(entry, f.attname) for f in fields}
        row["h"], row["t"] = before, after
        if keep_time:
            row["at"], row["a"] = entry.at.isoformat(), _utc(entry.at)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accesslog_append(%s::jsonb)", [json.dumps(rows, ensure_ascii=False)])
        made = sorted(cursor.fetchall(), key=lambda row: (row[1], row[2]))  # by chain, then seq
    # Within a chain the entries were numbered in the order sent.
    for entry, (pk, chain, seq, at, prev, digest) in zip(entries, made, strict=True):
        if entry.chain != chain:  # pragma: no cover - the function returns one row per entry
            raise RuntimeError(f"accesslog_append returned {chain} for an entry of {entry.chain}")
        entry.pk, entry.seq, entry.at, entry.prev_hash, entry.hash = pk, seq, at, prev, digest
        entry._state.adding = False
        entry._state.db = connection.alias
