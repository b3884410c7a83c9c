"""`make load`: 500 simulated people on the production layout, walking the personas' pages.

The layout of `make bench` (nginx → gunicorn, uvicorn, Celery worker and beat; bench/run.py)
on the county database, and locust in a process and virtualenv of its own (.venv-load, from
requirements-load.lock: the `load` dependency group of pyproject.toml). Each simulated
person is a persona of bench_sessions (coordinator, staff of another agency under
consent, guardian, agency admin) and walks that persona's pages with 2–8 s between clicks
(bench/locustfile.py). Reports p50/p95/p99 and errors per page with the machine's load,
and writes bench-results/load.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

from common import RESULTS, ROOT
from run import Layout, bench_env, check_pages, ensure_database, manage

LOAD_VENV = ROOT / ".venv-load"


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_venv() -> str:
    """.venv-load with locust, installed from the lock (once; again when the lock changes)."""
    stamp = LOAD_VENV / ".installed"
    lock = ROOT / "requirements-load.lock"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        log("installing locust into .venv-load from requirements-load.lock")
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        uv = ROOT / ".venv" / "bin" / "uv"
        subprocess.run(
            [str(uv), "pip", "sync", "--quiet", "--python", str(LOAD_VENV / "bin" / "python"), str(lock)], check=True
        )
        stamp.touch()
    return str(LOAD_VENV / "bin" / "locust")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--spawn-rate", type=float, default=25)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--children", type=int, default=int(os.environ.get("BENCH_CHILDREN", "3000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "5")))
    parser.add_argument("--port", type=int, default=8110)
    args = parser.parse_args()
    locust = load_venv()
    if shutil.which("nginx") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "nginx"], check=True, stdout=subprocess.DEVNULL)
    RESULTS.mkdir(exist_ok=True)
    db = f"svp_bench_{args.children}"
    env = bench_env(db, RESULTS / "static")
    ensure_database(db, args.children, env, reseed=False)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    targets = json.loads(manage(env, "bench_sessions", capture=True))["targets"]
    targets = [t for t in targets if t.get("cookie")]
    targets_file = RESULTS / "load-targets.json"
    targets_file.write_text(json.dumps(targets))
    layout = Layout(env, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    prefix = RESULTS / "load"
    load_before = os.getloadavg()
    try:
        layout.start()
        check_pages(base, targets)
        log(f"{args.users} users, {args.spawn_rate}/s ramp, {args.seconds} s; load before {load_before[0]:.2f}")
        subprocess.run(
            [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base,
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOAD_TARGETS": str(targets_file)}, check=False,
        )  # fmt: skip
    finally:
        load_after = os.getloadavg()
        layout.stop()
    rows = []
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            rows.append(
                {
                    "page": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "rps": round(float(row["Requests/s"]), 1),
                }
            )
    report = {
        "users": args.users,
        "seconds": args.seconds,
        "children": args.children,
        "gunicorn_workers": args.workers,
        "think_time_s": [2, 8],
        "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpu_count": os.cpu_count(),
        "pages": rows,
    }
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2))
    print(f"\n{'page':22} {'requests':>9} {'errors':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7}")
    for r in rows:
        print(
            f"{r['page']:22} {r['requests']:9} {r['failures']:7} {r['p50_ms']:7.0f} {r['p95_ms']:7.0f} "
            f"{r['p99_ms']:7.0f} {r['rps']:7.1f}"
        )
    print(f"load average {load_before[0]:.2f} → {load_after[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
