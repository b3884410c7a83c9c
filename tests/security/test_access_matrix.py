"""The access matrix (see README.md): every route × role × consent state → the status the
declarative tables in routes/ expect, with foreign-id probes and a leak check on bodies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from tests.security import matrix
from tests.security.conftest import KEY
from tests.security.routes import lookup, table

pytestmark = pytest.mark.django_db

ENTRIES = table()
# Kwargs built the same way on every route unless an entry says otherwise.
DEFAULT_KWARGS = {
    "case_uuid": lambda w, foreign: w.uuid_of("case", foreign),
    "consent_uuid": lambda w, foreign: w.uuid_of("consent", foreign),
    "item_uuid": lambda w, foreign: w.uuid_of("item:school", foreign),
    "challenge_uuid": lambda w, foreign: w.uuid_of("challenge", foreign),
}
OBJECT_KWARGS = {"case_uuid", "consent_uuid", "item_uuid", "membership_uuid", "uuid", "meeting_uuid"}
NOT_ABOUT_THE_OBJECT = {401, 403, 405}  # answers given before any object is looked up
FOREIGN_SIDE = {"unrelated_staff", "unrelated_guardian"}  # the other family's own people
# 403s given after the object is found (a refusal for who the caller is, on an object they
# see): with the other family's id the object is not found first, so those are 404.
REFUSED_AFTER_LOOKUP = {
    "meeting-cancel": lambda role: True,
    "consent-decisions": lambda role: role in matrix.STAFF_ROLES,
}


def test_every_route_has_an_entry():
    """A new route fails here until its expectations are declared in routes/<app>.py."""
    routes = matrix.discover()
    missing = sorted(r.name + "  (" + r.pattern + ")" for r in routes if lookup(r.name, ENTRIES) is None)
    assert not missing, "Routes with no access-matrix entry (add them to tests/security/routes/<app>.py):\n" + (
        "\n".join(missing)
    )
    names = {r.name for r in routes}
    stale = sorted(k for k in ENTRIES if not k.endswith("*") and k not in names)
    assert not stale, f"Entries for routes that no longer exist: {stale}"


def _url(route: matrix.Route, entry: matrix.Entry, mw: matrix.MatrixWorld, foreign: bool) -> str:
    kwargs = {}
    for name in route.kwarg_names:
        if name == "format":
            continue
        builder = entry.kwargs.get(name) or DEFAULT_KWARGS.get(name)
        assert builder is not None, f"{route.name}: no way to build kwarg {name!r}; add it to the entry's kwargs"
        kwargs[name] = str(builder(mw, foreign))
    if route.name.startswith("<unnamed> "):
        path = "/" + route.pattern
        for name, value in kwargs.items():
            path = path.replace(f"<path:{name}>", value).replace(f"(?P<{name}>.*)$", value)
        return path
    return reverse(route.name, kwargs=kwargs)


def _leaks(role: str, state: str, body: str) -> list[str]:
    found = []
    for title, (author, code) in matrix.MARKERS.items():
        if title in body and not matrix.sees_item(role, state, author=author, code=code):
            found.append(title)
    if role not in FOREIGN_SIDE and matrix.FOREIGN_MARKER in body:
        found.append(matrix.FOREIGN_MARKER)
    if matrix.CHILD_NAME in body and not matrix.sees_case(role, state):
        found.append(matrix.CHILD_NAME)
    return found


# The states are split over four files so pytest-xdist (--dist loadfile) spreads them over
# its workers (each state takes minutes; "granted" the longest, with the foreign probes):
# this file runs the first share, test_access_matrix_more.py, _expired.py and _refused.py
# the others through `run_state`.
SHARES: tuple[tuple[str, ...], ...] = (
    ("granted",),
    ("none", "other_category"),
    ("expired", "revoked"),
    ("refused", "narrowed"),
)
FIRST_STATES = SHARES[0]


def test_every_consent_state_is_in_exactly_one_share():
    shared = [state for share in SHARES for state in share]
    assert sorted(shared) == sorted(matrix.STATES) and len(shared) == len(set(shared))


@pytest.mark.parametrize("state", FIRST_STATES)
def test_access_matrix(world, state, request):
    run_state(world, state, request)


def run_state(world, state, request):  # type: ignore[no-untyped-def]
    mw = matrix.build_state(world, state)
    expected_grants = {agency: codes for agency, codes in matrix.GRANTS[state].items() if codes}
    assert matrix.effective_grants(mw) == expected_grants, "the world does not match the matrix's model"
    clients = {role: mw.client(role) for role in matrix.ROLES}
    routes = [r for r in matrix.discover() if lookup(r.name, ENTRIES) is not None]
    cells = foreign_cells = 0
    unexpected: list[str] = []
    leaks: list[str] = []
    observed: dict[str, dict[str, int]] = {}
    for route in routes:
        entry = lookup(route.name, ENTRIES)
        if not entry.every_state and state != matrix.ONE_STATE:
            continue
        probes = [False]
        # The other family's objects do not depend on our consent states: probe them once.
        if entry.foreign and OBJECT_KWARGS & set(route.kwarg_names) and state == matrix.ONE_STATE:
            probes.append(True)
        for foreign in probes:
            url = _url(route, entry, mw, foreign)
            for role in matrix.ROLES:
                if foreign and role in FOREIGN_SIDE:
                    continue
                methods = [("GET", entry.get)]
                if entry.post is not None:
                    methods.append(("POST", entry.post))
                for method, rule in methods:
                    expected = rule(role, state)
                    before_lookup = expected in NOT_ABOUT_THE_OBJECT or (role == "anonymous" and expected == 302)
                    after_lookup = REFUSED_AFTER_LOOKUP.get(route.name)
                    if expected == 403 and after_lookup is not None and after_lookup(role):
                        before_lookup = False
                    if foreign and not before_lookup:
                        expected = 404
                    data = entry.data(mw) if callable(entry.data) else entry.data
                    extra = {"HTTP_ACCEPT": "application/json"} if entry.api else {}
                    with transaction.atomic():
                        if method == "GET":
                            response = clients[role].get(url, **extra)
                        else:
                            response = clients[role].post(url, data, **extra)
                        transaction.set_rollback(True)
                    cells += 1
                    foreign_cells += foreign
                    observed.setdefault(f"{method} {route.name}{' F' if foreign else ''}", {})[role] = (
                        response.status_code
                    )
                    where = f"{method} {route.name} {url} as {role}{' (foreign id)' if foreign else ''}"
                    if response.status_code != expected:
                        unexpected.append(f"{where}: expected {expected}, got {response.status_code}")
                    body = (
                        response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
                    )
                    for marker in _leaks(role, state, body):
                        leaks.append(f"{where}: body shows {marker}")
    if os.environ.get("MATRIX_OBSERVE"):  # for writing a new table: dump what the portal answers
        out = Path(os.environ["MATRIX_OBSERVE"]) / f"observed-{state}.json"
        out.write_text(json.dumps(observed, indent=0))
    figures = {
        "state": state,
        "routes": len(routes),
        "roles": len(matrix.ROLES),
        "cells": cells,
        "foreign": foreign_cells,
        "unexpected": unexpected,
        "leaks": leaks,
    }
    request.node.user_properties.append((KEY, json.dumps(figures)))
    assert not unexpected and not leaks, "\n".join(unexpected + leaks)
