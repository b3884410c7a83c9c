"""`make bench`: the production layout on PostgreSQL + Redis with county-scale data, loaded
with wrk, compared with a minimal view served by the same stack.

Layout (deploy/): nginx on one address → gunicorn WSGI workers for HTTP, uvicorn for
/ws/, Celery worker and beat. Each pass measures every path and the reference view
(/halsa/referens/); a pass whose reference throughput drifts more than 15 % from the
median reference is rejected. Figures per path are medians over the kept passes.

Writes bench-results/http.json and prints a table; then runs the websocket and reminder
benchmarks when present (bench/ws_delivery.py, bench/reminders.py, bench/revocation.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from string import Template

from common import PY, RESULTS, ROOT, production_env  # bench/common.py (this folder is on sys.path)

BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3")
DRIFT = 0.15


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def bench_env(db: str, static_root: Path) -> dict[str, str]:
    env = production_env(
        f"{PG}/{db}", "bench", SITE_URL="http://127.0.0.1", STATIC_ROOT=str(static_root), PORTAL_BENCH_PAGES="true"
    )
    env["REDIS_URL"] = REDIS
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def ensure_database(db: str, children: int, env: dict[str, str], reseed: bool) -> None:
    import psycopg

    marker = RESULTS / f".seeded-{db}.json"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone() is not None
        if exists and not reseed and marker.exists() and json.loads(marker.read_text()).get("children") == children:
            log(f"database {db} already holds {children} children")
            manage(env, "migrate", "--noinput", "-v", "0")
            return
        if exists:
            conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    manage(env, "migrate", "--noinput", "-v", "0")
    started = time.monotonic()
    manage(env, "seed_scale", "--children", str(children))
    seconds = time.monotonic() - started
    log(f"seeded {children} children in {seconds:.0f} s")
    marker.write_text(json.dumps({"children": children, "seconds": round(seconds, 1)}))


class Layout:
    """nginx + gunicorn + uvicorn + celery worker and beat, as in deploy/Procfile."""

    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.procs: list[subprocess.Popen] = []
        self.prefix = Path(tempfile.mkdtemp(prefix="svp-bench-"))

    def _spawn(self, name: str, args: list[str]) -> None:
        out = open(self.prefix / f"{name}.log", "w")  # noqa: SIM115
        self.procs.append(subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT))

    def start(self) -> None:
        env = self.env
        self._spawn(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "web.wsgi:application",
                "--config",
                "deploy/gunicorn.conf.py",
                "--workers",
                str(self.workers),
                "--bind",
                "127.0.0.1:8101",
            ],
        )
        self._spawn(
            "uvicorn",
            [
                str(BIN / "uvicorn"),
                "web.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                "8102",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
        )
        self._spawn("worker", [str(BIN / "celery"), "-A", "portal", "worker", "--concurrency", "1", "-l", "warning"])
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "beat",
                "-l",
                "warning",
                "--schedule",
                str(self.prefix / "beat-schedule"),
            ],
        )
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / sub).mkdir(exist_ok=True)
        conf = Template((ROOT / "deploy" / "nginx.conf.template").read_text()).safe_substitute(
            PREFIX=str(self.prefix),
            HTTP_UPSTREAM="127.0.0.1:8101",
            WS_UPSTREAM="127.0.0.1:8102",
            LISTEN=f"127.0.0.1:{self.port}",
            STATIC_ROOT=env["STATIC_ROOT"],
            FORWARDED_PROTO="https",
        )
        (self.prefix / "nginx.conf").write_text(conf)
        self._spawn(
            "nginx", ["nginx", "-c", str(self.prefix / "nginx.conf"), "-p", str(self.prefix), "-g", "daemon off;"]
        )
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/halsa/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"layout did not start; logs in {self.prefix}")

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def wrk(url: str, cookie: str | None, duration: int, connections: int) -> dict[str, float]:
    args = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        # Slow answers are measured, not dropped: wrk's default 2 s timeout would count
        # them as errors and leave them out of the percentiles.
        "--timeout",
        "30s",
        "-s",
        str(ROOT / "bench" / "wrk_report.lua"),
    ]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args += ["-H", "X-Forwarded-Proto: https", url]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    data = json.loads(line)
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def settle(base: str, limit: float = 20.0) -> None:
    """Wait until the workers have finished what the last run queued (wrk closes its
    connections, but the requests already taken keep the workers busy): three reference
    requests in a row under 20 ms, or `limit` seconds."""
    deadline = time.monotonic() + limit
    fast = 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/halsa/referens/", timeout=limit) as response:
                response.read()
        except OSError:
            fast = 0
            continue
        fast = fast + 1 if time.monotonic() - started < 0.02 else 0
        time.sleep(0.05)


def check_pages(base: str, targets: list[dict[str, str]]) -> None:
    """Every page must answer 200 for its persona before we measure it."""
    for target in targets:
        request = urllib.request.Request(base + target["path"], headers={"X-Forwarded-Proto": "https"})
        if target.get("cookie"):
            request.add_header("Cookie", target["cookie"])
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200 or response.geturl().rstrip("/") != (base + target["path"]).rstrip("/"):
                raise RuntimeError(f"{target['name']} answered {response.status} at {response.geturl()}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=int(os.environ.get("BENCH_CHILDREN", "60000")))
    parser.add_argument("--passes", type=int, default=int(os.environ.get("BENCH_PASSES", "3")))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "8")))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", ""), help="database (default svp_bench_<children>)")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--http-only", action="store_true", help="skip the websocket, reminder and revocation runs")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            log(f"installing {tool} (Debian package)")
            subprocess.run(["apt-get", "install", "-y", "-q", tool], check=True, stdout=subprocess.DEVNULL)
    RESULTS.mkdir(exist_ok=True)
    db = args.db or f"svp_bench_{args.children}"
    static_root = RESULTS / "static"
    env = bench_env(db, static_root)
    ensure_database(db, args.children, env, args.reseed)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "compilemessages", "--ignore", ".venv", "-v", "0")
    sessions = json.loads(manage(env, "bench_sessions", capture=True))
    targets = sessions["targets"]
    if args.only:
        wanted = set(args.only.split(","))
        targets = [t for t in targets if t["name"] in wanted or t["name"] in ("reference", "plain")]
    layout = Layout(env, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    passes: list[dict[str, dict[str, float]]] = []
    load_before = os.getloadavg()
    log(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    try:
        layout.start()
        check_pages(base, targets)
        for target in targets:  # warm-up
            wrk(base + target["path"], target.get("cookie"), 2, args.connections)
        for n in range(args.passes):
            result = {}
            for target in targets:
                settle(base)
                result[target["name"]] = r = wrk(
                    base + target["path"], target.get("cookie"), args.duration, args.connections
                )
                log(
                    f"  {target['name']:20} {r['rps']:7.0f} req/s  p50 {r['p50_ms']:6.1f}  p95 {r['p95_ms']:6.1f}  "
                    f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}"
                )
            passes.append(result)
            log(f"pass {n + 1}: reference {result['reference']['rps']:.0f} req/s")
    finally:
        layout.stop()
    load_after = os.getloadavg()
    log(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    ref_median = statistics.median(p["reference"]["rps"] for p in passes)
    kept = [p for p in passes if abs(p["reference"]["rps"] - ref_median) <= DRIFT * ref_median] or passes
    kept = [p for p in kept if p["reference"]["rps"] > 0]
    if not kept:
        log("every pass had a reference throughput of 0: see the logs in " + str(layout.prefix))
        return 1
    rows = []
    for target in targets:
        name = target["name"]
        series = [p[name] for p in kept]
        row = {
            "name": name,
            "path": target["path"],
            "rps": statistics.median(s["rps"] for s in series),
            "p50_ms": statistics.median(s["p50_ms"] for s in series),
            "p95_ms": statistics.median(s["p95_ms"] for s in series),
            "p99_ms": statistics.median(s["p99_ms"] for s in series),
            "errors": sum(s["errors"] for s in series),
            "ratio": statistics.median(p[name]["rps"] / p["reference"]["rps"] for p in kept),
            # Issue 15: throughput as a share of the plain signed-in page's (web/benchref.py).
            "plain_ratio": statistics.median(p[name]["rps"] / max(p["plain"]["rps"], 1e-9) for p in kept),
            "target_ratio": target.get("target_ratio"),
        }
        rows.append(row)
    print()
    print(f"{'path':28} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>5} {'ratio':>6} {'÷plain':>7}")
    for r in rows:
        print(
            f"{r['name']:28} {r['rps']:8.0f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['p99_ms']:7.1f} "
            f"{r['errors']:5d} {r['ratio']:6.2f} {r['plain_ratio']:7.2f}"
        )
    report = {
        "children": args.children,
        "connections": args.connections,
        "duration_s": args.duration,
        "passes": len(passes),
        "kept_passes": len(kept),
        "gunicorn_workers": args.workers,
        "cpu_count": os.cpu_count(),
        "database": db,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "reference_rps_per_pass": [round(p["reference"]["rps"]) for p in passes],
        "seeded": json.loads(marker.read_text()) if (marker := RESULTS / f".seeded-{db}.json").exists() else None,
        "personas": sessions.get("personas", {}),
        "rows": rows,
        "queries": sessions.get("queries", {}),
    }
    (RESULTS / "http.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log(f"wrote {RESULTS / 'http.json'}")
    status = 0
    # The websocket and reminder runs build their own small databases (named after this
    # one); the revocation run uses the county itself (DATABASE_URL).
    extra = {
        "inprocess.py": ["--db", db],
        "ws_delivery.py": ["--db", f"{db}_ws"],
        "reminders.py": ["--db", f"{db}_reminders"],
        "revocation.py": [],
    }
    for script, script_args in ({} if args.http_only else extra).items():
        path = ROOT / "bench" / script
        if path.exists():
            log(f"running bench/{script} (load average {os.getloadavg()[0]:.2f})")
            status |= subprocess.run([PY, str(path), *script_args], cwd=ROOT, env=env).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
