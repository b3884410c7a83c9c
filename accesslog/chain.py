"""The hash chain of the access log: the canonical form of an entry and its hash.

Each chain ("agency:<id>" per agency, "family:<child id>" for the families' own reads of
one child; "family" for older family entries and any about no child) is a
sequence numbered 1, 2, 3 … by `seq`; each entry's hash is
sha256(previous entry's hash + canonical content of the entry). Changing, removing or
inserting an entry breaks every hash after it, and `verify_access_log` reports the
first break.

This form is frozen: entries written years ago are verified with it. A new form needs a
version marker in the content, never an edit of this one. The data migration that
chained older rows imports it too.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

# The fields covered by the hash, in this order (the row id is not: it is assigned by the
# database after the hash is computed, and `seq` gives the position in the chain).
HASHED_FIELDS = (
    "chain",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "agency_id",
    "agency_name",
    "role",
    "title",
    "child_id",
    "case_id",
    "object_type",
    "object_id",
    "count",
    "action",
    "basis",
    "consent_id",
    "consent_version",
    "request_id",
    "ip",
    "outcome",
)

GENESIS = ""


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=1024)  # a page's entries share one address: parsed once
def _ip(value: str | None) -> str | None:
    # Databases print addresses differently (PostgreSQL's inet vs text): hash the
    # exploded form, which every spelling of one address shares.
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:
        return value


def _value(name: str, value: Any) -> Any:
    if name == "at":
        return _utc(value)
    if name == "ip":
        return _ip(value)
    if name in {"actor_name", "agency_name", "role", "title", "request_id", "object_id"}:
        return value or ""
    return value


# What json.dumps(value, ensure_ascii=False, separators=(",", ":")) builds on every call,
# built once (the same encoder settings, so the same text).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def canonical(values: dict[str, Any]) -> str:
    """The entry as a compact JSON array in HASHED_FIELDS order (UTC time, plain ids)."""
    return _json([_value(name, values.get(name)) for name in HASHED_FIELDS])


def canonical_parts(values: dict[str, Any]) -> tuple[str, str]:
    """The canonical form around `seq` and `at`, the two values known only under the
    chain's lock: `canonical(values)` is ``before + str(seq) + ',"' + utc(at) + '"' + after``
    (the time as `_utc` prints it: digits, '-', ':', '.', 'T' and 'Z', which JSON quotes
    as they are). For the PostgreSQL append function (`accesslog.append`), which numbers
    and times the entries under the lock and hashes prev_hash + that text; the form itself
    is unchanged (a compact JSON array is '[' + its items' JSON joined by ',' + ']')."""
    assert HASHED_FIELDS[1:3] == ("seq", "at")
    items = [_value(name, values.get(name)) for name in HASHED_FIELDS if name not in {"seq", "at"}]
    # The rest as one compact array, its brackets dropped: its items' JSON joined by ",".
    return "[" + _json(items[0]) + ",", "," + _json(items[1:])[1:-1] + "]"


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(values)).encode()).hexdigest()


def values_of(entry: Any) -> dict[str, Any]:
    """The hashed values of a model instance (or any object with those attributes)."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}
