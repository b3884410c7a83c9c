"""Every allowed read of the access matrix writes exactly the expected log entries.

The walk reuses the access matrix (tests/security): its routes, discovered from the
URLconf, its roles and consent states, its world and its expectations. Every cell the
matrix expects to answer 200 to a GET is requested, and the entries that request wrote
are checked both ways:

* nothing shown without an entry (coverage): the child's name, or a marker item's title,
  in the response means an entry for that child / that item;
* nothing logged that should not be (exactness): each entry is the signed-in person
  acting for their agency, allowed, about a row the policy lets them see, with the basis
  the matrix's own model gives (own data, coordinator, the consent id and version that
  grants the category, family), and no row logged twice.

Routes whose pages read no child data write nothing, and that is checked too.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from access import policy
from access.scoping import system_scope
from accesslog.models import LABELS, AccessLogEntry
from tests.accesslog.conftest import entries_of

matrix = pytest.importorskip("tests.security.matrix")
routes_table = pytest.importorskip("tests.security.routes")
access_matrix = pytest.importorskip("tests.security.test_access_matrix")

pytestmark = pytest.mark.django_db

ENTRIES = routes_table.table()
FAMILY = "family"


@dataclass
class Cell:
    route: str
    url: str
    role: str
    entries: list[AccessLogEntry]
    body: str


def _viewer(mw, role: str):  # type: ignore[no-untyped-def]
    from tests.world import family_viewer, staff_viewer

    who = mw.user_for(role)
    if role in matrix.STAFF_ROLES:
        return staff_viewer(who)
    return family_viewer(who, "child" if role == "child" else "guardian")


def _agency(mw, role: str):  # type: ignore[no-untyped-def]
    return getattr(mw.world, matrix.AGENCY[role]) if role in matrix.STAFF_ROLES else None


def _grant(mw, agency, case_id: int, code: str | None, category_id: int | None) -> tuple[int, int] | None:
    """The consent (id, version) that gives `agency` this category of the case now."""
    from consent.models import ConsentGrant

    now = timezone.now()
    grants = ConsentGrant.objects.filter(case_id=case_id, agency=agency, starts_at__lte=now, ends_at__gt=now)
    grants = grants.filter(category_id=category_id) if category_id else grants.filter(category__code=code or "basic")
    found = grants.values_list("consent_id", "consent__version").first()
    return tuple(found) if found else None


def _expected_basis(mw, role: str, obj) -> tuple[str, int | None, int | None]:  # type: ignore[no-untyped-def]
    """The matrix's model of why this person may see this row.

    Who wrote a row and its category are the policy's facts (`policy._describe`); the
    basis follows from them and the matrix's agencies: the author agency's own data; the
    collaboration itself by the opener's (own) or the coordinating agency's role; other
    rows by the consent granting their category; rows about the collaboration another
    agency wrote, by the opener's or coordinator's role.
    """
    if role in matrix.FAMILY_ROLES:
        return ("family", None, None)
    agency = _agency(mw, role)
    label = obj._meta.label
    described = policy._describe(type(obj), obj, "view")
    author = described.author_agency_id if described else getattr(obj, "author_agency_id", None)
    if author == agency.pk:
        return ("own", None, None)
    from cases.models import Case

    if label == "cases.Child":
        cases = list(Case.objects.filter(child=obj))
    elif label == "cases.Guardian":
        cases = list(Case.objects.filter(child__guardianships__guardian=obj).distinct())
    elif hasattr(obj, "child_id") and not hasattr(obj, "case_id"):  # guardianships, maturity assessments
        cases = list(Case.objects.filter(child_id=obj.child_id))
    else:
        case = getattr(obj, "case", None) if label != "cases.Case" else obj
        if case is None and hasattr(obj, "consent"):
            case = obj.consent.case
        cases = [case] if case is not None else []
    owner = any(c.owner_agency_id == agency.pk for c in cases)
    coordinator = any(c.coordinator_agency_id == agency.pk for c in cases)
    if label in {"cases.Case", "cases.Child"} or author is None:
        if owner:
            return ("own", None, None)
        if coordinator:
            return ("coordinator", None, None)
    category = (described.category if described else None) or "basic"
    code, category_id = (None, int(category[3:])) if category.startswith("id:") else (category, None)
    for case in cases:
        grant = _grant(mw, agency, case.pk, code, category_id)
        if grant:
            return ("consent", *grant)
    if owner:
        return ("own", None, None)
    if coordinator:
        return ("coordinator", None, None)
    return ("none", None, None)


def _object(entry: AccessLogEntry):  # type: ignore[no-untyped-def]
    model = apps.get_model(entry.object_type)
    key = "uuid" if any(f.name == "uuid" for f in model._meta.fields) else "pk"
    try:
        uuid.UUID(entry.object_id) if key == "uuid" else int(entry.object_id)
    except ValueError:
        return None
    return model._base_manager.filter(**{key: entry.object_id}).first()


def _problems(mw, cell: Cell) -> list[str]:
    where = f"{cell.route} {cell.url} as {cell.role}"
    role, found = cell.role, []
    user = mw.user_for(role)
    user_id = user.user_id if role in matrix.STAFF_ROLES else user.pk
    agency = _agency(mw, role)
    chain = f"agency:{agency.pk}" if agency is not None else FAMILY
    viewer = _viewer(mw, role)
    seen: set[tuple] = set()
    with system_scope():
        for e in cell.entries:
            key = (e.object_type, e.object_id or e.child_id, e.action, e.basis)
            if key in seen:
                found.append(f"{where}: {e.object_type} {e.object_id} logged twice")
            seen.add(key)
            # The families' reads: one chain per child (accesslog.basis.family_chain).
            expected_chain = chain if agency is not None else f"{FAMILY}:{e.child_id}"
            if (e.actor_id, e.chain, e.outcome) != (user_id, expected_chain, "allowed"):
                found.append(f"{where}: entry as {e.actor_id}/{e.chain}/{e.outcome}")
            if e.basis == "none":
                found.append(f"{where}: {e.object_type} {e.object_id} read with no basis")
            if not e.object_id or e.object_type in LABELS:
                continue
            obj = _object(e)
            if obj is None:
                found.append(f"{where}: {e.object_type} {e.object_id} does not exist")
                continue
            if not policy.can_view(viewer, obj):
                found.append(f"{where}: logged {e.object_type} {e.object_id} the policy hides")
            if e.action == "view" and (e.basis, e.consent_id, e.consent_version) != _expected_basis(mw, role, obj):
                found.append(
                    f"{where}: {e.object_type} basis {(e.basis, e.consent_id, e.consent_version)}, "
                    f"expected {_expected_basis(mw, role, obj)}"
                )
    children = {e.child_id for e in cell.entries}
    # The header names the signed-in person (the child is signed in as herself).
    body = cell.body
    if "</header>" in body:
        body = body[: body.find("<header")] + body[body.find("</header>") :]
    if matrix.CHILD_NAME in body and mw.child.pk not in children and role != "child":
        found.append(f"{where}: shows {matrix.CHILD_NAME} but logged no read of her data")
    if matrix.FOREIGN_MARKER in body and mw.other_child.pk not in children:
        found.append(f"{where}: shows the other family's item but logged nothing about that child")
    items = {(e.object_type, e.object_id) for e in cell.entries}
    listed = {e.object_type for e in cell.entries if not e.object_id}
    for title, (_author, code) in matrix.MARKERS.items():
        shown = mw.objects.get(f"item:{code}")
        if title in body and shown is not None:
            label = shown._meta.label
            if (label, str(shown.uuid)) not in items and label not in listed:
                found.append(f"{where}: shows {title} but logged no read of it")
    return found


def _walk(mw, state: str, quiet: set[str]) -> tuple[list[Cell], list[str]]:
    clients = {role: mw.client(role) for role in matrix.ROLES if role != "anonymous"}
    cells, skipped = [], []
    for route in matrix.discover():
        entry = routes_table.lookup(route.name, ENTRIES)
        if entry is None or route.name in quiet:
            continue  # the access matrix itself fails on a route with no entry
        url = None
        for role in clients:
            if entry.get(role, state) != 200:
                continue
            if url is None:
                try:
                    url = access_matrix._url(route, entry, mw, False)
                except AssertionError:
                    break
            extra = {"HTTP_ACCEPT": "application/json"} if entry.api else {}
            with transaction.atomic():
                response = clients[role].get(url, **extra)
                request_id = response.get("X-Request-ID", "")
                rows = entries_of(request_id=request_id) if request_id else []
                transaction.set_rollback(True)
            if response.status_code != 200:
                skipped.append(f"{route.name} as {role}: {response.status_code}")  # the matrix reports it
                continue
            if getattr(response, "streaming", False):
                body = b"".join(response.streaming_content).decode(errors="replace")
            else:
                body = response.content.decode(errors="replace")
            cells.append(Cell(route.name, url, role, rows, body))
    return cells, skipped


def _shows_child_data(cell: Cell) -> bool:
    return bool(cell.entries) or any(t in cell.body for t in (*matrix.MARKERS, matrix.FOREIGN_MARKER, "Alva"))


def _state_independent(route_name: str) -> bool:
    entry = routes_table.lookup(route_name, ENTRIES)
    return all(len({entry.get(role, state) for state in matrix.STATES}) == 1 for role in matrix.ROLES)


def test_every_allowed_read_writes_exactly_the_expected_entries(db, monkeypatch):
    """All consent states in one test, each in a fresh world rolled back afterwards.

    Routes that read no child data for anyone in the first state (sign-in pages, static
    texts) and whose answers do not depend on consent are walked in that state only.
    """
    from accesslog import family_export
    from tests.world import build_world

    # The PDF is the JSON export's reads rendered by WeasyPrint: same entries, 3 s less.
    monkeypatch.setattr(family_export, "render_pdf", lambda export: b"%PDF-1.7 (not rendered in the walk)")
    quiet: set[str] = set()
    problems: list[str] = []
    summary = []
    # The richest state first: it decides which routes are quiet.
    states = ["granted", *(s for s in matrix.STATES if s != "granted")]
    if os.environ.get("ACCESSLOG_WALK_STATES"):  # e.g. "granted" while developing
        states = os.environ["ACCESSLOG_WALK_STATES"].split(",")
    for n, state in enumerate(states):
        with transaction.atomic():
            with system_scope():
                mw = matrix.build_state(build_world(), state)
            cells, _skipped = _walk(mw, state, quiet)
            with system_scope():
                problems += [f"[{state}] {p}" for cell in cells for p in _problems(mw, cell)]
            transaction.set_rollback(True)
        summary.append(f"{state}: {len(cells)} allowed reads, {sum(1 for c in cells if c.entries)} with entries")
        if n == 0:
            assert cells, "the walk found no allowed reads"
            by_route: dict[str, bool] = {}
            for cell in cells:
                by_route[cell.route] = by_route.get(cell.route, False) or _shows_child_data(cell)
            quiet = {r for r, shows in by_route.items() if not shows and _state_independent(r)}
    print("\n".join(summary))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))
