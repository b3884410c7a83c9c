"""In-process cost of every main page as a ratio to a plain signed-in Django page (issue 15,
items 3 and 5), and of one scoped query against the same query unfiltered.

Runs in one process against a `seed_scale` county (production settings, DEBUG off): signs
in the benchmark's personas (`manage.py bench_sessions`), then requests every page through
Django's test client in rounds — each round requests every page once, so a drift of the
machine touches all pages alike — and reports per page the median CPU time of the process
(`time.process_time`: Python and Django, not PostgreSQL), the median wall time, the queries
and the ratio of CPU to the plain page's: twenty collaborations of the coordinator's agency
with one join, in the portal's layout, without the consent layer (`web/benchref.py`).

    .venv/bin/python bench/inprocess.py --db svp_bench_3000 --rounds 40 [--pages case_coordinator,meeting]

The scoped query is timed interleaved with the same query unfiltered (batches of ten, one
after the other, median of the rounds).

Writes bench-results/inprocess.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, production_env

PAGE_LIMITS = {"queries": 12, "cpu_ratio": 3.0}
SCOPED_QUERY_LIMIT = 1.3


def setup(db: str) -> None:
    static_root = RESULTS / "static-inprocess"
    env = production_env(
        f"postgres://postgres@127.0.0.1:5432/{db}",
        "inproc",
        PORTAL_BENCH_PAGES="true",
        STATIC_ROOT=str(static_root),
    )
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)


def measure_pages(rounds: int, only: set[str] | None = None) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = io.StringIO()
    call_command("bench_sessions", stdout=out)
    plan = json.loads(out.getvalue())
    targets = [t for t in plan["targets"] if t["name"] != "reference"]
    if only:
        unknown = only - {t["name"] for t in targets}
        if unknown:
            raise SystemExit(f"unknown pages {sorted(unknown)}; known: {[t['name'] for t in targets]}")
        targets = [t for t in targets if t["name"] == "plain" or t["name"] in only]
    clients = {}
    for target in targets:
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], HTTP_X_FORWARDED_PROTO="https")
        if target["cookie"]:
            name, value = target["cookie"].split("=", 1)
            client.cookies[name] = value
        clients[target["name"]] = client
    cpu: dict[str, list[float]] = {t["name"]: [] for t in targets}
    wall: dict[str, list[float]] = {t["name"]: [] for t in targets}
    queries: dict[str, int] = {}
    for target in targets:  # warm up, and count the queries once
        for _ in range(3):
            clients[target["name"]].get(target["path"], secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = clients[target["name"]].get(target["path"], secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{target['name']} answered {response.status_code}")
        queries[target["name"]] = len(captured.captured_queries)
    for _ in range(rounds):
        for target in targets:
            client = clients[target["name"]]
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(target["path"], secure=True)
            cpu[target["name"]].append((time.process_time() - c0) * 1000)
            wall[target["name"]].append((time.perf_counter() - w0) * 1000)
    plain = statistics.median(cpu["plain"])
    pages = {}
    for target in targets:
        name = target["name"]
        median_cpu = statistics.median(cpu[name])
        pages[name] = {
            "path": target["path"],
            "persona": target["persona"],
            "cpu_ms": round(median_cpu, 2),
            "wall_ms": round(statistics.median(wall[name]), 2),
            "queries": queries[name],
            "cpu_ratio": round(median_cpu / plain, 2),
        }
    return {"pages": pages, "personas": plan.get("personas", {})}


def measure_scoped_query(rounds: int) -> dict[str, Any]:
    """One scoped read (a collaboration's shared items as consented staff of another
    agency) against the same query on the unfiltered manager, both to a list."""
    from django.db.models import F
    from django.utils import timezone

    from access.policy import in_force
    from access.scoping import Viewer, scope, system_scope
    from cases.models import Case, SharedItem
    from consent.models import ConsentGrant

    with system_scope():
        grant = (
            ConsentGrant.objects.filter(
                in_force(timezone.now()), category__code="school", case__status=Case.Status.OPEN
            )
            .exclude(case__owner_agency_id=F("agency_id"))
            .select_related("case")
            .first()
        )
        assert grant is not None, "no grant in force in the county"
        from agencies.models import Membership

        member = Membership.objects.filter(agency_id=grant.agency_id).first()
        assert member is not None
    viewer = Viewer(kind="staff", user_id=member.user_id, agency_id=grant.agency_id, role=member.role)
    case_id = grant.case_id

    def once(make: Any, batch: int) -> tuple[float, float, int]:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(batch):
            rows = list(make())
        return (time.process_time() - cpu0) * 1000 / batch, (time.perf_counter() - wall0) * 1000 / batch, len(rows)

    def scoped_make() -> Any:
        with scope(viewer):
            return list(SharedItem.objects.filter(case_id=case_id))

    def plain_make() -> Any:
        return SharedItem._base_manager.filter(case_id=case_id)

    # Interleaved: each round times a batch of the scoped query, then a batch of the same query
    # unfiltered, so a drift of the machine (frequency, other load) touches both alike; the
    # figure is the median of the rounds. Entering the scope is inside the scoped side's timing.
    batch = 10
    once(scoped_make, 20)
    once(plain_make, 20)
    samples: dict[str, list[tuple[float, float, int]]] = {"scoped": [], "plain": []}
    for _ in range(max(1, rounds // batch)):
        samples["scoped"].append(once(scoped_make, batch))
        samples["plain"].append(once(plain_make, batch))
    scoped_cpu = statistics.median(s[0] for s in samples["scoped"])
    plain_cpu = statistics.median(s[0] for s in samples["plain"])
    scoped_wall = statistics.median(s[1] for s in samples["scoped"])
    plain_wall = statistics.median(s[1] for s in samples["plain"])
    scoped_rows, plain_rows = samples["scoped"][-1][2], samples["plain"][-1][2]
    return {
        "query": "SharedItem for one collaboration, consented staff of another agency",
        "scoped_cpu_ms": round(scoped_cpu, 3),
        "unfiltered_cpu_ms": round(plain_cpu, 3),
        "cpu_ratio": round(scoped_cpu / plain_cpu, 2),
        "scoped_wall_ms": round(scoped_wall, 3),
        "unfiltered_wall_ms": round(plain_wall, 3),
        "wall_ratio": round(scoped_wall / plain_wall, 2),
        "rows": {"scoped": scoped_rows, "unfiltered": plain_rows},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "svp_bench_3000"))
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--query-rounds", type=int, default=500)
    parser.add_argument("--pages", default="", help="comma-separated page names (the plain page is always measured)")
    parser.add_argument(
        "--built-rules",
        action="store_true",
        help="build every rule afresh per query as before issue 15 (to compare in the same conditions)",
    )
    args = parser.parse_args()
    setup(args.db)
    if args.built_rules:
        from access import policy

        def built(queryset: Any, viewer: Any) -> Any:
            return queryset if viewer.is_system else queryset.filter(policy.rule_q(queryset.model, viewer))

        policy.restrict = built  # type: ignore[assignment]
    load = os.getloadavg()
    only = {p.strip() for p in args.pages.split(",") if p.strip()} or None
    result = measure_pages(args.rounds, only)
    result["scoped_query"] = measure_scoped_query(args.query_rounds)
    result["load_average"] = [round(load[0], 2), round(os.getloadavg()[0], 2)]
    result["rounds"] = args.rounds
    result["db"] = args.db
    result["rules"] = "built per query" if args.built_rules else "compiled"
    RESULTS.mkdir(exist_ok=True)
    name = "inprocess-built.json" if args.built_rules else "inprocess.json"
    if only:
        name = name.replace(".json", "-pages.json")
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(f"in-process, {args.rounds} rounds, db {args.db}, rules {result['rules']}, load {result['load_average']}")
    print("| page | CPU ms | wall ms | queries | CPU ÷ plain | within ≤ 12 q, ≤ 3× |")
    print("|---|---:|---:|---:|---:|---|")
    for name, page in result["pages"].items():
        ok = page["queries"] <= PAGE_LIMITS["queries"] and page["cpu_ratio"] <= PAGE_LIMITS["cpu_ratio"]
        print(
            f"| {name} | {page['cpu_ms']} | {page['wall_ms']} | {page['queries']} | {page['cpu_ratio']} | "
            f"{'yes' if ok or name == 'plain' else 'no'} |"
        )
    q = result["scoped_query"]
    print(
        f"scoped query: CPU {q['scoped_cpu_ms']} ms vs {q['unfiltered_cpu_ms']} ms unfiltered = {q['cpu_ratio']}× "
        f"(wall {q['scoped_wall_ms']} vs {q['unfiltered_wall_ms']} ms = {q['wall_ratio']}×; "
        f"limit {SCOPED_QUERY_LIMIT}×), rows {q['rows']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
