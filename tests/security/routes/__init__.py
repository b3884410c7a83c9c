"""Per-app tables of the access matrix. Each module defines `TABLE: dict[str, Entry]`
keyed by route name ("namespace:name", the DRF basename route "consent-list", or a
prefix ending in "*" for generated families such as "admin:*")."""

from __future__ import annotations

from importlib import import_module

from tests.security.matrix import Entry

APPS = [
    "portal",
    "agencies",
    "cases",
    "consent",
    "meetings",
    "notifications",
    "accesslog",
    "insights",
    "directory",
    "idp",
    "eid",
]


def table() -> dict[str, Entry]:
    merged: dict[str, Entry] = {}
    for app in APPS:
        module = import_module(f"tests.security.routes.{app}")
        for name, entry in module.TABLE.items():
            assert name not in merged, f"{name} is declared twice"
            merged[name] = entry
    return merged


def lookup(name: str, entries: dict[str, Entry]) -> Entry | None:
    if name in entries:
        return entries[name]
    best = None
    for key, entry in entries.items():
        if key.endswith("*") and name.startswith(key[:-1]) and (best is None or len(key) > len(best[0])):
            best = (key, entry)
    return best[1] if best else None
