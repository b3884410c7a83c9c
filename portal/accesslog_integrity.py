"""Checking the access log's hash chains, and the anchors that make the check complete.

* `verify()` walks every chain in order and reports the first break: a missing entry, a
  broken link, or content that no longer matches its hash.
* The retention job removes the oldest entries of a chain and records the hash of the
  last one removed as the chain's anchor (`accesslog.retained`); the walk starts there.
* `checkpoint()` (scheduled) records each chain's head (`accesslog.checkpoint`), so
  entries removed from the end of a chain are found too.

Anchors and checkpoints are audit events, append-only like the log. Someone who can
bypass the database triggers can still rewrite both consistently: copy the heads that
`verify_access_log` prints to somewhere outside the database to rule that out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Max

from portal.accesslog_chain import GENESIS, HASHED_FIELDS, entry_hash
from portal.models import AccessLogEntry, AuditEvent

RETAINED = "accesslog.retained"
CHECKPOINT = "accesslog.checkpoint"


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


def _checkpoints(chain: str) -> dict[int, str]:
    rows = AuditEvent.objects.filter(action=CHECKPOINT, data__chain=chain).values_list("data__seq", "data__hash")
    return {int(seq): str(h) for seq, h in rows}


def chains() -> list[str]:
    names = set(AccessLogEntry._base_manager.values_list("chain", flat=True).distinct())
    names.update(
        AuditEvent.objects.filter(action__in=[RETAINED, CHECKPOINT]).values_list("data__chain", flat=True).distinct()
    )
    return sorted(n for n in names if n)


def _rows(chain: str) -> Iterator[tuple]:
    fields = ("id", "prev_hash", "hash", *HASHED_FIELDS)
    return (
        AccessLogEntry._base_manager.filter(chain=chain).order_by("seq").values_list(*fields).iterator(chunk_size=2000)
    )


def verify_chain(chain: str) -> ChainReport:
    """Walk one chain from its anchor (or the beginning) and stop at the first break."""
    report = ChainReport(chain=chain)
    anchor = anchor_for(chain)
    expected_seq, prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    checkpoints = {seq: h for seq, h in _checkpoints(chain).items() if seq >= expected_seq}
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
        if problem:
            report.problem, report.break_seq, report.break_id = problem, seq, pk
            return report
        report.checkpoints_checked += 1 if seq in checkpoints else 0
        report.entries += 1
        report.head_seq, report.head_hash = seq, stored_hash
        prev = stored_hash
        expected_seq += 1
    beyond = [seq for seq in checkpoints if seq > report.head_seq]
    if beyond:
        report.problem = (
            f"entries up to seq {max(beyond)} were checkpointed but the chain ends at seq {report.head_seq}"
        )
        report.break_seq = report.head_seq + 1
    if anchor and report.entries == 0 and not report.problem:
        report.notes.append(f"all entries up to seq {anchor[0]} removed by retention")
        report.head_seq, report.head_hash = anchor
    return report


def verify(only: str | None = None) -> list[ChainReport]:
    return [verify_chain(chain) for chain in chains() if only is None or chain == only]


def checkpoint() -> int:
    """Record the head of every chain that moved since its last checkpoint. Idempotent."""
    from django.db import transaction

    heads = dict(AccessLogEntry._base_manager.values("chain").annotate(m=Max("seq")).values_list("chain", "m"))
    if not heads:
        return 0
    done: dict[str, int] = {}
    for chain, seq in AuditEvent.objects.filter(action=CHECKPOINT).values_list("data__chain", "data__seq"):
        done[chain] = max(done.get(chain, 0), int(seq))
    moved = {chain: seq for chain, seq in heads.items() if seq > done.get(chain, 0)}
    hashes = dict(
        (c, (s, h))
        for c, s, h in AccessLogEntry._base_manager.filter(
            chain__in=list(moved), seq__in=set(moved.values())
        ).values_list("chain", "seq", "hash")
        if moved.get(c) == s
    )
    with transaction.atomic():
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    action=CHECKPOINT, object_type="portal.AccessLogEntry", data={"chain": c, "seq": s, "hash": h}
                )
                for c, (s, h) in sorted(hashes.items())
            ]
        )
    return len(hashes)
