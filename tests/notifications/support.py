"""Helpers for the multi-process notification tests: a private Redis (so a test can stop
it without touching the shared one), server and worker processes, signed-in sessions,
websocket listeners and reading the e-mail the processes wrote to files."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
UVICORN = [sys.executable, "-m", "uvicorn", "web.asgi:application", "--host", "127.0.0.1", "--log-level", "warning"]
WORKER = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo", "-c", "1", "-l", "warning"]
WORKER += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
BEAT = [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class PrivateRedis:
    """A redis-server of our own on a free port: stopping it affects no one else."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _reachable(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> None:
        assert REDIS_SERVER, "redis-server is not installed"
        log = open(self.log_dir / f"redis-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for(self._reachable, 10):
            raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        wait_for(lambda: not self._reachable(), 5)


def process_env(*, database_name: str, redis_url: str, prefix: str, mail_dir: Path) -> dict[str, str]:
    """Environment for server, worker and shell processes sharing the test's database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database_name}"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="true",
        PORTAL_TESTING="1",
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        CHANNEL_PREFIX=prefix,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    return env


@dataclass
class Processes:
    env: dict[str, str]
    log_dir: Path
    running: list[subprocess.Popen] = field(default_factory=list)

    def _log(self, name: str) -> Any:
        return open(self.log_dir / f"{name}.log", "a")

    def server(self, port: int) -> str:
        proc = subprocess.Popen(
            [*UVICORN, "--port", str(port)],
            cwd=ROOT,
            env=self.env,
            stdout=self._log(f"uvicorn-{port}"),
            stderr=subprocess.STDOUT,
        )
        self.running.append(proc)
        base = f"http://127.0.0.1:{port}"
        import urllib.request

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"server on {port} exited; see {self.log_dir}")
            try:
                with urllib.request.urlopen(base + "/halsa/", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        if not wait_for(healthy, 60, 0.3):
            raise RuntimeError("server did not become healthy")
        return base

    def worker(self, name: str = "worker") -> subprocess.Popen:
        proc = subprocess.Popen(
            [*WORKER, "-n", f"{name}@%h"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log(name),
            stderr=subprocess.STDOUT,
        )
        self.running.append(proc)
        return proc

    def beat(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [*BEAT, "--schedule", str(self.log_dir / "celerybeat-schedule")],
            cwd=ROOT,
            env=self.env,
            stdout=self._log("beat"),
            stderr=subprocess.STDOUT,
        )
        self.running.append(proc)
        return proc

    def shell(self, code: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"shell failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.running.clear()


def signed_in_session(user: Any, membership: Any = None) -> str:
    """A saved session for `user` (staff: acting for `membership`, second factor done)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.viewers import ACTING_AS_SESSION_KEY, MFA_OK

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if membership is not None:
        session[ACTING_AS_SESSION_KEY] = membership.pk
        session[MFA_OK] = True
    session.save()
    return session.session_key  # type: ignore[return-value]


class Listener:
    """A websocket client in a thread that records every message it receives and, like the
    browser, reconnects and asks for what it missed."""

    def __init__(self, base_url: str, session_key: str) -> None:
        self.url = base_url.replace("http://", "ws://") + "/ws/notiser/"
        self.origin = base_url
        self.cookie = f"sessionid={session_key}"
        self.pushed: list[int] = []
        self.caught_up: list[int] = []
        self.connected = threading.Event()
        self.connections = 0
        self._stop = threading.Event()
        self._ws: Any = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from websockets.sync.client import connect

        while not self._stop.is_set():
            try:
                with connect(self.url, origin=self.origin, additional_headers={"Cookie": self.cookie}) as ws:  # type: ignore[arg-type]
                    self._ws = ws
                    self.connections += 1
                    last = max(self.pushed + self.caught_up, default=0)
                    if self.connections > 1:
                        ws.send(json.dumps({"type": "since", "id": last}))
                    self.connected.set()
                    for raw in ws:
                        data = json.loads(raw)
                        if data.get("catch_up"):
                            self.caught_up.extend(data["ids"])
                        elif data.get("type") == "notification":
                            self.pushed.append(data["id"])
            except Exception:
                self.connected.clear()
                time.sleep(0.3)

    def close(self) -> None:
        self._stop.set()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self._ws.close()
        self.thread.join(5)


def mail_refs(mail_dir: Path) -> list[int]:
    """Notification ids named by every e-mail written (one entry per e-mail per id)."""
    refs: list[int] = []
    for path in sorted(mail_dir.glob("*.log")):
        for match in re.finditer(r"^X-Samverkan-Ref: (.+)$", path.read_text(errors="replace"), re.MULTILINE):
            refs.extend(int(ref[1:]) for ref in match.group(1).split())
    return refs
