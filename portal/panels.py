"""Panels that apps put on other apps' pages, read in the view before the page renders.

A page that shows other apps' panels (the home pages, the collaboration page, the plan)
calls `panels(page, viewer, ...)` in its view. Each app listed for the page has a
`<app>/panels.py` with a function named after the page; it reads what its panel shows
through the app's selectors, in the request's scope, and returns the context its panel
template uses. The template then only lays out values: no query starts while it renders
(tests/template_queries.py). An app adds a panel to a page here and in its panels.py,
without touching the page's view.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from access.scoping import Viewer

PAGES: dict[str, list[str]] = {
    "home_staff": ["cases", "meetings", "insights"],
    "home_family": ["cases", "meetings", "consent"],
    "case_detail": ["consent", "meetings"],
    "plan": ["directory"],
}


def panels(page: str, viewer: Viewer, **kwargs: Any) -> dict[str, Any]:
    """The context of every app's panels on `page`, merged."""
    context: dict[str, Any] = {}
    for app in PAGES[page]:
        context.update(getattr(import_module(f"{app}.panels"), page)(viewer, **kwargs))
    return context
