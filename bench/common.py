"""Pieces the benchmark scripts share (run as `python bench/<name>.py`)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"
PY = str(ROOT / ".venv" / "bin" / "python")


def pg_base() -> str:
    """The PostgreSQL server URL without a database name."""
    if os.environ.get("BENCH_PG"):
        return os.environ["BENCH_PG"].rstrip("/")
    url = os.environ.get("DATABASE_URL", "")
    return url.rsplit("/", 1)[0] if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(db: str, env: dict[str, str]) -> None:
    """Create the database if missing and migrate it."""
    import psycopg

    with psycopg.connect(f"{pg_base()}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{db}"')
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)


def percentiles(values: list[float]) -> dict[str, float]:
    """Nearest-rank percentiles of durations in seconds, reported in milliseconds."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return round(ordered[index] * 1000, 2)

    return {
        "n": len(ordered),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def production_env(database_url: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark process: production settings (DEBUG off) on the given
    database and Redis, a channel prefix of its own, test-only variables removed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_TESTING", "DJANGO_ALLOW_ASYNC"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3",
        CHANNEL_PREFIX=prefix,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        ACCESS_LOG_HEADS_DIR=env.get("ACCESS_LOG_HEADS_DIR") or str(Path(tempfile.gettempdir()) / f"{prefix}-heads"),
        DB_CONN_MAX_AGE="600",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


class SmtpSink:
    """A minimal SMTP server on a free local port that accepts every message and counts
    them (and their bytes). `on_message`, when given, sees each message's lines (headers
    and body, without the final ".") under the sink's lock; `delay` seconds are waited
    before each message is acknowledged (a slow mail server). A connection that drops in
    the middle of a message is not counted."""

    def __init__(self, on_message: Callable[[list[bytes]], None] | None = None, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.messages = 0
        self.bytes = 0
        self.lock = threading.Lock()
        self._on_message = on_message
        self._delay = delay
        ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._serve(ready)), daemon=True).start()
        ready.wait(10)

    async def _serve(self, ready: threading.Event) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        ready.set()
        async with server:
            await server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        while True:
            line = await reader.readline()
            if not line:
                break
            command = line[:4].upper()
            if command == b"EHLO":
                writer.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif command == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                lines: list[bytes] = []
                while True:
                    chunk = await reader.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    lines.append(chunk)
                if self._delay:
                    await asyncio.sleep(self._delay)
                if not chunk:
                    break
                with self.lock:
                    self.messages += 1
                    self.bytes += sum(len(chunk) for chunk in lines)
                    if self._on_message is not None:
                        self._on_message(lines)
                writer.write(b"250 queued\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()


def samverkan_refs(lines: list[bytes]) -> list[int]:
    """The notification ids in a message's `X-Samverkan-Ref` header (n<id>, folded or not)."""
    refs: list[int] = []
    in_ref = in_headers = True
    for chunk in lines:
        if in_headers and chunk in (b"\r\n", b"\n"):
            in_headers = False
        elif in_headers and chunk[:1] in (b" ", b"\t") and in_ref:  # a folded header line
            refs += [int(r) for r in re.findall(rb"n(\d+)", chunk)]
        elif in_headers:
            in_ref = chunk.lower().startswith(b"x-samverkan-ref:")
            if in_ref:
                refs += [int(r) for r in re.findall(rb"n(\d+)", chunk)]
    return refs
