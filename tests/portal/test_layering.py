"""Layering, read from the source (no database): which app imports which, and where the
scope is stepped around.

1. The import graph between the top-level apps, counting imports inside functions too
   (string references — INSTALLED_APPS, `include("…urls")`, the menu's NAV_APPS — are
   not imports and are not counted). Printed (`pytest -s`); `benchdata` (benchmark
   data) must stay a leaf nobody imports, `access` (the access core) imports no app,
   `portal` (the bottom: the User model, audit, viewers, limits, texts, API plumbing,
   settings) imports no domain app, no app imports `web` (the top: URLs, routes,
   middleware, the frame's context, sign-in adapters, demo seed, retention, commands),
   and the pairs of apps that import each other may only become fewer.
2. Pages, selectors, APIs and consumers read through the policy. `system_scope`,
   `_base_manager` and `unscoped` there step around it: each use is listed below with
   its reason, and the list must be exactly what the code holds — it can only shrink.
   `Model._base_manager.none()` (an empty queryset for a DRF view's schema) is allowed.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "access",
    "accesslog",
    "agencies",
    "benchdata",
    "cases",
    "consent",
    "directory",
    "insights",
    "meetings",
    "notifications",
    "portal",
    "web",
)
FORBIDDEN = frozenset({"system_scope", "_base_manager", "unscoped"})
GUARDED_PREFIXES = ("views", "selectors", "api", "consumers")

# (module, enclosing function, name) -> why it is there. Remove an entry when its use goes.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("accesslog/selectors.py", "child_ids_for_personal_number", "system_scope"): (
        "an agency admin filters their own agency's log by a personal number: ids only, never shown"
    ),
    ("accesslog/selectors.py", "_role_exists", "system_scope"): (
        "the log review's 'no active role' flag: an EXISTS over cases/team/log, only a yes/no leaves"
    ),
    ("accesslog/selectors.py", "_burst_children", "system_scope"): (
        "the log review's burst flag: a count of distinct children in the actor's own reads"
    ),
    ("agencies/idp/views.py", "_choices", "system_scope"): (
        "the staff sign-in page lists the agencies with a ready identity provider, before any sign-in"
    ),
    ("cases/selectors.py", "agency_staff", "system_scope"): (
        "active staff of the team's agencies, to choose a contact person from (no child data)"
    ),
    ("cases/selectors.py", "coordinator_candidates", "system_scope"): (
        "memberships of other agencies who may be appointed coordinator; the caller checked the right"
    ),
    ("meetings/selectors.py", "consented_agency_ids", "system_scope"): (
        "agency ids with an effective grant on the case, across agencies; callers checked coordination"
    ),
    ("meetings/selectors.py", "invitable_agencies", "system_scope"): (
        "the team's agencies of the case, to offer as invitees (each only under a consent)"
    ),
}


def _app_modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            yield app, rel, ast.parse(path.read_text(), str(rel))


def imported_apps(tree: ast.AST) -> Iterator[str]:
    """The top-level package of every absolute import, at any depth (functions too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def import_graph() -> dict[str, Counter[str]]:
    graph: dict[str, Counter[str]] = {app: Counter() for app in APPS}
    for app, _rel, tree in _app_modules():
        graph[app].update(other for other in imported_apps(tree) if other in APPS and other != app)
    return graph


def is_guarded(rel: Path) -> bool:
    """views*.py, selectors*.py, api*.py, consumers*.py, and anything in such a package."""
    return any(part.startswith(GUARDED_PREFIXES) for part in rel.with_suffix("").parts[1:])


def scope_escapes(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(enclosing function or class path, name) of each use of a forbidden name."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def where(node: ast.AST) -> str:
        names = []
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(node.name)
        return ".".join(reversed(names)) or "<module>"

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        else:
            continue
        if name not in FORBIDDEN:
            continue
        if name == "_base_manager":
            up = parents.get(node)
            if isinstance(up, ast.Attribute) and up.attr == "none" and isinstance(parents.get(up), ast.Call):
                continue  # Model._base_manager.none(): empty, for an API view's schema
        yield where(node), name


def test_the_scanners_see_imports_in_functions_and_spare_only_base_manager_none():
    tree = ast.parse(
        "import cases.models\n"
        "def f():\n"
        "    from consent import policy\n"
        "    from . import sibling\n"
        "    with system_scope():\n"
        "        Case._base_manager.filter(pk=1)\n"
        "class V:\n"
        "    queryset = Case._base_manager.none()\n"
    )
    assert sorted(imported_apps(tree)) == ["cases", "consent"]
    assert list(scope_escapes(tree)) == [("f", "system_scope"), ("f", "_base_manager")]
    assert is_guarded(Path("cases/views/_base.py")) and is_guarded(Path("meetings/api.py"))
    assert not is_guarded(Path("cases/services.py")) and not is_guarded(Path("views/services.py"))


def test_import_graph_between_apps():
    graph = import_graph()
    print("\nImports between apps (importer -> imported: number of import statements)")
    for app in APPS:
        edges = ", ".join(f"{other} {n}" for other, n in sorted(graph[app].items()))
        print(f"  {app:14} -> {edges or '-'}")
    cycles = sorted(f"{a} <-> {b}" for a in APPS for b in graph[a] if a < b and a in graph[b])
    print("Both ways: " + ", ".join(cycles))
    assert graph["accesslog"]["access"] > 0  # the scan sees the log's policy imports
    assert [app for app in APPS if graph[app]["benchdata"]] == []
    # The access core is the bottom layer: it imports no app (issue 15).
    assert graph["access"] == Counter()
    # The top layer: only the benchmark's data set (a leaf) may import it.
    assert [app for app in APPS if graph[app]["web"] and app != "benchdata"] == []
    # The bottom layer imports the access core only.
    assert set(graph["portal"]) <= {"access"}, graph["portal"]
    # Two-way pairs can only go: 1 (cases <-> consent) once the caseload took its next meeting
    # from meetings (cases.sources); 2 (and cases <-> meetings) once the domain
    # announces events and the portal's pages are in web; 6 when portal's top half moved,
    # 13 when the access core moved out of consent, 14 before.
    assert len(cycles) <= 1, cycles


def test_scope_escapes_in_pages_selectors_apis_and_consumers_are_exactly_the_listed_ones():
    found: Counter[tuple[str, str, str]] = Counter()
    for _app, rel, tree in _app_modules():
        if is_guarded(rel):
            found.update((rel.as_posix(), function, name) for function, name in scope_escapes(tree))
    new = sorted(set(found) - set(ALLOWED))
    gone = sorted(set(ALLOWED) - set(found))
    assert not new, f"system_scope/_base_manager/unscoped in a page, selector, API or consumer: {new}"
    assert not gone, f"no longer used: remove from ALLOWED {gone}"
    assert all(count == 1 for count in found.values()), found  # one use per listed function
