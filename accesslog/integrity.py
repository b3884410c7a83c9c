"""Checking the access log's hash chains, and the anchors that make the check complete.

* `verify()` walks every chain in order and reports the first break: a missing entry, a
  broken link, or content that no longer matches its hash.
* The retention job removes the oldest entries of a chain and records the hash of the
  last one removed as the chain's anchor (`accesslog.retained`); the walk starts there.
* `checkpoint()` (scheduled) records each chain's head (`accesslog.checkpoint`), so
  entries removed from the end of a chain are found too.

* Each checkpoint also signs the heads and publishes them outside the database
  (`accesslog.heads`); the walk checks every published head too, so a chain cut
  short or rewritten together with its checkpoint events is found.
* A retention anchor carries the last entry it removed: it must hash to the anchor's
  hash and be past the legal five years, so an anchor written by hand to excuse removing
  younger entries is found, and a published head it covers must be that old too.

Anchors and checkpoints are audit events, append-only like the log; the application's
database role can only add to them (`accesslog.db_roles`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accesslog import heads as signed_heads
from accesslog.chain import GENESIS, HASHED_FIELDS, entry_hash
from accesslog.heads import Head
from accesslog.models import AccessLogEntry
from portal.models import AuditEvent

RETAINED = "accesslog.retained"
CHECKPOINT = "accesslog.checkpoint"
# The legal minimum: no entry younger than this is ever removed (the database refuses).
LEGAL_MINIMUM = timedelta(days=1825)
# How far before the last checkpoint an entry's time may lie and it still be new to the
# next one (its transaction took the time under the chain's lock, then committed).
CHECKPOINT_MARGIN = timedelta(minutes=10)


@dataclass
class ChainReport:
    chain: str
    entries: int = 0
    first_seq: int | None = None
    head_seq: int = 0
    head_hash: str = GENESIS
    break_seq: int | None = None
    break_id: int | None = None
    problem: str = ""
    checkpoints_checked: int = 0
    published_checked: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem


def anchor_for(chain: str) -> tuple[int, str] | None:
    """(last removed seq, its hash) of the newest retention of `chain`, if any."""
    row = (
        AuditEvent.objects.filter(action=RETAINED, data__chain=chain)
        .order_by("-id")
        .values_list("data__up_to_seq", "data__hash")
        .first()
    )
    return (int(row[0]), str(row[1])) if row else None


def anchors_for(chains: list[str]) -> dict[str, tuple[int, str]]:
    """`anchor_for` of several chains in one query."""
    rows = (
        AuditEvent.objects.filter(action=RETAINED, data__chain__in=chains)
        .order_by("id")
        .values_list("data__chain", "data__up_to_seq", "data__hash")
    )
    return {str(chain): (int(seq), str(head_hash)) for chain, seq, head_hash in rows}  # the newest wins


def _anchor_entry(chain: str) -> dict[str, Any] | None:
    row = AuditEvent.objects.filter(action=RETAINED, data__chain=chain).order_by("-id").values_list("data").first()
    return row[0].get("entry") if row else None


def anchor_proof(entry: AccessLogEntry) -> dict[str, Any]:
    """The last removed entry, as a retention anchor carries it (the database function
    stores `to_jsonb` of the row: the same names)."""
    values = {name: getattr(entry, name) for name in HASHED_FIELDS}
    values["at"] = values["at"].isoformat()
    return {**values, "prev_hash": entry.prev_hash, "hash": entry.hash}


def _anchor_problem(anchor: tuple[int, str], proof: dict[str, Any] | None, now: datetime) -> str:
    """Why the anchor cannot be trusted, or ''."""
    if not proof:
        return f"the retention anchor at seq {anchor[0]} does not carry the entry it removed"
    values: dict[str, Any] = {name: proof.get(name) for name in HASHED_FIELDS}
    try:
        at = datetime.fromisoformat(str(values["at"]))
    except ValueError:
        return f"the retention anchor at seq {anchor[0]} carries an entry with no valid time"
    values["at"] = at
    if values["seq"] != anchor[0] or entry_hash(str(proof.get("prev_hash") or ""), values) != anchor[1]:
        return f"the retention anchor at seq {anchor[0]} does not match the entry it says it removed"
    if at >= now - LEGAL_MINIMUM:
        return f"the retention anchor at seq {anchor[0]} removed an entry younger than five years"
    return ""


def _checkpoints(chain: str) -> dict[int, str]:
    rows = AuditEvent.objects.filter(action=CHECKPOINT, data__chain=chain).values_list("data__seq", "data__hash")
    return {int(seq): str(h) for seq, h in rows}


def chains(published: list[Head] | None = None) -> list[str]:
    names = set(AccessLogEntry._base_manager.values_list("chain", flat=True).distinct())
    names.update(
        AuditEvent.objects.filter(action__in=[RETAINED, CHECKPOINT]).values_list("data__chain", flat=True).distinct()
    )
    names.update(head.chain for head in published or [])
    return sorted(n for n in names if n)


def _rows(chain: str) -> Iterator[tuple]:
    fields = ("id", "prev_hash", "hash", *HASHED_FIELDS)
    return (
        AccessLogEntry._base_manager.filter(chain=chain).order_by("seq").values_list(*fields).iterator(chunk_size=2000)
    )


def verify_chain(chain: str, published: list[Head] | None = None) -> ChainReport:
    """Walk one chain from its anchor (or the beginning) and stop at the first break.

    `published`: the chain's signed heads from outside the database (each one must be in
    the chain, or removed by a retention anchor that proves its entry was past five years)."""
    report = ChainReport(chain=chain)
    now = timezone.now()
    anchor = anchor_for(chain)
    if anchor:
        report.problem = _anchor_problem(anchor, _anchor_entry(chain), now)
        if report.problem:
            report.break_seq = anchor[0]
            return report
    expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    for head in published or []:
        if head.seq > expected_seq - 1:
            continue
        # Covered by the anchor: retention may have removed it only past five years.
        young = signed_heads.entry_time(head) >= now - LEGAL_MINIMUM
        if young or (head.seq == expected_seq - 1 and head.hash != prev):
            report.problem = (
                f"the head published in {head.source} (seq {head.seq}) is gone, "
                "but retention removes only entries older than five years"
            )
            report.break_seq = head.seq
            return report
        report.published_checked += 1
    checkpoints = {seq: h for seq, h in _checkpoints(chain).items() if seq >= expected_seq}
    signed = {head.seq: head for head in published or [] if head.seq >= expected_seq}
    for row in _rows(chain):
        pk, prev_hash, stored_hash = row[0], row[1], row[2]
        values = dict(zip(HASHED_FIELDS, row[3:], strict=True))
        seq = values["seq"]
        if report.first_seq is None:
            report.first_seq = seq
        problem = ""
        if seq != expected_seq:
            problem = (
                f"entries missing before seq {seq} (expected seq {expected_seq})"
                if seq > expected_seq
                else f"unexpected entry with seq {seq} (expected seq {expected_seq})"
            )
        elif prev_hash != prev:
            problem = "link to the previous entry is broken (an entry before it was changed or removed)"
        elif entry_hash(prev, values) != stored_hash:
            problem = "content no longer matches its hash (the entry was changed)"
        elif seq in checkpoints and checkpoints[seq] != stored_hash:
            problem = "hash differs from the checkpoint recorded for this position (the chain was rewritten)"
        elif seq in signed and signed[seq].hash != stored_hash:
            problem = f"hash differs from the head published in {signed[seq].source} (the chain was rewritten)"
        if problem:
            report.problem, report.break_seq, report.break_id = problem, seq, pk
            return report
        report.checkpoints_checked += 1 if seq in checkpoints else 0
        report.published_checked += 1 if seq in signed else 0
        report.entries += 1
        report.head_seq, report.head_hash = seq, stored_hash
        prev = stored_hash
        expected_seq += 1
    beyond = [seq for seq in checkpoints if seq > report.head_seq]
    signed_beyond = [head for head in signed.values() if head.seq > report.head_seq]
    end = report.head_seq if report.entries else expected_seq - 1
    if signed_beyond:
        last = max(signed_beyond, key=lambda head: head.seq)
        report.problem = (
            f"entries up to seq {last.seq} were published as a signed head ({last.source}) "
            f"but the chain ends at seq {end}"
        )
        report.break_seq = end + 1
    elif beyond:
        report.problem = f"entries up to seq {max(beyond)} were checkpointed but the chain ends at seq {end}"
        report.break_seq = end + 1
    if anchor and report.entries == 0 and not report.problem:
        report.notes.append(f"all entries up to seq {anchor[0]} removed by retention")
        report.head_seq, report.head_hash = anchor
    return report


PUBLISHED = "(published heads)"


def verify(only: str | None = None) -> list[ChainReport]:
    """A report per chain; with published heads, a first report on the heads themselves
    when a line does not verify."""
    published, problems = signed_heads.read()
    by_chain: dict[str, list[Head]] = {}
    for head in published:
        by_chain.setdefault(head.chain, []).append(head)
    reports = [ChainReport(chain=PUBLISHED, problem="; ".join(problems))] if problems else []
    return reports + [
        verify_chain(chain, by_chain.get(chain, [])) for chain in chains(published) if only is None or chain == only
    ]


def checkpoint() -> int:
    """Record the head of every chain that moved since its last checkpoint, and publish
    it signed outside the database (when ACCESS_LOG_HEADS_DIR is set) before the record
    commits. Idempotent."""
    from django.db import transaction

    # Only chains written to since the last checkpoint (with a margin for transactions
    # that committed late) can have moved: with a chain per child there are many.
    last = AuditEvent.objects.filter(action=CHECKPOINT).aggregate(m=Max("at"))["m"]
    recent = AccessLogEntry._base_manager.all()
    if last is not None:
        recent = recent.filter(at__gte=last - CHECKPOINT_MARGIN)
    touched = list(recent.order_by().values_list("chain", flat=True).distinct())
    heads = dict(
        AccessLogEntry._base_manager.filter(chain__in=touched)
        .values("chain")
        .annotate(m=Max("seq"))
        .values_list("chain", "m")
    )
    if not heads:
        return 0
    done: dict[str, int] = {}
    checkpoints = AuditEvent.objects.filter(action=CHECKPOINT, data__chain__in=touched)
    for chain, seq in checkpoints.values_list("data__chain", "data__seq"):
        done[chain] = max(done.get(chain, 0), int(seq))
    moved = {chain: seq for chain, seq in heads.items() if seq > done.get(chain, 0)}
    hashes = {}
    times = {}
    for c, s, h, at in AccessLogEntry._base_manager.filter(
        chain__in=list(moved), seq__in=set(moved.values())
    ).values_list("chain", "seq", "hash", "at"):
        if moved.get(c) == s:
            hashes[c], times[c] = (s, h), at
    signed_heads.publish(
        [(c, s, h, times[c]) for c, (s, h) in sorted(hashes.items())],
        now=timezone.now(),
    )
    with transaction.atomic():
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    action=CHECKPOINT, object_type=AccessLogEntry._meta.label, data={"chain": c, "seq": s, "hash": h}
                )
                for c, (s, h) in sorted(hashes.items())
            ]
        )
    return len(hashes)
