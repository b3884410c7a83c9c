"""Pieces the benchmark scripts share (run as `python bench/<name>.py`)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
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
