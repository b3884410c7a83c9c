"""Time from a guardian's consent revocation to the revoked agency's live socket closing.

On a `seed_scale` county (the database of DATABASE_URL, as `make bench` passes it, or
--db): picks N collaborations where one guardian's revocation of one consent ends an
invited agency's access (found by a dry run of the real revocation, rolled back), signs
in a staff member of that agency and opens their meeting-room websocket
(/ws/moten/<uuid>/) on a uvicorn server with production settings on PostgreSQL + Redis.
All N sockets stay open together. Then, one at a time, another process revokes the
consent as the guardian does in the portal (`consent.services.decision_record`, method
portal): the grant index is rebuilt in the transaction, and after commit
`meetings.services.access_lost` pushes `access.revoked` to the case-agency group, whose
consumers ask the policy, say `closed` and close 4403, and then withdraws the agency's
invitations.

The first --warmup revocations (default 3) are done but not counted, as the other
benchmarks do. Measured on the system-wide monotonic clock:

* commit → closed:  the revocation's commit → the close frame (4403) at the client;
* revoke → closed:  the start of the guardian's revocation (lock, decision, grant rebuild,
                    access log, commit) → the close frame;
* commit → pushed:  the commit → the revoking process done with its after-commit work
                    (push handed to Redis, then invitations withdrawn and cancellation
                    notifications written).

Every other socket must stay open until its own revocation (counted as collateral if
not). Each run uses up N collaborations of the county (their consent stays revoked).

Prints a summary and writes bench-results/revocation.json. Run by `make bench`
(bench/run.py) or alone: `DATABASE_URL=postgres://…/<county> .venv/bin/python bench/revocation.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

from common import (  # bench/common.py (this folder is on sys.path)
    PY,
    RESULTS,
    ROOT,
    free_port,
    percentiles,
    production_env,
)

TARGET_P99_MS = 250.0


def log(message: str) -> None:
    print(f"[revocation] {message}", flush=True)


def bench_env(database_url: str, prefix: str) -> dict[str, str]:
    return production_env(database_url, prefix)


SETUP = """
import json
from datetime import timedelta
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from agencies.models import Membership
from cases.models import Guardian
from consent import services
from consent.models import Consent, ConsentDecision, ConsentGrant
from access.scoping import FAMILY, STAFF, Viewer, scope, system_scope
from meetings.models import Invitation, Meeting
from benchdata.management.commands.bench_sessions import _session

N = {count}


class DryRun(Exception):
    pass


def has_basic(case_id, agency_id):
    now = timezone.now()
    return ConsentGrant.objects.filter(
        case_id=case_id, agency_id=agency_id, category__code="basic", starts_at__lte=now, ends_at__gt=now
    ).exists()


def ends_access(consent, guardian, viewer, case_id, agency_id):
    try:
        with transaction.atomic():
            services.decision_record(
                viewer=viewer, consent=consent, party=services.Party(guardian_id=guardian.pk),
                decision=ConsentDecision.Decision.REVOKED, method=ConsentDecision.Method.PORTAL,
            )
            lost = not has_basic(case_id, agency_id)
            raise DryRun(lost)
    except DryRun as result:
        return result.args[0]
    except services.ConsentError:
        return False


now = timezone.now()
out = []
cases = set()
tried = 0
with system_scope():
    invitations = (
        Invitation.objects.filter(
            agency__isnull=False, withdrawn_at__isnull=True, meeting__status=Meeting.Status.PLANNED,
            meeting__starts_at__gt=now + timedelta(hours=1), meeting__case__status="open",
        )
        .exclude(meeting__author_agency_id=F("agency_id"))
        .values_list("meeting__case_id", "agency_id", "meeting__uuid")
        .order_by("meeting__case_id", "meeting__starts_at", "agency_id")
    )
    for case_id, agency_id, meeting_uuid in invitations.iterator():
        if len(out) >= N:
            break
        if case_id in cases or not has_basic(case_id, agency_id):
            continue
        staff = (
            Membership.objects.filter(agency_id=agency_id, is_active=True, user__isnull=False)
            .select_related("user").order_by("pk").first()
        )
        if staff is None:
            continue
        staff_viewer = Viewer(kind=STAFF, user_id=staff.user_id, agency_id=agency_id, role=staff.role,
                              membership_id=staff.pk, user=staff.user)
        with scope(staff_viewer):
            if not Meeting.objects.filter(uuid=meeting_uuid).exists():
                continue
        consent_ids = set(ConsentGrant.objects.filter(
            case_id=case_id, agency_id=agency_id, category__code="basic", starts_at__lte=now, ends_at__gt=now
        ).values_list("consent_id", flat=True))
        found = None
        for consent in Consent.objects.filter(pk__in=consent_ids).order_by("pk"):
            granted = [
                d.guardian_id for d in services.latest_decisions(consent).values()
                if d.guardian_id and d.decision == ConsentDecision.Decision.GRANTED
            ]
            for guardian in Guardian.objects.filter(pk__in=granted, user__isnull=False).select_related("user"):
                tried += 1
                viewer = Viewer(kind=FAMILY, user_id=guardian.user_id, role="guardian", user=guardian.user)
                if ends_access(consent, guardian, viewer, case_id, agency_id):
                    found = (consent, guardian)
                    break
            if found:
                break
        if found is None:
            continue
        cases.add(case_id)
        consent, guardian = found
        out.append({{
            "case": case_id, "agency": agency_id, "meeting": str(meeting_uuid), "consent": consent.pk,
            "guardian": guardian.pk, "guardian_user": guardian.user_id,
            "cookie": _session(staff.user, staff.pk),
        }})
print("CANDIDATES " + json.dumps({{"candidates": out, "dry_runs": tried}}))
"""

# Runs in `manage.py shell`: revoke candidate i when told, print the timings.
REVOKER = """
import json, sys, time
from django.db import transaction
from consent import services
from consent.models import Consent, ConsentDecision
from access.scoping import FAMILY, Viewer, system_scope
from portal.models import User

candidates = json.loads(sys.stdin.readline())
print("READY", flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    c = candidates[int(line)]
    with system_scope():
        consent = Consent.objects.get(pk=c["consent"])
        user = User.objects.get(pk=c["guardian_user"])
    viewer = Viewer(kind=FAMILY, user_id=user.pk, role="guardian", user=user)
    marks = {{}}
    started = time.monotonic()
    with transaction.atomic():
        # Registered first, so it runs first after the commit, before the meetings hook.
        transaction.on_commit(lambda: marks.setdefault("commit", time.monotonic()))
        services.decision_record(
            viewer=viewer, consent=consent, party=services.Party(guardian_id=c["guardian"]),
            decision=ConsentDecision.Decision.REVOKED, method=ConsentDecision.Method.PORTAL,
        )
    done = time.monotonic()
    print(f"REVOKED {{line.strip()}} {{started}} {{marks['commit']}} {{done}}", flush=True)
print("DONE", flush=True)
"""


class Room:
    """One staff member's meeting-room socket."""

    def __init__(self, index: int, candidate: dict) -> None:
        self.index = index
        self.candidate = candidate
        self.hello = asyncio.Event()
        self.closed_at: float | None = None
        self.closed_message_at: float | None = None
        self.close_code: int | None = None
        self.ws = None
        self.task: asyncio.Task | None = None

    async def open(self, base: str) -> bool:
        from websockets.asyncio.client import connect

        url = base.replace("http://", "ws://") + f"/ws/moten/{self.candidate['meeting']}/"
        self.ws = await connect(
            url,
            origin=base,  # type: ignore[arg-type]
            additional_headers={"Cookie": self.candidate["cookie"]},
            open_timeout=30,
            ping_interval=None,
        )
        self.task = asyncio.create_task(self._read())
        try:
            await asyncio.wait_for(self.hello.wait(), 10)
        except TimeoutError:
            return False
        return self.closed_at is None

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                data = json.loads(raw)
                if data.get("type") == "hello":
                    self.hello.set()
                elif data.get("type") == "closed":
                    self.closed_message_at = time.monotonic()
        except Exception:
            pass
        self.closed_at = time.monotonic()
        self.close_code = self.ws.close_code
        self.hello.set()


async def measure(base: str, env: dict[str, str], candidates: list[dict], pause: float, warmup: int) -> dict:
    rooms = [Room(i, c) for i, c in enumerate(candidates)]
    started = time.monotonic()
    opened = await asyncio.gather(*(room.open(base) for room in rooms))
    rooms = [room for room, ok in zip(rooms, opened, strict=True) if ok]
    log(f"{len(rooms)} of {len(candidates)} meeting-room sockets open in {time.monotonic() - started:.1f} s")
    proc = await asyncio.create_subprocess_exec(
        PY,
        "manage.py",
        "shell",
        "-c",
        REVOKER.format(),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write((json.dumps(candidates) + "\n").encode())
    await proc.stdin.drain()
    while not (await proc.stdout.readline()).startswith(b"READY"):
        pass
    rows = []
    collateral = 0
    for room in rooms:
        if room.closed_at is not None:  # closed by someone else's revocation
            collateral += 1
            continue
        proc.stdin.write(f"{room.index}\n".encode())
        await proc.stdin.drain()
        line = (await proc.stdout.readline()).decode().split()
        assert line and line[0] == "REVOKED", line
        revoked, committed, pushed = (float(x) for x in line[2:5])
        deadline = time.monotonic() + 5
        while room.closed_at is None and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        rows.append(
            {
                "revoke_start": revoked,
                "commit": committed,
                "pushed": pushed,
                "closed": room.closed_at,
                "closed_message": room.closed_message_at,
                "code": room.close_code,
            }
        )
        await asyncio.sleep(pause)
    proc.stdin.write(b"\n")
    await proc.stdin.drain()
    await proc.wait()
    rows = rows[warmup:]  # the revoking process's first calls import and connect
    closed = [r for r in rows if r["closed"] is not None and r["code"] == 4403]
    return {
        "sockets": len(rooms),
        "warmup_revocations": warmup,
        "revocations": len(rows),
        "closed_4403": len(closed),
        "not_closed": len(rows) - len(closed),
        "collateral_closes": collateral,
        "commit_to_closed": percentiles([r["closed"] - r["commit"] for r in closed]),
        "revoke_to_closed": percentiles([r["closed"] - r["revoke_start"] for r in closed]),
        "revoke_to_commit": percentiles([r["commit"] - r["revoke_start"] for r in closed]),
        "commit_to_pushed": percentiles([r["pushed"] - r["commit"] for r in closed]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50, help="revocations measured (one socket each)")
    parser.add_argument("--warmup", type=int, default=3, help="revocations done first and not counted")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between revocations")
    parser.add_argument("--db", default="", help="database name on the same server (default: DATABASE_URL's)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        log("needs DATABASE_URL of a seed_scale county on PostgreSQL (make bench passes it)")
        return 2
    if args.db:
        url = url.rsplit("/", 1)[0] + "/" + args.db
    env = bench_env(url, f"benchrev{uuid.uuid4().hex[:6]}")
    started = time.monotonic()
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", SETUP.format(count=args.count + args.warmup)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = json.loads(next(ln for ln in out.splitlines() if ln.startswith("CANDIDATES "))[11:])
    candidates = found["candidates"]
    log(f"{len(candidates)} revocations found ({found['dry_runs']} dry runs) in {time.monotonic() - started:.0f} s")
    if not candidates:
        log("no collaboration fits: run manage.py seed_scale on this database first")
        return 2
    port = free_port()
    RESULTS.mkdir(exist_ok=True)
    server_log = open(RESULTS / "revocation-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "uvicorn",
            "web.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/halsa/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start; see bench-results/revocation-server.log") from None
                time.sleep(0.3)
        result = asyncio.run(measure(base, env, candidates, args.pause, args.warmup))
    finally:
        server.terminate()
        server.wait(15)
    report = {
        "database": url.rsplit("/", 1)[-1],
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "server": "uvicorn, 1 process, DJANGO_DEBUG=false, PostgreSQL + Redis (RedisPubSubChannelLayer)",
        "target_p99_ms": TARGET_P99_MS,
        **result,
    }
    (RESULTS / "revocation.json").write_text(json.dumps(report, indent=2))
    print()
    print(
        f"consent revocation → meeting-room socket closed (4403), {result['sockets']} sockets open, "
        f"{result['revocations']} revocations"
    )
    print(f"{'':22} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name in ("commit_to_closed", "revoke_to_closed", "revoke_to_commit", "commit_to_pushed"):
        r = result[name]
        print(
            f"{name:22} {r['n']:4d} {r.get('p50_ms', 0):8.1f} {r.get('p95_ms', 0):8.1f} "
            f"{r.get('p99_ms', 0):8.1f} {r.get('max_ms', 0):8.1f}"
        )
    print(f"not closed: {result['not_closed']}, closed before their own revocation: {result['collateral_closes']}")
    p99 = result["commit_to_closed"].get("p99_ms", float("inf"))
    log(f"target p99 ≤ {TARGET_P99_MS:.0f} ms (commit → closed): {'met' if p99 <= TARGET_P99_MS else 'MISSED'}")
    log(f"wrote {RESULTS / 'revocation.json'}")
    ok = result["not_closed"] == 0 and result["collateral_closes"] == 0 and result["sockets"] == len(candidates)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
