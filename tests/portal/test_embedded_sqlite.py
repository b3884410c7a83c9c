"""The embedded default under concurrent writers: `make run`'s layout on a fresh SQLite file.

The web server (`manage.py runserver`: daphne, a thread per request) and the embedded
beat (`run_embedded_beat`, here running its interval tasks every second) run as `make run`
starts them — SQLITE_PATH, no DATABASE_URL / REDIS_URL / PORTAL_TESTING — while 8 threads
each send 20 form posts (mapping rows and plan edits on a case; one in four with bad
input, answered 400, which still writes the session and the access log). Before WAL and IMMEDIATE transactions,
a deferred transaction that read and then wrote failed at once with "database is locked"
(a 500), and the beat died of the same error.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
THREADS = 8
POSTS = 20
MARK = "Samtidig skrivning"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _embedded_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "PORTAL_", "DJANGO_"))}
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"),
        ACCESS_LOG_HEADS_DIR=str(tmp / "heads"),
        ACCESS_LOG_SIGNING_KEY=str(tmp / "signing-key.pem"),
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_for(port: int, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server ended"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/halsa/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail("the server did not start")


def _post(n: int, i: int) -> tuple[str, dict[str, str]]:
    """Thread n's i-th post: even threads add mapping rows (a write first in the
    transaction), odd ones edit the plan (reads the plan row, then bumps its version:
    the read-then-write that a deferred transaction loses). Every 4th is bad input."""
    bad = i % 4 == 3
    if n % 2 == 0:
        return "kartlaggning/", {"area": "school", "current_state": "" if bad else f"{MARK} {n}-{i}"}
    return "plan/", {"support_needed": f"{MARK} {n}-{i}", **({"overall_principal": "ingen"} if bad else {})}


def _writer(port: int, session: str, case: str, n: int, statuses: Counter, lock: threading.Lock) -> None:
    csrf = "c" * 32  # any 32-character secret: the cookie and the header must agree
    headers = {
        "Cookie": f"sessionid={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(POSTS):
        path, data = _post(n, i)
        conn.request("POST", f"/samverkan/{case}/{path}", urllib.parse.urlencode(data), headers)
        response = conn.getresponse()
        response.read()
        with lock:
            statuses[response.status] += 1


def test_concurrent_writers_on_the_embedded_layout_get_no_500(tmp_path):
    started = time.monotonic()
    env = _embedded_env(tmp_path)
    port = _free_port()
    server_log, beat_log = tmp_path / "server.log", tmp_path / "beat.log"
    manage = [PYTHON, "manage.py"]
    with open(server_log, "w") as slog, open(beat_log, "w") as blog:
        # The server starts while the file is set up (it reads nothing before a request).
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=slog,
            stderr=subprocess.STDOUT,
        )
        beat = None
        try:
            setup = subprocess.run(
                [PYTHON, str(ROOT / "tests/portal/embedded_sqlite_setup.py"), str(THREADS)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert setup.returncode == 0, setup.stderr[-3000:]
            world = json.loads(setup.stdout.strip().splitlines()[-1])
            setup_seconds = time.monotonic() - started
            beat = subprocess.Popen(
                [*manage, "run_embedded_beat", "--tick", "0.2", "--every", "1"],
                cwd=ROOT,
                env=env,
                stdout=blog,
                stderr=subprocess.STDOUT,
            )
            _wait_for(port, server, time.monotonic() + 90)
            deadline = time.monotonic() + 90
            while "Embedded beat:" not in beat_log.read_text():  # it is ticking: the writers may go
                assert beat.poll() is None and time.monotonic() < deadline, beat_log.read_text()
                time.sleep(0.2)
            start_seconds = time.monotonic() - started - setup_seconds
            statuses: Counter = Counter()
            lock = threading.Lock()
            load_started = time.monotonic()
            threads = [
                threading.Thread(target=_writer, args=(port, world["sessions"][n], world["case"], n, statuses, lock))
                for n in range(THREADS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            load_seconds = time.monotonic() - load_started
            beat_alive = beat.poll() is None
        finally:
            processes = [p for p in (server, beat) if p is not None]
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    requests = THREADS * POSTS
    bad = THREADS * (POSTS // 4)
    print(
        f"\nembedded SQLite: {requests} posts from {THREADS} threads in {load_seconds:.1f} s "
        f"(set-up {setup_seconds:.1f} s, server and beat up {start_seconds:.1f} s later, "
        f"whole test {time.monotonic() - started:.1f} s): {dict(statuses)}"
    )
    beat_text = beat_log.read_text()
    assert statuses[500] == 0, server_log.read_text()[-5000:]
    assert statuses == Counter({302: requests - bad, 400: bad}), server_log.read_text()[-5000:]
    assert beat_alive, beat_text[-5000:]
    assert "failed" not in beat_text and "database is locked" not in beat_text, beat_text[-5000:]
    assert beat_text.count("checkpoint-access-log ->") >= 2, beat_text[-5000:]  # it wrote alongside

    good = [(n, i) for n in range(THREADS) for i in range(POSTS) if i % 4 != 3]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        case_id = world["case_id"]
        mapped = {r[0] for r in db.execute("SELECT current_state FROM cases_mappingentry WHERE case_id = ?", [case_id])}
        versions = [r[0] for r in db.execute("SELECT version FROM cases_planchange WHERE case_id = ?", [case_id])]
        [plan_version] = db.execute("SELECT version FROM cases_plan WHERE case_id = ?", [case_id]).fetchone()
    assert mapped == {f"{MARK} {n}-{i}" for n, i in good if n % 2 == 0}
    plan_edits = len([1 for n, i in good if n % 2 == 1])
    assert sorted(versions) == list(range(1, plan_edits + 1)) and plan_version == plan_edits
