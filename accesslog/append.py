"""Appending to the access log's hash chains: the single place rows enter the log.

Entries are appended to a hash chain per agency, and per child for the families' own
reads (`accesslog.chain`), under a lock, in a fixed number of queries whatever the
number of rows.
"""

from __future__ import annotations

import hashlib

from django.db import connection, transaction
from django.utils import timezone

from accesslog.chain import GENESIS, entry_hash, values_of
from accesslog.models import AccessLogEntry


def _lock_key(chain: str) -> int:
    # The key's text predates the app's move out of `portal`: it stays, so the retention
    # function (migration portal 0008) and any process still running the old code take
    # the same lock.
    return int.from_bytes(hashlib.sha256(f"portal.accesslog:{chain}".encode()).digest()[:8], "big", signed=True)


def _lock_chains(chains: list[str]) -> None:
    """Serialise appends to these chains until the surrounding transaction ends. One
    query however many chains; locks are taken in the order given (sorted by the
    caller), so two appenders never deadlock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A function scan returns the array in order: the locks are taken in that order.
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS t(k)",
                [[_lock_key(chain) for chain in chains]],
            )
        elif connection.vendor == "sqlite":
            # Take SQLite's write lock before reading the head: a write statement (that
            # changes nothing) makes every other writer wait until this transaction ends.
            cursor.execute("UPDATE portal_accesslogentry SET id = id WHERE 0 = 1")
        else:  # pragma: no cover - other databases are not supported
            raise NotImplementedError(connection.vendor)


def _heads(chains: list[str]) -> dict[str, tuple[int, str]]:
    """(seq, hash) of the newest entry of each chain that has one."""
    if connection.vendor != "postgresql":
        heads = {}
        for chain in chains:
            row = AccessLogEntry._base_manager.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
            if row is not None:
                heads[chain] = (int(row[0]), str(row[1]))
        return heads
    with connection.cursor() as cursor:
        # One index probe per chain on (chain, seq), in one statement.
        cursor.execute(
            "SELECT c, h.seq, h.hash FROM unnest(%s::text[]) AS c "
            "JOIN LATERAL (SELECT seq, hash FROM portal_accesslogentry e WHERE e.chain = c "
            "ORDER BY seq DESC LIMIT 1) h ON true",
            [chains],
        )
        return {chain: (int(seq), str(head_hash)) for chain, seq, head_hash in cursor.fetchall()}


def append(entries: list[AccessLogEntry], *, keep_time: bool = False) -> None:
    """Append entries to the log: the single place rows enter it.

    Lock the chains touched, read their heads, number and hash the new entries, insert
    them in one statement — 3 queries (4 when a chain is new) however many entries and
    chains (a family page touches one chain per child). The time is taken under the
    lock, so it never runs backwards within a chain (`keep_time` keeps the entries' own
    times: for tests and imports only).
    """
    if not entries:
        return
    by_chain: dict[str, list[AccessLogEntry]] = {}
    for entry in entries:
        by_chain.setdefault(entry.chain, []).append(entry)
    chains = sorted(by_chain)  # a fixed order: two appenders never deadlock
    with transaction.atomic():
        _lock_chains(chains)
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
        _insert([entry for chain in chains for entry in by_chain[chain]])


def _insert(entries: list[AccessLogEntry]) -> None:
    """One INSERT for the entries. On PostgreSQL the columns go as arrays through UNNEST
    (what bulk_create sends too, without its per-value preparation: ~1,200 values for a
    list page cost more than the rest of the log write). The values are plain ints,
    strings, None and aware datetimes, which the driver adapts as they are."""
    if connection.vendor != "postgresql":
        AccessLogEntry._base_manager.bulk_create(entries)
        return
    fields = [f for f in AccessLogEntry._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Names and types come from the model's metadata only; every value is a parameter.
    sql = "INSERT INTO {} ({}) SELECT * FROM UNNEST({}) RETURNING {}".format(  # noqa: S608
        quote(AccessLogEntry._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields),
        quote(AccessLogEntry._meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[getattr(entry, f.attname) for entry in entries] for f in fields])
        ids = [row[0] for row in cursor.fetchall()]
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
