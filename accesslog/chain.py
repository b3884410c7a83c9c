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


def _ip(value: str | None) -> str | None:
    # Databases print addresses differently (PostgreSQL's inet vs text): hash the
    # exploded form, which every spelling of one address shares.
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).exploded
    except ValueError:
        return value


def canonical(values: dict[str, Any]) -> str:
    """The entry as a compact JSON array in HASHED_FIELDS order (UTC time, plain ids)."""
    row: list[Any] = []
    for name in HASHED_FIELDS:
        value = values.get(name)
        if name == "at":
            value = _utc(value)  # type: ignore[arg-type]
        elif name == "ip":
            value = _ip(value)
        elif name in {"actor_name", "agency_name", "role", "title", "request_id", "object_id"}:
            value = value or ""
        row.append(value)
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(values)).encode()).hexdigest()


def values_of(entry: Any) -> dict[str, Any]:
    """The hashed values of a model instance (or any object with those attributes)."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}
