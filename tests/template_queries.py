"""The guard that keeps queries out of templates (issue 15 item 4): a page's panels read
their data in the view, through selectors; no query starts while a template renders.

While `no_template_queries()` is active, any SQL statement issued while a Django template
is rendering is refused before it reaches the database: the statement raises
`TemplateQueryError` (an AssertionError) naming the template and the SQL, and is also
recorded, so a template tag or library that swallows the exception still fails the test.

What counts as rendering: `django.template.base.Template._render`, the body of a template
(and of every `{% include %}`, `{% extends %}` parent and form widget template inside it).
The context processors run before that, in `Template.render`'s `bind_template`, and are
left outside on purpose: they are per-request set-up, like middleware (the viewer, the
menu), counted by the page's query budget. What they hand to the template must already be
evaluated, though: a lazy queryset or object they return is read inside `_render` and
caught here. The same holds for the view's context: a lazy queryset, a `.count`, an
`.exists`, a related manager, a model property that queries or a ModelChoiceField whose
choices are read while the form renders all fail.

There are no Jinja2 templates in the project (TEMPLATES has the Django backend only), so
nothing else is wrapped.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connections
from django.template.base import Template

# The templates being rendered, outermost first (a page, the base it extends, its includes).
_rendering: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("template_rendering", default=())


class TemplateQueryError(AssertionError):
    """A query started while a template was rendering."""


class Guard:
    """The queries refused while the guard was on: (template, SQL)."""

    def __init__(self) -> None:
        self.violations: list[tuple[str, str]] = []

    def __bool__(self) -> bool:
        return bool(self.violations)

    def report(self) -> str:
        return "\n".join(f"query while rendering {name}: {sql}" for name, sql in self.violations)


def _template_name(template: Template) -> str:
    name = template.origin.template_name if template.origin else None
    return str(name or template.name or "<string template>")


@contextmanager
def no_template_queries(*, refuse: bool = True) -> Iterator[Guard]:
    """Refuse (and record) every SQL query started while a Django template renders, on
    every database connection of this thread. With refuse=False the queries run and are
    only recorded (to list them all at once while mending a page)."""
    guard = Guard()
    original: Callable[..., Any] = Template._render

    def guarded_render(self: Template, context: Any) -> Any:
        token = _rendering.set((*_rendering.get(), _template_name(self)))
        try:
            return original(self, context)
        finally:
            _rendering.reset(token)

    def refuse_while_rendering(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        names = _rendering.get()
        if names:
            name = " > ".join(dict.fromkeys(names))
            guard.violations.append((name, sql))
            if refuse:
                raise TemplateQueryError(f"query while rendering {name}: {sql}")
        return execute(sql, params, many, context)

    Template._render = guarded_render  # type: ignore[method-assign]
    try:
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(refuse_while_rendering))
            yield guard
    finally:
        Template._render = original  # type: ignore[method-assign]
