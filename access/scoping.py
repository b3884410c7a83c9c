"""The fail-closed scope every query of child data or tenant data runs in.

A request, a websocket consumer, a Celery task or a management command enters a scope
with a `Viewer`; the default manager of every scoped model then asks `access.policy`
to restrict the query to what that viewer may see. Querying a scoped model with no
scope raises `ScopeError` instead of silently returning everything (pretix's
django-scopes, grown for consent: the restriction is a policy, not one column).

`system_scope()` is the explicit, greppable way for migrations of data, seeding,
background delivery and the middleware's own bootstrap to see everything.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models


class ScopeError(RuntimeError):
    """A scoped model was queried outside a scope (or with no policy rule)."""


STAFF = "staff"
FAMILY = "family"
SYSTEM = "system"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and for which agency.

    kind: "staff" (acting for `agency_id` with membership `role`), "family" (a guardian
    or the child, `role` "guardian"/"child"), "system" or "anonymous".
    """

    kind: str
    user_id: int | None = None
    agency_id: int | None = None
    role: str = ""
    membership_id: int | None = None
    user: Any = field(default=None, compare=False, repr=False)  # the portal's User, when loaded
    # The acting membership with its agency, when the resolver has it loaded (the access
    # log takes the agency's name and the title from it instead of a query).
    membership: Any = field(default=None, compare=False, repr=False)  # agencies' Membership

    def __post_init__(self) -> None:
        # The policy filters by these ids, and Django reads `user_id=None` as IS NULL: a
        # family viewer without a user would match every child or guardian without an
        # account. So a staff or family viewer cannot exist without them.
        if self.kind == STAFF and (self.user_id is None or self.agency_id is None):
            raise ValueError("A staff viewer needs a user_id and an agency_id.")
        if self.kind == FAMILY and self.user_id is None:
            raise ValueError("A family viewer needs a user_id.")

    @property
    def is_system(self) -> bool:
        return self.kind == SYSTEM

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_family(self) -> bool:
        return self.kind == FAMILY

    @property
    def is_anonymous(self) -> bool:
        return self.kind == ANONYMOUS

    @property
    def is_coordinator(self) -> bool:
        return self.kind == STAFF and self.role == "coordinator"

    @property
    def is_agency_admin(self) -> bool:
        return self.kind == STAFF and self.role == "admin"


SYSTEM_VIEWER = Viewer(kind=SYSTEM)
ANONYMOUS_VIEWER = Viewer(kind=ANONYMOUS)

_current: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("portal_viewer", default=None)


@contextmanager
def scope(viewer: Viewer) -> Iterator[Viewer]:
    """Run the block as `viewer`. Nested scopes restore the outer one on exit."""
    token = _current.set(viewer)
    try:
        yield viewer
    finally:
        _current.reset(token)


def system_scope() -> AbstractContextManager[Viewer]:
    """See everything. For seeding, delivery tasks and bootstrap code only."""
    return scope(SYSTEM_VIEWER)


def current_viewer() -> Viewer:
    viewer = _current.get()
    if viewer is None:
        raise ScopeError(
            "A scoped model was queried outside a scope. Enter one with "
            "access.scoping.scope(viewer) (requests do this in middleware)."
        )
    return viewer


def peek_viewer() -> Viewer | None:
    """The current viewer or None, without raising (for logging and templates)."""
    return _current.get()


class ScopedQuerySet(models.QuerySet):
    """Evaluating a scoped queryset notes every row read for the access log."""

    def _fetch_all(self) -> None:
        first_time = self._result_cache is None
        super()._fetch_all()
        if first_time and self._result_cache and self._iterable_class is models.query.ModelIterable:
            viewer = _current.get()
            if viewer is not None and not viewer.is_system:
                from access import policy

                policy.note_read(viewer, self.model, self._result_cache)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Default manager of scoped models: raises outside a scope, filters by policy inside."""

    use_in_migrations = False

    def get_queryset(self) -> models.QuerySet:
        viewer = current_viewer()
        queryset = super().get_queryset()
        if viewer.kind == SYSTEM:
            return queryset
        from access import policy

        return policy.restrict(queryset, viewer, fresh=True)  # made just above: filtered in place
