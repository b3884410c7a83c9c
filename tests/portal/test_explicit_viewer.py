"""The viewer is explicit (issue 15 item 2), read from the source (no database).

Every public selector — a function in an app's `selectors*.py` that a page, API or
consumer calls to read — takes the `viewer` it reads for, so the reader is named at the
call and the rows come from the policy for that viewer, not from whatever scope happens
to be current. The ambient scope stays only as the guard that makes a query outside a
scope fail. Functions that read no child data are listed below with the reason; the list
must be exactly what the code holds, so it can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.portal.test_layering import APPS, ROOT

# (module, function) -> why it needs no viewer.
NOT_YET = "reads in the ambient scope; to take `viewer` (issue 15 item 2)"
NO_VIEWER: dict[tuple[str, str], str] = {
    ("accesslog/selectors.py", "child_ids_for_personal_number"): (
        "an agency admin's log filter by a personal number: ids only, never shown (listed in test_layering)"
    ),
    ("accesslog/selectors.py", "flags_of"): "reads no rows: it turns log entries already read into words",
    ("accesslog/selectors.py", "person_words"): "reads no rows: it turns log entries already read into words",
    ("accesslog/selectors.py", "role_words"): "reads no rows: it turns log entries already read into words",
    ("accesslog/selectors.py", "thing_words"): "reads no rows: it turns log entries already read into words",
    ("directory/selectors.py", "areas"): "municipalities and regions: public, no child data",
    ("directory/selectors.py", "need_kinds"): "kinds of need: public, no child data",
    ("directory/selectors.py", "entry_search"): "published support entries: public, no child data",
    ("directory/selectors.py", "entry_get"): "one published support entry: public, no child data",
    ("cases/selectors.py", "active_categories"): "information categories: reference data, no child data",
    ("cases/selectors.py", "mapping_category_defaults"): "life areas and their default categories: no child data",
    ("cases/selectors.py", "hub_plan_counts"): "reads no rows: it unpacks counts the hub query already read",
    ("cases/selectors.py", "agency_staff"): (
        "active staff of given agencies (no child data), in system scope (listed in test_layering); the same "
        "for every viewer"
    ),
    ("cases/selectors.py", "coordinator_candidates"): (
        "memberships who may be appointed (no child data), in system scope after the caller checked the "
        "right to appoint (listed in test_layering); the same for every viewer"
    ),
    ("meetings/selectors.py", "child_invited_by_default"): (
        "a default for the call form's checkbox from the child's age bands (consent facts, read in system scope "
        "as the consent rules need); returns no rows, the same for every viewer; the caller checked coordination"
    ),
    ("meetings/selectors.py", "consented_agency_ids"): (
        "agency ids under a grant, across agencies in system scope (listed in test_layering) for services that "
        "check invitees and notify readers and hold no viewer; the same for every viewer"
    ),
}


def _selector_modules() -> list[Path]:
    return sorted(
        path.relative_to(ROOT)
        for app in APPS
        for path in (ROOT / app).rglob("selectors*.py")
        if "migrations" not in path.parts
    )


def public_selectors_without_viewer() -> set[tuple[str, str]]:
    found = set()
    for rel in _selector_modules():
        tree = ast.parse((ROOT / rel).read_text(), str(rel))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            if "viewer" not in {argument.arg for argument in arguments}:
                found.add((rel.as_posix(), node.name))
    return found


def test_the_scanner_finds_selector_modules_and_sees_keyword_only_viewers():
    modules = {rel.as_posix() for rel in _selector_modules()}
    assert {"cases/selectors.py", "meetings/selectors.py"} <= modules
    tree = ast.parse("def a(*, viewer, case): ...\ndef b(case): ...\n")
    names = [n.name for n in tree.body if "viewer" not in {a.arg for a in n.args.args + n.args.kwonlyargs}]
    assert names == ["b"]


def test_every_public_selector_takes_its_viewer():
    found = public_selectors_without_viewer()
    new = sorted(found - set(NO_VIEWER))
    gone = sorted(set(NO_VIEWER) - found)
    assert not new, f"public selectors without a `viewer` parameter: {new}"
    assert not gone, f"now take a viewer (or are gone): remove from NO_VIEWER {gone}"
