"""Targeted notification delivery with 1,000 connected websocket clients.

Starts a uvicorn server with production-like settings on PostgreSQL + Redis, signs in
1,000 staff users (one socket each, so every push is targeted at one user's group) and
measures two latencies, both on the system-wide monotonic clock:

* push:        channel-layer `group_send` to one user's group → the message arrives at
               that user's socket (the Redis pub/sub hop and the consumer);
* end to end:  `notify()` in another process (row insert, commit, the dispatcher thread's
               claim and push) → the message arrives at the socket.

Prints a summary and writes bench-results/ws_delivery.json. Run by `make bench` (bench/run.py),
or alone: `.venv/bin/python bench/ws_delivery.py [--clients 1000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
import urllib.request
import uuid

from common import (
    PY,
    RESULTS,
    ROOT,
    ensure_database,
    free_port,
    percentiles,
    pg_base,
    production_env,  # bench/common.py (this folder is on sys.path)
)

UVICORN = [
    PY,
    "-m",
    "uvicorn",
    "web.asgi:application",
    "--host",
    "127.0.0.1",
    "--no-access-log",
    "--log-level",
    "warning",
]


def log(message: str) -> None:
    print(f"[ws_delivery] {message}", flush=True)


def bench_env(db: str, prefix: str) -> dict[str, str]:
    return production_env(f"{pg_base()}/{db}", prefix)


SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from datetime import timedelta
from agencies.models import Agency, Membership, Principal
from access.scoping import system_scope
from portal.models import User

N = {clients}
with system_scope():
    principal, _ = Principal.objects.get_or_create(name="Benchkommun", defaults={{"kind": "municipality"}})
    agency, _ = Agency.objects.get_or_create(principal=principal, name="Bench samordning",
                                             defaults={{"kind": "coordination"}})
    emails = [f"bench-ws-{{n}}@bench.example" for n in range(N)]
    have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name="Bench", password="!") for e in emails if e not in have])
    users = list(User.objects.filter(email__in=emails).order_by("pk"))
    members = set(Membership.objects.filter(agency=agency).values_list("user_id", flat=True))
    Membership.objects.bulk_create([Membership(user=u, agency=agency, role="staff") for u in users
                                    if u.pk not in members])
    by_user = dict(Membership.objects.filter(agency=agency).values_list("user_id", "pk"))
    store = SessionStore()
    expire = timezone.now() + timedelta(hours=2)
    sessions = []
    out = []
    for u in users:
        key = store._get_new_session_key()
        data = {{SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: u.get_session_auth_hash(), "portal_acting_as": by_user[u.pk],
                "portal_mfa_ok": True}}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        out.append([u.pk, key])
    Session.objects.bulk_create(sessions)
print("USERS " + json.dumps(out))
"""

SENDER = """
import json, random, sys, time
from django.db import transaction
from django.urls import reverse
from notifications import delivery, services
reverse("portal:home")
# Measure the push path only: no e-mail task is queued (no worker runs in this benchmark).
delivery.Dispatcher._publish = lambda self, ids: None
user_ids = {user_ids}
rng = random.Random(7)
print("READY", flush=True)
sys.stdin.readline()
for n in range({warmup} + {sends}):
    uid = rng.choice(user_ids)
    started = time.monotonic()
    with transaction.atomic():
        (row,) = services.notify(recipients=[uid], kind="meeting.called")
    committed = time.monotonic()
    if n >= {warmup}:
        print(f"SENT {{row.pk}} {{uid}} {{started}} {{committed}}", flush=True)
    time.sleep({interval})
delivery.dispatcher().stop(10)
print("DONE", flush=True)
"""


class Clients:
    def __init__(self, base: str, users: list[list]) -> None:
        self.base = base
        self.users = users
        self.received: dict[int, float] = {}
        self.received_by: dict[int, list[int]] = {}
        self.sockets: list = []
        self.readers: list[asyncio.Task] = []

    async def _open(self, user_id: int, key: str) -> None:
        from websockets.asyncio.client import connect

        url = self.base.replace("http://", "ws://") + "/ws/notiser/"
        ws = await connect(
            url,
            origin=self.base,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={key}"},
            open_timeout=60,
            ping_interval=None,
        )
        self.sockets.append(ws)
        self.readers.append(asyncio.create_task(self._read(user_id, ws)))

    async def _read(self, user_id: int, ws) -> None:  # type: ignore[no-untyped-def]
        try:
            async for raw in ws:
                now = time.monotonic()
                data = json.loads(raw)
                if data.get("type") == "notification":
                    self.received.setdefault(data["id"], now)
                    self.received_by.setdefault(data["id"], []).append(user_id)
        except Exception:
            pass

    async def connect_all(self, batch: int = 50) -> float:
        started = time.monotonic()
        for start in range(0, len(self.users), batch):
            await asyncio.gather(*(self._open(uid, key) for uid, key in self.users[start : start + batch]))
        return time.monotonic() - started

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self.readers:
            task.cancel()


async def wait_received(clients: Clients, ids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not ids <= clients.received.keys():
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # anything delivered twice or to the wrong socket arrives now


def summarise(clients: Clients, sent: dict[int, tuple[int, float]]) -> dict:
    latencies = [clients.received[i] - t for i, (_u, t) in sent.items() if i in clients.received]
    wrong = sum(1 for i, (u, _t) in sent.items() if i in clients.received_by and clients.received_by[i] != [u])
    return {**percentiles(latencies), "lost": len(sent) - len(latencies), "misdelivered_or_duplicated": wrong}


async def measure_push(clients: Clients, env: dict[str, str], sends: int, interval: float) -> dict:
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[env["REDIS_URL"]], prefix=env["CHANNEL_PREFIX"])
    rng = random.Random(3)
    sent: dict[int, tuple[int, float]] = {}
    marker = 10**12
    for n in range(sends):
        user_id, _key = rng.choice(clients.users)
        message_id = marker + n
        sent[message_id] = (user_id, time.monotonic())
        await layer.group_send(f"user.{user_id}", {"type": "notification.new", "id": message_id})
        await asyncio.sleep(interval)
    await wait_received(clients, set(sent), 10)
    await layer.flush()
    return summarise(clients, sent)


async def measure_end_to_end(clients: Clients, env: dict[str, str], sends: int, interval: float) -> dict:
    user_ids = [uid for uid, _key in clients.users]
    code = SENDER.format(user_ids=json.dumps(user_ids), sends=sends, interval=interval, warmup=20)
    proc = await asyncio.create_subprocess_exec(
        PY,
        "manage.py",
        "shell",
        "-c",
        code,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    sent: dict[int, tuple[int, float]] = {}
    after_commit: dict[int, tuple[int, float]] = {}
    while True:
        line = (await proc.stdout.readline()).decode()
        if not line:
            break
        if line.startswith("READY"):
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        elif line.startswith("SENT "):
            _, pk, uid, started, committed = line.split()
            sent[int(pk)] = (int(uid), float(started))
            after_commit[int(pk)] = (int(uid), float(committed))
        elif line.startswith("DONE"):
            break
    await proc.wait()
    await wait_received(clients, set(sent), 10)
    return {**summarise(clients, sent), "commit_to_socket": summarise(clients, after_commit)}


async def run(base: str, users: list[list], env: dict[str, str], args: argparse.Namespace) -> dict:
    clients = Clients(base, users)
    connect_s = await clients.connect_all()
    log(f"{len(clients.sockets)} websocket clients connected in {connect_s:.1f} s")
    await asyncio.sleep(1)
    push = await measure_push(clients, env, args.sends, args.interval)
    log(f"push (group_send → socket): p50 {push.get('p50_ms')} ms, p99 {push.get('p99_ms')} ms, lost {push['lost']}")
    e2e = await measure_end_to_end(clients, env, args.e2e_sends, args.e2e_interval)
    log(f"end to end (notify → socket): p50 {e2e.get('p50_ms')} ms, p99 {e2e.get('p99_ms')} ms, lost {e2e['lost']}")
    after = e2e["commit_to_socket"]
    log(f"of which after commit (dispatch → socket): p50 {after.get('p50_ms')} ms, p99 {after.get('p99_ms')} ms")
    await clients.close()
    return {"connected": len(clients.sockets), "connect_seconds": round(connect_s, 1), "push": push, "end_to_end": e2e}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=500, help="targeted group_send pushes")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between pushes")
    parser.add_argument("--e2e-sends", type=int, default=300, help="notify() calls from another process")
    parser.add_argument("--e2e-interval", type=float, default=0.03)
    parser.add_argument("--db", default="svp_bench_ws")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.clients + 256)), hard))
    env = bench_env(args.db, f"benchws{uuid.uuid4().hex[:6]}")
    ensure_database(args.db, env)
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", SETUP.format(clients=args.clients)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    users = json.loads(next(ln for ln in out.splitlines() if ln.startswith("USERS "))[6:])
    port = free_port()
    RESULTS.mkdir(exist_ok=True)
    server_log = open(RESULTS / "ws_delivery-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [*UVICORN, "--port", str(port)],
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
                    raise RuntimeError("server did not start; see bench-results/ws_delivery-server.log") from None
                time.sleep(0.3)
        result = asyncio.run(run(base, users, env, args))
    finally:
        server.terminate()
        server.wait(15)
    report = {
        "clients": args.clients,
        "cpu_count": os.cpu_count(),
        "server": "uvicorn, 1 process, DJANGO_DEBUG=false, PostgreSQL + Redis (RedisPubSubChannelLayer)",
        **result,
    }
    (RESULTS / "ws_delivery.json").write_text(json.dumps(report, indent=2))
    print()
    print(f"targeted notification delivery, {result['connected']} websocket clients connected")
    print(f"{'':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'lost':>5}")
    rows = (
        ("push (group_send → socket)", result["push"]),
        ("notify() → socket", result["end_to_end"]),
        ("  after commit → socket", result["end_to_end"]["commit_to_socket"]),
    )
    for name, r in rows:
        print(
            f"{name:28} {r['n']:5d} {r.get('p50_ms', 0):8.1f} {r.get('p95_ms', 0):8.1f} {r.get('p99_ms', 0):8.1f} "
            f"{r.get('max_ms', 0):8.1f} {r['lost']:5d}"
        )
    log(f"wrote {RESULTS / 'ws_delivery.json'}")
    bad = sum(result[k]["lost"] + result[k]["misdelivered_or_duplicated"] for k in ("push", "end_to_end"))
    return 0 if bad == 0 and result["connected"] == args.clients else 1


if __name__ == "__main__":
    sys.exit(main())
