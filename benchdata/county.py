"""What the parts of the county-scale generator hand each other."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

BENCH_PASSWORD = "Bench-losenord-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class ScaleReport:
    children: int
    counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class CaseFacts:
    """One collaboration as the other parts need it (no queries to find out)."""

    id: int
    uuid: Any
    child_id: int
    owner_agency_id: int
    coordinator_id: int
    coordinator_agency_id: int
    opened_by_id: int
    opened_at: datetime
    is_open: bool
    team: tuple[int, ...]  # agency ids, owner and coordinating agency included


@dataclass
class County:
    children: int
    seed: int
    rng: random.Random
    now: datetime
    today: date
    log: Callable[[str], None]
    counts: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)  # code -> id
    agencies: dict[int, Any] = field(default_factory=dict)  # id -> Agency
    agency_kind: dict[int, str] = field(default_factory=dict)
    staff_by_agency: dict[int, list[Any]] = field(default_factory=dict)  # agency id -> [Membership]
    admin_of: dict[int, Any] = field(default_factory=dict)  # agency id -> Membership
    coordinator_membership: dict[int, Any] = field(default_factory=dict)  # user id -> Membership
    user_names: dict[int, str] = field(default_factory=dict)
    cases: list[CaseFacts] = field(default_factory=list)
    child_user: dict[int, int | None] = field(default_factory=dict)  # child id -> user id
    child_born: dict[int, date] = field(default_factory=dict)
    custodians: dict[int, list[int]] = field(default_factory=dict)  # child id -> custodial guardian ids
    guardian_user: dict[int, int | None] = field(default_factory=dict)  # guardian id -> user id
    guardian_protected: set[int] = field(default_factory=set)
    contact: dict[tuple[int, int], Any] = field(default_factory=dict)  # (case, agency) -> Membership
    # Effective now, per case: agency id -> category codes (the grant index at `now`).
    access: dict[int, dict[int, set[str]]] = field(default_factory=dict)
    # Agencies that held access and lost it by a revocation or a narrowing (per case).
    lost: dict[int, set[int]] = field(default_factory=dict)
    # Versions in force: case id -> [(consent id, uuid, series, version, valid_until)].
    consents: dict[int, list[tuple[int, Any, Any, int, date]]] = field(default_factory=dict)
    # Plan actions: (id, uuid, case id, responsible agency id, due date, status).
    actions: list[tuple[int, Any, int, int | None, date, str]] = field(default_factory=list)
    # Filled by benchdata/meetings.py for benchdata/notifications.py: (meeting, [invitations]) with
    # plain attributes (id, uuid, case_id, starts_at, status, preparation_due_at, sequence;
    # invitations: id, uuid, agency_id, guardian_id, for_child, answer, withdrawn_at).
    meetings: list[tuple[Any, list[Any]]] = field(default_factory=list)

    @classmethod
    def start(cls, *, children: int, seed: int, log: Callable[[str], None]) -> County:
        now = timezone.now()
        return cls(
            children=children,
            seed=seed,
            rng=random.Random(seed),
            now=now,
            today=timezone.localdate(now),
            log=log,
        )

    @property
    def open_cases(self) -> list[CaseFacts]:
        return [c for c in self.cases if c.is_open]

    def staff_of(self, agency_id: int) -> list[Any]:
        return self.staff_by_agency.get(agency_id, [])

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.log(f"  {name}: {time.monotonic() - started:.1f} s")
