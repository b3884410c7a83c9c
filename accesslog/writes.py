"""Writing the access log (DESIGN rule 11).

Three ways in, all ending in `append()`:

* `write_reads()` — called by `access.policy.reading()` when a request, consumer or
  task scope ends, with every child-data row read in it;
* `record_write()` — called by `portal.audit.record()`, so every service write on a
  collaboration is logged too (create, update, consent decision);
* `note_denied()` / `write_export()` — a refused lookup, and exports of the log itself.

Every entry names the actor, the acting agency, role and title, the child, what was read
(type and id, or for a list one entry per child and kind with the number of rows), the
action, the basis (own data; the coordinator role; the consent id and version; the
family) and the request id and address (`accesslog.basis`). `accesslog.append` adds
them to the hash chains.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from access.scoping import Viewer, system_scope
from accesslog.append import append, append_rows
from accesslog.basis import (
    FAMILY_CHAIN,
    Actor,
    CaseFact,
    actor_for,
    basis_for,
    case_facts,
    facts_and_grants,
    family_chain,
)
from accesslog.client import client_address
from accesslog.models import AccessLogEntry

if TYPE_CHECKING:
    from access.policy import NotedRead, ReadContext


# Rows not tied to a case by a `case` or `child` field: how to find their child.
# object type -> (lookup field for the logged object id, path to the child's id)
LINKS: dict[str, tuple[str, str]] = {
    "cases.Guardian": ("uuid", "guardianships__child_id"),
    "cases.Guardianship": ("pk", "child_id"),
    "consent.MaturityAssessment": ("pk", "child_id"),
    "consent.ConsentScope": ("pk", "consent__case__child_id"),
    "consent.ConsentDecision": ("pk", "consent__case__child_id"),
}

# Kinds of rows that are not child data in themselves: a person's own notifications
# (a code and an id; what they point to is logged when it is opened).
_NOT_CHILD_DATA_FLAGS = ("RECIPIENT_SCOPED", "NOT_LOGGED")

# Actions where one entry per child and kind is written, with the number of rows.
_GROUPED_ACTIONS = {AccessLogEntry.Action.LIST, AccessLogEntry.Action.EXPORT}


# --------------------------------------------------------------------------------------
# Reads (called by access.policy.reading)
# --------------------------------------------------------------------------------------


@functools.cache  # the models and their flags are fixed once the apps are loaded
def _is_child_data(object_type: str) -> bool:
    """Once per kind of row (a list page notes a thousand reads of a few kinds)."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return True
    return not any(getattr(model, flag, False) for flag in _NOT_CHILD_DATA_FLAGS)


def _linked_children(reads: list[NotedRead]) -> dict[tuple[str, str], list[int]]:
    """Children of rows tied to a child only through another row (one query per kind)."""
    wanted: dict[str, set[str]] = {}
    for read in reads:
        if read.case_id is None and read.child_id is None and read.object_type in LINKS:
            wanted.setdefault(read.object_type, set()).add(read.object_id)
    result: dict[tuple[str, str], list[int]] = {}
    for object_type, ids in wanted.items():
        key_field, path = LINKS[object_type]
        model = apps.get_model(object_type)
        for key, child_id in model._base_manager.filter(**{f"{key_field}__in": ids}).values_list(key_field, path):
            if child_id is not None:
                result.setdefault((object_type, str(key)), []).append(child_id)
    return result


def write_reads(context: ReadContext, reads: list[NotedRead]) -> None:
    """Append one entry per child-data row read (one per child and kind for lists).

    A fixed number of queries per call: the cases with the grants, one per linked kind
    present (guardians, consent rows), and the append itself (the actor comes with the
    viewer's membership). A list page notes a thousand rows of a few kinds: the basis is
    worked out once per kind of row and case (rows alike in what it depends on), and the
    entries go to the log as columns (`append_rows`), not models.
    """
    viewer = context.viewer
    reads = [r for r in reads if _is_child_data(r.object_type)]
    if not reads:
        return
    linked = _linked_children(reads)
    case_ids = {r.case_id for r in reads if r.case_id is not None}
    child_ids = {r.child_id for r in reads if r.child_id is not None and r.case_id is None}
    child_ids.update(c for children in linked.values() for c in children)
    # Only staff reading rows another agency wrote (or rows of no author agency) may read
    # on a consent: their agency's grants are read with the cases, in the same query.
    needs_grants = viewer.is_staff and any(r.author_agency_id != viewer.agency_id for r in reads)
    facts, grants = facts_and_grants(case_ids, child_ids, agency_id=viewer.agency_id if needs_grants else None)
    by_child: dict[int, list[CaseFact]] = {}
    for fact in facts.values():
        by_child.setdefault(fact.child_id, []).append(fact)
    actor = actor_for(viewer)
    common = _columns(actor, context_request_id=context.request_id, ip=context.ip)

    def targets_of(read: NotedRead) -> list[tuple[int, int | None, tuple[str, int | None, int | None]]]:
        """(child, case, basis) of each entry a read joins."""
        targets: list[tuple[int, int | None, list[CaseFact]]] = []
        if read.case_id is not None:
            case_fact = facts.get(read.case_id)
            child_id = read.child_id or (case_fact.child_id if case_fact else None)
            if child_id is not None:
                targets.append((child_id, read.case_id, [case_fact] if case_fact else []))
        elif read.child_id is not None:
            targets.append((read.child_id, None, by_child.get(read.child_id, [])))
        else:
            for child_id in linked.get((read.object_type, read.object_id), []):
                targets.append((child_id, None, by_child.get(child_id, [])))
        return [
            (
                child_id,
                case_id,
                basis_for(
                    viewer,
                    author_agency_id=read.author_agency_id,
                    category=read.category,
                    facts=child_facts,
                    grants=grants,
                    object_type=read.object_type,
                ),
            )
            for child_id, case_id, child_facts in targets
        ]

    # The basis depends on the viewer (fixed here) and these fields of a read, and for a
    # read tied to its child only through another row, on that row (its object id).
    memo: dict[tuple[Any, ...], list[tuple[int, int | None, tuple[str, int | None, int | None]]]] = {}
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    for read in reads:
        alike: tuple[Any, ...] = (read.object_type, read.case_id, read.child_id, read.author_agency_id, read.category)
        if read.case_id is None and read.child_id is None:
            alike += (read.object_id,)
        targets = memo.get(alike)
        if targets is None:
            targets = memo[alike] = targets_of(read)
        action = read.action
        is_grouped = action in _GROUPED_ACTIONS
        for child_id, case_id, (basis, consent_id, consent_version) in targets:
            if is_grouped:
                key = (child_id, case_id, read.object_type, action, basis, consent_id, consent_version)
                row = grouped.get(key)
                if row is not None:
                    row["count"] += 1
                    row["object_id"] = ""
                    continue
            row = {
                **common,
                "chain": family_chain(child_id) if actor.chain == FAMILY_CHAIN else actor.chain,
                "child_id": child_id,
                "case_id": case_id,
                "object_type": read.object_type,
                "object_id": read.object_id,
                "action": action,
                "basis": basis,
                "consent_id": consent_id,
                "consent_version": consent_version,
            }
            if is_grouped:
                grouped[key] = row
            rows.append(row)
    append_rows(rows)


# The columns of an entry not named by the caller, as the model's defaults set them.
_DEFAULTS = {"count": 1, "outcome": AccessLogEntry.Outcome.ALLOWED, "consent_id": None, "consent_version": None}


def _columns(actor: Actor, *, context_request_id: str, ip: str | None) -> dict[str, Any]:
    """The columns every entry of one actor in one request shares."""
    return {
        **_DEFAULTS,
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "agency_id": actor.agency_id,
        "agency_name": actor.agency_name,
        "role": actor.role,
        "title": actor.title,
        "request_id": (context_request_id or "")[:64],
        "ip": ip or None,
    }


def new_entry(actor: Actor, *, context_request_id: str, ip: str | None, **fields: Any) -> AccessLogEntry:
    return AccessLogEntry(
        actor_id=actor.user_id,
        actor_name=actor.name,
        agency_id=actor.agency_id,
        agency_name=actor.agency_name,
        role=actor.role,
        title=actor.title,
        request_id=(context_request_id or "")[:64],
        ip=ip or None,
        chain=family_chain(fields.get("child_id")) if actor.chain == FAMILY_CHAIN else actor.chain,
        **fields,
    )


# --------------------------------------------------------------------------------------
# Writes (called by portal.audit.record)
# --------------------------------------------------------------------------------------

_CREATE_VERBS = {"created", "added", "opened", "called", "requested", "invited", "appointed", "recorded", "reported"}
_CONSENT_VERBS = {"granted", "refused", "revoked", "narrowed"}


def action_for(audit_action: str) -> str:
    """The log action of a dotted past-tense audit action."""
    namespace, _dot, verb = audit_action.rpartition(".")
    verb = verb.rsplit("_", 1)[-1]
    if namespace.startswith("consent") and verb in _CONSENT_VERBS:
        return AccessLogEntry.Action.CONSENT
    if verb in _CREATE_VERBS:
        return AccessLogEntry.Action.CREATE
    return AccessLogEntry.Action.UPDATE


def _current_request() -> tuple[str, str | None]:
    from access import policy

    context = policy._reading.get()
    if context is None:
        return "", None
    return context.request_id, context.ip


def record_write(*, viewer: Viewer | None, action: str, obj: models.Model | None, case_id: int | None) -> None:
    """Log a service's write on a collaboration as an entry about the case's child.

    Called inside the service's transaction, so the entry commits or rolls back with it.
    Writes by the system (no viewer) and writes not about a case are not access.
    """
    if viewer is None or not (viewer.is_staff or viewer.is_family):
        return
    if case_id is None and obj is not None:
        case_id = getattr(obj, "case_id", None)
    child_id = getattr(obj, "child_id", None) if obj is not None else None
    if case_id is None and child_id is None:
        return
    with system_scope():
        facts = case_facts({case_id} if case_id else set(), {child_id} if child_id and not case_id else set())
        child_facts = [facts[case_id]] if case_id in facts else list(facts.values())
        if child_id is None and child_facts:
            child_id = child_facts[0].child_id
        if child_id is None:
            return
        if viewer.is_family:
            basis: tuple[str, int | None, int | None] = (AccessLogEntry.Basis.FAMILY, None, None)
        else:
            author = getattr(obj, "author_agency_id", None) if obj is not None else None
            basis = basis_for(
                viewer,
                author_agency_id=author,
                category=None,
                facts=child_facts,
                grants={},
                object_type=obj._meta.label if obj is not None else "cases.Case",
            )
        request_id, ip = _current_request()
        entry = new_entry(
            actor_for(viewer),
            context_request_id=request_id,
            ip=ip,
            child_id=child_id,
            case_id=case_id,
            object_type=obj._meta.label if obj is not None else "cases.Case",
            object_id=_object_id(obj) if obj is not None else "",
            action=action_for(action),
            basis=basis[0],
            consent_id=basis[1],
            consent_version=basis[2],
        )
        append([entry])


def _object_id(obj: models.Model) -> str:
    return str(getattr(obj, "uuid", None) or obj.pk)


# --------------------------------------------------------------------------------------
# Refused lookups, exports of the log, live reads
# --------------------------------------------------------------------------------------


def note_denied(viewer: Viewer, model: type[models.Model], lookup: dict[str, Any]) -> None:
    """A viewer asked for an existing child-data row the policy hides: log it as denied.

    For `policy.get_or_404`: missing and forbidden both answer 404, but the log (not the
    viewer) learns the difference. Rows not tied to a child are ignored.
    """
    if not (viewer.is_staff or viewer.is_family) or getattr(model, "NOT_LOGGED", False):
        return
    with system_scope():
        try:
            obj = model._base_manager.filter(**lookup).first()
        except (ValueError, TypeError, ValidationError):
            return
        if obj is None:
            return
        label = model._meta.label
        case_id = obj.pk if label == "cases.Case" else getattr(obj, "case_id", None)
        child_id = obj.pk if label == "cases.Child" else getattr(obj, "child_id", None)
        facts = case_facts({case_id} if case_id else set(), set())
        if child_id is None and case_id in facts:
            child_id = facts[case_id].child_id
        if child_id is None:
            return
        request_id, ip = _current_request()
        entry = new_entry(
            actor_for(viewer),
            context_request_id=request_id,
            ip=ip,
            child_id=child_id,
            case_id=case_id,
            object_type=label,
            object_id=_object_id(obj),
            action=AccessLogEntry.Action.VIEW,
            basis=AccessLogEntry.Basis.NONE,
            outcome=AccessLogEntry.Outcome.DENIED,
        )
        append([entry])


def write_export(
    *, viewer: Viewer, child_ids: Iterable[int | None], object_type: str, count_by_child: dict[int, int]
) -> None:
    """Log an export of rows that are not logged when read (the access log itself): one
    entry per child in the export."""
    request_id, ip = _current_request()
    actor = actor_for(viewer)
    entries = [
        new_entry(
            actor,
            context_request_id=request_id,
            ip=ip,
            child_id=child_id,
            case_id=None,
            object_type=object_type,
            object_id="",
            count=count_by_child.get(child_id, 1),
            action=AccessLogEntry.Action.EXPORT,
            basis=AccessLogEntry.Basis.OWN if viewer.is_staff else AccessLogEntry.Basis.FAMILY,
        )
        for child_id in sorted({c for c in child_ids if c is not None})
    ]
    with system_scope():
        append(entries)


@contextmanager
def live_reading(viewer: Viewer, consumer_scope: dict[str, Any] | None = None) -> Iterator[Any]:
    """For websocket consumers: run the block in `viewer`'s scope and log what it reads
    as "live". Use it inside the synchronous function a consumer runs with
    `database_sync_to_async`, around each fetch it pushes to the client::

        with accesslog.live_reading(viewer, self.scope):
            rows = list(Meeting.objects.filter(...))
    """
    from access import policy

    consumer_scope = consumer_scope or {}
    client = consumer_scope.get("client") or (None, None)
    forwarded = dict(consumer_scope.get("headers") or []).get(b"x-forwarded-for", b"").decode("latin-1")
    request_id = "ws-" + uuid.uuid4().hex[:20]
    with policy.reading(viewer, request_id=request_id, ip=client_address(client[0], forwarded)) as context:
        policy.set_read_action(AccessLogEntry.Action.LIVE)
        yield context
