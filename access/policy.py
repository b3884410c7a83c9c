"""The one door: who may see which child data, decided in one place.

Every scoped model's default manager calls `restrict()` here, so pages, the API,
websocket consumers, tasks, exports and the admin all share the same decision:

* an agency always sees what it wrote itself (`author_agency`);
* another agency sees an item only while an effective consent covers (that agency,
  the item's information category) for the case — read fresh from `ConsentGrant`
  on every query, so a revocation holds on the very next request in every process;
* the coordinating agency sees the collaboration itself by its role;
* the family (custodial guardians, the child) sees their own child's items in
  categories marked visible to the family — never a `NEVER_SHARED` kind (the record of
  a concern report), nor the access-log entries about one (`never_shared_types`);
* everything else is invisible, and a missing object and a forbidden one both 404.

This package is the bottom layer: it imports no app. Each app registers its models'
rules here from its `access.py` (`register`), in its AppConfig.ready(); a scoped model
without a rule raises. `manage.py access_rules` prints the whole table. The rules are
compiled to SQL once per process and kind of viewer (`access.compiled`).

Reads are noted as they are fetched and written to the access log when the scope that
collected them ends (`reading()`), so no read path can skip the log; the access log
connects itself here (`connect_log`).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from access import compiled
from access.scoping import ScopeError, Viewer, scope, system_scope

M = TypeVar("M", bound=models.Model)
Rule = Callable[[type[models.Model], Viewer], Q]

BASIC_CATEGORY = "basic"
NOTHING = Q(pk__in=[])


# --------------------------------------------------------------------------------------
# A grant in force: the one definition
# --------------------------------------------------------------------------------------


def in_force(now: datetime, prefix: str = "") -> Q:
    """The one definition of a grant in force at `now` (a `ConsentGrant` row's period).
    `prefix` reaches the grant through a relation ("grants__")."""
    return Q(**{f"{prefix}starts_at__lte": now, f"{prefix}ends_at__gt": now})


def grants(viewer: Viewer, case_ref: str, category: Q) -> Exists:
    """An effective grant for the viewer's agency on the outer row's case, in `category`."""
    assert viewer.agency_id is not None  # only staff viewers ask, and they always have one
    grant = apps.get_model("consent", "ConsentGrant")
    return Exists(
        grant._base_manager.filter(
            category,
            in_force(compiled.now()),
            case_id=OuterRef(case_ref),
            agency_id=viewer.agency_id,
        )
    )


@functools.cache
def never_shared_types() -> frozenset[str]:
    """Labels of the kinds of rows that only their author agency ever sees (`NEVER_SHARED`:
    the record that a concern report was made, DESIGN rule 9).

    The one definition of what never reaches the family: the rows themselves and every
    access-log entry about one — its writing, reads, refused lookups — in "who has looked"
    and in the family's data export, since whoever reported may need protection from the
    family. The log itself keeps the entries (the reporting agency's chain, its admin's
    review): only the family's reads skip them.
    """
    return frozenset(m._meta.label for m in apps.get_models() if getattr(m, "NEVER_SHARED", False))


# --------------------------------------------------------------------------------------
# The rule table: each app registers its models' rules (its access.py, from ready()).
# --------------------------------------------------------------------------------------

_rules: dict[str, tuple[Rule, str]] = {}
_inline: dict[str, Callable[[Viewer], bool]] = {}


def register(label: str, rule: Rule, *, inline: Callable[[Viewer], bool] | None = None) -> None:
    """`rule(model, viewer)` is the condition on `label`'s rows that `viewer` may see.
    Anonymous viewers never reach a rule (they see nothing).

    `inline(viewer)`: when true, the rule's condition goes into the query's own WHERE,
    built per query (as `rule_q`), instead of as `pk IN (<the compiled rule>)`. For a table read newest first
    in pages out of many thousands of rows (the access log): PostgreSQL can then walk the
    table's index and stop at the page, where `pk IN (...)` makes it read every row the
    rule lets through first. It costs building the condition on each query."""
    if label in _rules and _rules[label][0] is not rule:
        raise ScopeError(f"Two access rules for {label}.")
    _rules[label] = (rule, rule.__module__)
    if inline is not None:
        _inline[label] = inline


def rule_table() -> dict[str, str]:
    """Every registered label and the module its rule comes from."""
    return {label: module for label, (_, module) in sorted(_rules.items())}


def _rule(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_anonymous:
        return NOTHING
    label = model._meta.label
    found = _rules.get(label)
    if found is not None:
        return found[0](model, viewer)
    if getattr(model, "RECIPIENT_SCOPED", False):
        return Q(recipient_id=viewer.user_id)
    raise ScopeError(f"No access rule for {label}: register one in its app's access.py")


# --------------------------------------------------------------------------------------
# The public surface
# --------------------------------------------------------------------------------------


def rule_q(model: type[models.Model], viewer: Viewer) -> Q:
    """The visibility rule of `model` for `viewer` as a Django condition (built afresh: for
    compiling, the rule table and the tests that compare it with the compiled form)."""
    return _rule(model, viewer)


def restrict(queryset: models.QuerySet[M], viewer: Viewer, *, fresh: bool = False) -> models.QuerySet[M]:
    """Restrict `queryset` to what `viewer` may see. Called by every scoped manager.

    The rule is compiled to SQL once per process and kind of viewer (`access.compiled`);
    only the viewer's ids and the moment are bound here, so a consent change holds on the
    very next query. `fresh`: the caller just made `queryset` for this (a manager), so it
    is filtered in place instead of cloned."""
    if viewer.is_system:
        return queryset
    inline = _inline.get(queryset.model._meta.label)
    if compiled.compiling() or (inline is not None and inline(viewer)):
        return queryset.filter(_rule(queryset.model, viewer))
    return compiled.apply(queryset, viewer, fresh=fresh)


def visible_to(model: type[M], viewer: Viewer) -> models.QuerySet[M]:
    """All rows of `model` the viewer may see, whatever scope is current."""
    from access.scoping import ScopedQuerySet

    queryset = ScopedQuerySet(model=model)
    return restrict(queryset, viewer, fresh=True)


def can_view(viewer: Viewer, obj: models.Model) -> bool:
    """True when `viewer` may see `obj`. Costs at most one query."""
    if viewer.is_system:
        return True
    if (
        viewer.is_staff
        and getattr(obj, "author_agency_id", None) == viewer.agency_id
        and not hasattr(type(obj), "staff_condition")  # narrower than "own agency": ask the rule
    ):
        return True
    return visible_to(type(obj), viewer).filter(pk=obj.pk).exists()


def get_or_404(model: type[M], viewer: Viewer, **lookup: Any) -> M:
    """One visible object, or Http404 — the same answer for missing and forbidden."""
    try:
        with scope(viewer):
            return model.objects.get(**lookup)  # type: ignore[attr-defined]
    except model.DoesNotExist:  # type: ignore[attr-defined]
        note_denied(viewer, model, lookup)
        raise Http404 from None
    except (ValueError, TypeError, ValidationError):
        raise Http404 from None


def note_denied(viewer: Viewer, model: type[models.Model], lookup: dict[str, Any]) -> None:
    """A lookup that found no row the viewer may see. Missing and forbidden answer the same
    404; the access log (not the viewer) learns which (it connects itself, `connect_log`)."""
    _log().note_denied(viewer, model, lookup)


def can_edit(viewer: Viewer, obj: models.Model) -> bool:
    """Consent never gives write access: only the author agency edits its items."""
    if viewer.is_system:
        return True
    return viewer.is_staff and getattr(obj, "author_agency_id", None) == viewer.agency_id


def is_coordinator_of(viewer: Viewer, case: models.Model) -> bool:
    """The viewer is the case's coordinator (or, before one is appointed, its opener's agency
    acting as Barnets bästa-ansvarig)."""
    if not viewer.is_staff:
        return False
    coordinator_id = getattr(case, "coordinator_id", None)
    if coordinator_id is not None:
        return coordinator_id == viewer.user_id and case.coordinator_agency_id == viewer.agency_id  # type: ignore[attr-defined]
    return case.owner_agency_id == viewer.agency_id  # type: ignore[attr-defined]


def can_see_contact_details(viewer: Viewer, person: models.Model) -> bool:
    """Contact details of a guardian or child (DESIGN rule 10).

    A person with protected identity: only staff of the agency that registered them.
    Otherwise: the person themself and staff who can see the person; never the other
    guardian of a separated family.
    """
    if viewer.is_system:
        return True
    if viewer.is_family:
        return getattr(person, "user_id", None) == viewer.user_id
    if not viewer.is_staff:
        return False
    if getattr(person, "protected_identity", False):
        return person.registered_by_agency_id == viewer.agency_id  # type: ignore[attr-defined]
    return True


# --------------------------------------------------------------------------------------
# Access log: reads are noted while the scope is active and written when it ends.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogSink:
    """Where reads and refused lookups go: the access log connects itself (`connect_log`)."""

    write_reads: Callable[[ReadContext, list[NotedRead]], None]
    note_denied: Callable[[Viewer, type[models.Model], dict[str, Any]], None]
    # Kinds of rows not tied to one child by their own columns: how the log finds the child.
    links: dict[str, tuple[str, str]]


_sink: list[LogSink] = []


def connect_log(sink: LogSink) -> None:
    _sink[:] = [sink]


def _log() -> LogSink:
    if not _sink:
        raise ScopeError("No access log is connected: reads of child data cannot be logged.")
    return _sink[0]


@dataclass(frozen=True)
class NotedRead:
    object_type: str
    object_id: str
    case_id: int | None
    child_id: int | None
    author_agency_id: int | None
    category: str | None  # category code, or "id:<pk>" for a per-row category
    action: str


@dataclass
class ReadContext:
    viewer: Viewer
    request_id: str = ""
    ip: str | None = None
    action: str | None = None  # force "export" / "live"; default: view for one row, list for many
    reads: dict[tuple[str, str], NotedRead] | None = None


_reading: contextvars.ContextVar[ReadContext | None] = contextvars.ContextVar("portal_reading", default=None)


def _describe(model: type[models.Model], obj: Any, action: str) -> NotedRead | None:
    label = model._meta.label
    case_id = getattr(obj, "case_id", None)
    child_id = None
    author = getattr(obj, "author_agency_id", None)
    category: str | None = getattr(model, "CATEGORY_CODE", None)
    if category is None and hasattr(obj, "category_id"):
        category = f"id:{obj.category_id}"
    if label == "cases.Case":
        case_id, child_id, author, category = obj.pk, obj.child_id, obj.owner_agency_id, BASIC_CATEGORY
    elif label == "cases.Child":
        child_id, author, category = obj.pk, obj.registered_by_agency_id, BASIC_CATEGORY
    elif label in {"consent.ConsentScope", "consent.ConsentDecision"}:
        # Rows of a consent are facts about the collaboration (basic information), not
        # information of the category they name.
        category = BASIC_CATEGORY
    elif label == "consent.Consent":
        # A consent is about the collaboration: logged as basic information of the agency
        # that asked for it (a recipient reads it on its basic-category grant).
        author, category = obj.created_by_agency_id, BASIC_CATEGORY
    elif case_id is None:
        child_id = getattr(obj, "child_id", None)  # guardianships, maturity assessments
        if child_id is None and label not in _log().links:  # guardians, consent scopes/decisions: resolved by the log
            return None  # not tied to one child (memberships, notifications, …)
    return NotedRead(
        object_type=label,
        object_id=str(getattr(obj, "uuid", obj.pk)),
        case_id=case_id,
        child_id=child_id,
        author_agency_id=author,
        category=category,
        action=action,
    )


def note_read(viewer: Viewer, model: type[models.Model], rows: Iterable[Any]) -> None:
    """Called by ScopedQuerySet for every evaluated query of a scoped model."""
    context = _reading.get()
    if context is None or context.reads is None or getattr(model, "NOT_LOGGED", False):
        return
    rows = list(rows)
    action = context.action or ("view" if len(rows) == 1 else "list")
    for obj in rows:
        noted = _describe(model, obj, action)
        if noted is not None:
            context.reads.setdefault((noted.object_type, noted.object_id), noted)


def set_read_action(action: str) -> None:
    """Mark the reads of the current scope as e.g. "export" or "live"."""
    context = _reading.get()
    if context is not None:
        context.action = action


@contextmanager
def reading(viewer: Viewer, *, request_id: str = "", ip: str | None = None) -> Iterator[ReadContext]:
    """Enter `viewer`'s scope and write an access-log entry for each child-data row read."""
    context = ReadContext(viewer=viewer, request_id=request_id, ip=ip, reads={})
    token = _reading.set(context)
    try:
        with scope(viewer):
            yield context
    finally:
        _reading.reset(token)
        if context.reads and not viewer.is_system and not viewer.is_anonymous:
            with system_scope():
                _log().write_reads(context, list(context.reads.values()))
