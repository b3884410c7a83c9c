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
family) and the request id and address. Entries are appended to a hash chain per agency,
and per child for the families' own reads (`portal.accesslog_chain`), under a lock, in a
fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from access.scoping import Viewer, system_scope
from portal.accesslog_chain import GENESIS, entry_hash, values_of
from portal.models import AccessLogEntry

if TYPE_CHECKING:
    from access.policy import NotedRead, ReadContext

BASIC_CATEGORY = "basic"
FAMILY_CHAIN = "family"

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


def chain_for(viewer: Viewer) -> str:
    return f"agency:{viewer.agency_id}" if viewer.is_staff and viewer.agency_id else FAMILY_CHAIN


def family_chain(child_id: int | None) -> str:
    """The families' reads go to one chain per child ("family:<child id>"): every family
    page in a region appended under one lock when all families shared "family" (issue 16,
    bench/accesslog_append.py). Entries about no child stay in "family"."""
    return f"{FAMILY_CHAIN}:{child_id}" if child_id is not None else FAMILY_CHAIN


def is_family_chain(chain: str) -> bool:
    return chain == FAMILY_CHAIN or chain.startswith(FAMILY_CHAIN + ":")


# --------------------------------------------------------------------------------------
# Facts the basis depends on (one query each, whatever the number of rows)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    case_id: int
    child_id: int
    owner_agency_id: int
    coordinator_agency_id: int | None
    is_open: bool


def _case_facts(case_ids: set[int], child_ids: set[int]) -> dict[int, CaseFact]:
    from cases.models import Case

    if not case_ids and not child_ids:
        return {}
    rows = Case._base_manager.filter(models.Q(pk__in=case_ids) | models.Q(child_id__in=child_ids)).values_list(
        "pk", "child_id", "owner_agency_id", "coordinator_agency_id", "status"
    )
    return {
        pk: CaseFact(pk, child_id, owner, coordinator, status == "open")
        for pk, child_id, owner, coordinator, status in rows
    }


def _grant_basis(agency_id: int | None, case_ids: set[int]) -> dict[tuple[int, str], tuple[int, int]]:
    """(case id, category key) -> (consent id, consent version) of an effective grant."""
    from consent.models import ConsentGrant

    if agency_id is None or not case_ids:
        return {}
    now = timezone.now()
    result: dict[tuple[int, str], tuple[int, int]] = {}
    rows = ConsentGrant._base_manager.filter(
        agency_id=agency_id, case_id__in=case_ids, starts_at__lte=now, ends_at__gt=now
    ).values_list("case_id", "category_id", "category__code", "consent_id", "consent__version")
    for case_id, category_id, code, consent_id, version in rows:
        result[(case_id, code)] = (consent_id, version)
        result[(case_id, f"id:{category_id}")] = (consent_id, version)
    return result


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    agency_id: int | None
    agency_name: str
    role: str
    title: str
    chain: str


def _actor(viewer: Viewer) -> Actor:
    name = viewer.user.full_name if viewer.user is not None else ""
    agency_name = title = ""
    membership = viewer.membership
    if viewer.is_staff and membership is not None and membership.pk == viewer.membership_id:
        agency_name, title = membership.agency.name, membership.title
    elif viewer.is_staff and viewer.membership_id is not None:
        from agencies.models import Membership

        row = (
            Membership._base_manager.filter(pk=viewer.membership_id)
            .values_list("agency__name", "title", "user__full_name")
            .first()
        )
        if row is not None:
            agency_name, title, name = row[0], row[1], name or row[2]
    elif viewer.is_staff and viewer.agency_id is not None:
        from agencies.models import Agency

        agency_name = Agency.objects.filter(pk=viewer.agency_id).values_list("name", flat=True).first() or ""
    if not name and viewer.user_id is not None:
        from portal.models import User

        name = User.objects.filter(pk=viewer.user_id).values_list("full_name", flat=True).first() or ""
    return Actor(viewer.user_id, name, viewer.agency_id, agency_name, viewer.role, title, chain_for(viewer))


def _basis(
    viewer: Viewer,
    *,
    author_agency_id: int | None,
    category: str | None,
    facts: list[CaseFact],
    grants: dict[tuple[int, str], tuple[int, int]],
    object_type: str,
) -> tuple[str, int | None, int | None]:
    """The basis of a staff member's (or the family's) access: own, coordinator, consent."""
    Basis = AccessLogEntry.Basis
    if viewer.is_family:
        return Basis.FAMILY, None, None
    agency = viewer.agency_id
    if author_agency_id is not None and author_agency_id == agency:
        return Basis.OWN, None, None
    case_level = object_type in {"cases.Case", "cases.Child"} or author_agency_id is None
    if case_level and any(f.owner_agency_id == agency for f in facts):
        return Basis.OWN, None, None
    if case_level and any(f.coordinator_agency_id == agency for f in facts):
        return Basis.COORDINATOR, None, None
    key = category or BASIC_CATEGORY
    for fact in facts:
        grant = grants.get((fact.case_id, key))
        if grant is not None:
            return Basis.CONSENT, grant[0], grant[1]
    # Rows about the collaboration written by another agency (a consent the coordinator
    # asked for) that the opener's and the coordinating agency see by their role.
    if any(f.owner_agency_id == agency for f in facts):
        return Basis.OWN, None, None
    if any(f.coordinator_agency_id == agency for f in facts):
        return Basis.COORDINATOR, None, None
    return Basis.NONE, None, None


# --------------------------------------------------------------------------------------
# Reads (called by access.policy.reading)
# --------------------------------------------------------------------------------------


def _is_child_data(object_type: str) -> bool:
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

    A fixed number of queries per call: the actor, the cases, the grants, one per linked
    kind present (guardians, consent rows), and the append itself.
    """
    viewer = context.viewer
    reads = [r for r in reads if _is_child_data(r.object_type)]
    if not reads:
        return
    linked = _linked_children(reads)
    case_ids = {r.case_id for r in reads if r.case_id is not None}
    child_ids = {r.child_id for r in reads if r.child_id is not None and r.case_id is None}
    child_ids.update(c for children in linked.values() for c in children)
    facts = _case_facts(case_ids, child_ids)
    by_child: dict[int, list[CaseFact]] = {}
    for fact in facts.values():
        by_child.setdefault(fact.child_id, []).append(fact)
    grants = _grant_basis(viewer.agency_id, set(facts)) if viewer.is_staff else {}
    actor = _actor(viewer)

    grouped: dict[tuple[Any, ...], AccessLogEntry] = {}
    entries: list[AccessLogEntry] = []
    for read in reads:
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
        for child_id, case_id, child_facts in targets:
            basis, consent_id, consent_version = _basis(
                viewer,
                author_agency_id=read.author_agency_id,
                category=read.category,
                facts=child_facts,
                grants=grants,
                object_type=read.object_type,
            )
            action = read.action
            if action in _GROUPED_ACTIONS:
                key = (child_id, case_id, read.object_type, action, basis, consent_id, consent_version)
                entry = grouped.get(key)
                if entry is not None:
                    entry.count += 1
                    entry.object_id = ""
                    continue
            entry = _entry(
                actor,
                context_request_id=context.request_id,
                ip=context.ip,
                child_id=child_id,
                case_id=case_id,
                object_type=read.object_type,
                object_id=read.object_id,
                action=action,
                basis=basis,
                consent_id=consent_id,
                consent_version=consent_version,
            )
            if action in _GROUPED_ACTIONS:
                grouped[key] = entry
            entries.append(entry)
    append(entries)


def _entry(actor: Actor, *, context_request_id: str, ip: str | None, **fields: Any) -> AccessLogEntry:
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
        facts = _case_facts({case_id} if case_id else set(), {child_id} if child_id and not case_id else set())
        child_facts = [facts[case_id]] if case_id in facts else list(facts.values())
        if child_id is None and child_facts:
            child_id = child_facts[0].child_id
        if child_id is None:
            return
        if viewer.is_family:
            basis: tuple[str, int | None, int | None] = (AccessLogEntry.Basis.FAMILY, None, None)
        else:
            author = getattr(obj, "author_agency_id", None) if obj is not None else None
            basis = _basis(
                viewer,
                author_agency_id=author,
                category=None,
                facts=child_facts,
                grants={},
                object_type=obj._meta.label if obj is not None else "cases.Case",
            )
        request_id, ip = _current_request()
        entry = _entry(
            _actor(viewer),
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
# The client's address
# --------------------------------------------------------------------------------------


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer's, or — when the peer is one of the
    TRUSTED_PROXY_ADDRESSES and TRUSTED_PROXY_COUNT proxies stand in front — the address
    the outermost proxy saw, counted from the right of X-Forwarded-For. From anyone else
    the header is ignored: a client cannot choose the address the access log keeps."""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not peer or not forwarded_for or not _is_trusted_proxy(peer):
        return peer or None
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < count:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return peer


def _is_trusted_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXY_ADDRESSES)


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
        facts = _case_facts({case_id} if case_id else set(), set())
        if child_id is None and case_id in facts:
            child_id = facts[case_id].child_id
        if child_id is None:
            return
        request_id, ip = _current_request()
        entry = _entry(
            _actor(viewer),
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
    actor = _actor(viewer)
    entries = [
        _entry(
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


# --------------------------------------------------------------------------------------
# The chain
# --------------------------------------------------------------------------------------


def _lock_key(chain: str) -> int:
    return int.from_bytes(hashlib.sha256(f"portal.accesslog:{chain}".encode()).digest()[:8], "big", signed=True)


def _lock_chains(chains: list[str]) -> None:
    """Serialise appends to these chains until the surrounding transaction ends. One
    query however many chains; locks are taken in the order given (sorted by the
    caller), so two appenders never deadlock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A function scan returns the array in order: the locks are taken in that order.
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS t(k)",
                [[_lock_key(chain) for chain in chains]],
            )
        elif connection.vendor == "sqlite":
            # Take SQLite's write lock before reading the head: a write statement (that
            # changes nothing) makes every other writer wait until this transaction ends.
            cursor.execute("UPDATE portal_accesslogentry SET id = id WHERE 0 = 1")
        else:  # pragma: no cover - other databases are not supported
            raise NotImplementedError(connection.vendor)


def _heads(chains: list[str]) -> dict[str, tuple[int, str]]:
    """(seq, hash) of the newest entry of each chain that has one."""
    if connection.vendor != "postgresql":
        heads = {}
        for chain in chains:
            row = AccessLogEntry._base_manager.filter(chain=chain).order_by("-seq").values_list("seq", "hash").first()
            if row is not None:
                heads[chain] = (int(row[0]), str(row[1]))
        return heads
    with connection.cursor() as cursor:
        # One index probe per chain on (chain, seq), in one statement.
        cursor.execute(
            "SELECT c, h.seq, h.hash FROM unnest(%s::text[]) AS c "
            "JOIN LATERAL (SELECT seq, hash FROM portal_accesslogentry e WHERE e.chain = c "
            "ORDER BY seq DESC LIMIT 1) h ON true",
            [chains],
        )
        return {chain: (int(seq), str(head_hash)) for chain, seq, head_hash in cursor.fetchall()}


def append(entries: list[AccessLogEntry], *, keep_time: bool = False) -> None:
    """Append entries to the log: the single place rows enter it.

    Lock the chains touched, read their heads, number and hash the new entries, insert
    them in one statement — 3 queries (4 when a chain is new) however many entries and
    chains (a family page touches one chain per child). The time is taken under the
    lock, so it never runs backwards within a chain (`keep_time` keeps the entries' own
    times: for tests and imports only).
    """
    if not entries:
        return
    by_chain: dict[str, list[AccessLogEntry]] = {}
    for entry in entries:
        by_chain.setdefault(entry.chain, []).append(entry)
    chains = sorted(by_chain)  # a fixed order: two appenders never deadlock
    with transaction.atomic():
        _lock_chains(chains)
        heads = _heads(chains)
        missing = [chain for chain in chains if chain not in heads]
        if missing:
            # A new chain, or one whose every entry was removed by retention: go on from
            # the retention anchor, so the chain stays one unbroken line.
            from portal.accesslog_integrity import anchors_for

            heads.update(anchors_for(missing))
        now = timezone.now()
        for chain in chains:
            seq, prev = heads.get(chain, (0, GENESIS))
            for entry in by_chain[chain]:
                seq += 1
                entry.seq = seq
                if not keep_time:
                    entry.at = now
                entry.prev_hash = prev
                entry.hash = entry_hash(prev, values_of(entry))
                prev = entry.hash
        _insert([entry for chain in chains for entry in by_chain[chain]])


def _insert(entries: list[AccessLogEntry]) -> None:
    """One INSERT for the entries. On PostgreSQL the columns go as arrays through UNNEST
    (what bulk_create sends too, without its per-value preparation: ~1,200 values for a
    list page cost more than the rest of the log write). The values are plain ints,
    strings, None and aware datetimes, which the driver adapts as they are."""
    if connection.vendor != "postgresql":
        AccessLogEntry._base_manager.bulk_create(entries)
        return
    fields = [f for f in AccessLogEntry._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Names and types come from the model's metadata only; every value is a parameter.
    sql = "INSERT INTO {} ({}) SELECT * FROM UNNEST({}) RETURNING {}".format(  # noqa: S608
        quote(AccessLogEntry._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields),
        quote(AccessLogEntry._meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[getattr(entry, f.attname) for entry in entries] for f in fields])
        ids = [row[0] for row in cursor.fetchall()]
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias
