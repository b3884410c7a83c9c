"""Access-log appends per second with 16 concurrent writers (issue 16, item 3).

Each writer process plays families opening their children's pages: it appends 3 entries
for one of `--children` children through `accesslog.append.append` (the real code path:
on PostgreSQL one statement, `accesslog_append`, which takes the chain's lock, reads its
head, hashes and inserts), one transaction per page, for `--seconds`; with `--autocommit`
no transaction around it, as a page's reads are logged (issue 15: 5 statements before,
1 after). With one chain for every family (`--one-chain`,
the layout before) all writers queue behind one lock, held until commit; with a chain per
child they rarely meet. `--hold-ms` keeps each transaction open after the append, as a
family's write (a consent decision, an answer) does: `audit.record` appends inside it.

Prints appends/s, entries/s and latency percentiles and writes
bench-results/accesslog_append-<label>.json. Alone:
`.venv/bin/python bench/accesslog_append.py --label after` (needs PostgreSQL; the database
`samverkan_bench_accesslog` is created and migrated once).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from typing import Any

from common import RESULTS, ROOT, ensure_database, percentiles, pg_base

sys.path.insert(0, str(ROOT))


def _setup(database_url: str) -> None:
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="portal.settings", LOG_LEVEL="WARNING")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def writer(
    database_url: str,
    children: int,
    seconds: float,
    go: Any,
    seed: int,
    out: multiprocessing.Queue,
    hold: float,
    one_chain: bool,
    autocommit: bool,
) -> None:
    _setup(database_url)
    from django.db import transaction

    from access.scoping import system_scope
    from accesslog import basis, writes
    from accesslog.append import append

    rng = random.Random(seed)
    actor = basis.Actor(
        user_id=seed, name="Bench Förälder", agency_id=None, agency_name="", role="guardian", title="", chain="family"
    )
    latencies: list[float] = []
    entries = 0
    from django.db import connection

    connection.ensure_connection()
    out.put("ready")
    go.wait()
    end = time.time() + seconds
    with system_scope():
        while time.time() < end:
            child = rng.randrange(1, children + 1)
            rows = [
                writes.new_entry(
                    actor,
                    context_request_id=f"bench-{seed}",
                    ip="198.51.100.4",
                    child_id=child,
                    case_id=child,
                    object_type="cases.Case",
                    object_id=str(n),
                    action="view",
                    basis="family",
                )
                for n in range(3)
            ]
            if one_chain:  # the layout before issue 16: every family in one chain
                for row in rows:
                    row.chain = basis.FAMILY_CHAIN
            began = time.perf_counter()
            if autocommit:  # a page's write: no transaction around it (access.policy.reading)
                append(rows)
            else:
                with transaction.atomic():
                    append(rows)
                    if hold:  # the rest of the transaction the append is part of (a service's write)
                        time.sleep(hold)
            latencies.append(time.perf_counter() - began)
            entries += len(rows)
    out.put((latencies, entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--hold-ms", type=float, default=0.0, help="Time the transaction goes on after the append (the lock is held)."
    )
    parser.add_argument("--one-chain", action="store_true", help='Put every family entry in "family", as before.')
    parser.add_argument(
        "--autocommit", action="store_true", help="No transaction around the append, as a page's write (no --hold-ms)."
    )
    args = parser.parse_args()

    database_url = f"{pg_base()}/{os.environ.get('BENCH_DB', 'samverkan_bench_accesslog')}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("PORTAL_TESTING", None)
    ensure_database(database_url.rsplit("/", 1)[1], env)

    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    go = context.Event()
    processes = [
        context.Process(
            target=writer,
            args=(
                database_url,
                args.children,
                args.seconds,
                go,
                1000 + n,
                queue,
                args.hold_ms / 1000,
                args.one_chain,
                args.autocommit,
            ),
            daemon=True,
        )
        for n in range(args.writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:  # every writer has imported Django and connected
        assert queue.get(timeout=300) == "ready"
    go.set()
    results = [queue.get(timeout=args.seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    latencies = [value for lat, _n in results for value in lat]
    entries = sum(n for _lat, n in results)
    report = {
        "label": args.label,
        "writers": args.writers,
        "children": args.children,
        "seconds": args.seconds,
        "hold_ms": args.hold_ms,
        "chains": "one family chain" if args.one_chain else "a family chain per child",
        "autocommit": args.autocommit,
        "appends": len(latencies),
        "appends_per_s": round(len(latencies) / args.seconds, 1),
        "entries_per_s": round(entries / args.seconds, 1),
        "latency": percentiles(latencies),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"accesslog_append-{args.label}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
