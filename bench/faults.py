"""Faults on the production layout: what is lost or sent twice when things die.

`make faults` (or `.venv/bin/python bench/faults.py`). Starts a PostgreSQL cluster and a
Redis of its own (so restarting them touches nothing else on the machine), the production
processes of deploy/Procfile that matter here — gunicorn, one Celery worker, Celery beat —
and an SMTP sink (bench/common.py) that records the `X-Samverkan-Ref` header of every e-mail. Then, while

* a producer writes notifications (through `notifications.services.notify`, in a
  transaction, as a request does) and schedules reminders due a few seconds later, and
  records each one only once its transaction committed, and
* HTTP clients read the personas' pages and count every answer that is not 200,

it injects the faults of issue 18: the Celery worker killed with SIGKILL in the middle of
its work (20 times), PostgreSQL restarted (3 times), Redis killed with SIGKILL and
restarted (5 times). Afterwards it stops the producer, lets the worker and beat settle,
then does what the beat does after ten minutes (hand back the e-mail claims of dead
workers, sweep what was not delivered, claim due reminders) and counts, per committed
notification and reminder: missing rows, e-mails not sent, e-mails sent more than once.

Writes bench-results/faults.json and prints a table (RELIABILITY.md has the figures).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from common import PY, RESULTS, ROOT, SmtpSink, free_port, production_env, samverkan_refs

BIN = ROOT / ".venv" / "bin"
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]) if Path("/usr/lib/postgresql").exists() else None


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Postgres:
    """A throw-away PostgreSQL cluster (trust, own port), restartable."""

    def __init__(self, base: Path) -> None:
        if PG_BIN is None:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.dir = base / "pg"
        self.port = free_port()
        self.dir.mkdir(parents=True)
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            [*self.as_pg, str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
        )
        with open(self.dir / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n")
            conf.write("fsync = on\nmax_connections = 200\n")

    def ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_pg, str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "log"), "-w", *args],
            check=True,
            capture_output=True,
        )

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


PRODUCER = r"""
import os, random, sys, time
from datetime import timedelta
from django.db import close_old_connections, transaction, connection
from django.db.utils import Error as DbError
from django.utils import timezone
from access.scoping import system_scope
from cases.models import Case
from notifications import services
from notifications.models import EmailPreference
RUN, STOP, RATE = sys.argv[1], sys.argv[2], float(sys.argv[3])
with system_scope():
    pairs = list(Case.objects.filter(coordinator__isnull=False, closed_at__isnull=True)
                 .exclude(coordinator__email="").values_list("pk", "coordinator_id")[:200])
    EmailPreference.objects.filter(user_id__in=[c for _, c in pairs]).delete()
random.seed(18)
n = 0
while not os.path.exists(STOP):
    case_id, user_id = random.choice(pairs)
    n += 1
    try:
        with system_scope(), transaction.atomic():
            rows = services.notify(recipients=[user_id], kind="consent.granted", case=case_id,
                                   target_url=f"/faults/{RUN}/n/{n}/")
            if n % 3 == 0:
                services.reminder_schedule(key=f"faults:{RUN}:{n}", kind="preparation.due",
                                           due_at=timezone.now() + timedelta(seconds=random.uniform(1, 20)),
                                           recipient_ids=[user_id], case=Case(pk=case_id),
                                           target_url=f"/faults/{RUN}/r/{n}/")
        print(f"N {rows[0].pk}" + (f" R {n}" if n % 3 == 0 else ""), flush=True)
    except DbError as exc:
        print(f"E {type(exc).__name__}", flush=True)
        close_old_connections()
        try:
            connection.close()
        except Exception:
            pass
        time.sleep(0.2)
    time.sleep(1 / RATE)
print("DONE", flush=True)
"""

SETTLE = r"""
import json
from django.utils import timezone
from notifications import delivery, mail, services
from notifications.tasks import sweep_undelivered
released = reminders = swept = 0
for _ in range(3):
    released += mail.release_stale_claims(older_than=timezone.now())
    with delivery.inline():
        reminders += services.reminders_send_due()
    swept += sweep_undelivered(min_age_seconds=0)
print("SETTLED " + json.dumps({"released": released, "reminders": reminders, "swept": swept}))
"""

COUNT = r"""
import json, sys
from access.scoping import system_scope
from notifications.models import Notification, Reminder
RUN = sys.argv[1]
ids = json.loads(open(sys.argv[2]).read())
with system_scope():
    rows = dict(Notification.objects.filter(pk__in=ids["notifications"]).values_list("pk", "email_state"))
    reminders = dict(Reminder.objects.filter(key__startswith=f"faults:{RUN}:").values_list("key", "sent_at"))
    from_reminders = list(Notification.objects.filter(target_url__startswith=f"/faults/{RUN}/r/")
                          .values_list("pk", "target_url", "email_state"))
print("COUNTED " + json.dumps({"rows": {str(k): v for k, v in rows.items()},
                               "reminders": {k: v is not None for k, v in reminders.items()},
                               "from_reminders": from_reminders}))
"""


class Processes:
    def __init__(self, env: dict[str, str], base: Path, http_port: int) -> None:
        self.env, self.base, self.http_port = env, base, http_port
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(self, name: str, args: list[str]) -> None:
        out = open(self.base / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def worker(self) -> None:
        self.spawn("worker", [str(BIN / "celery"), "-A", "portal", "worker", "--concurrency", "2", "-l", "warning"])

    def start(self) -> None:
        self.spawn(
            "gunicorn",
            [str(BIN / "gunicorn"), "web.wsgi:application", "--config", "deploy/gunicorn.conf.py",
             "--workers", "3", "--bind", f"127.0.0.1:{self.http_port}"],
        )  # fmt: skip
        self.worker()
        self.spawn(
            "beat",
            [str(BIN / "celery"), "-A", "portal", "beat", "-l", "warning", "--schedule", str(self.base / "beat")],
        )

    def kill_worker(self) -> None:
        proc = self.procs["worker"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


class Readers:
    """HTTP clients reading the personas' pages; count answers per phase."""

    def __init__(self, base: str, targets: list[dict[str, str]], threads: int) -> None:
        self.base, self.targets = base, targets
        self.phase = "start"
        self.counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            target = self.targets[i % len(self.targets)]
            i += 1
            request = urllib.request.Request(self.base + target["path"], headers={"X-Forwarded-Proto": "https"})
            if target.get("cookie"):
                request.add_header("Cookie", target["cookie"])
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    outcome = str(response.status)
            except urllib.error.HTTPError as exc:
                outcome = str(exc.code)
            except OSError as exc:
                outcome = type(exc).__name__
            self.counts[self.phase][outcome] += 1
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(20)


def wait_for(url: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {limit:.0f} s")


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, text=True, capture_output=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict[str, str], code: str, *argv: str) -> str:
    script = Path(tempfile.mkstemp(suffix=".py")[1])
    script.write_text("import django, os, sys\ndjango.setup()\n" + code)
    try:
        return subprocess.run(
            [PY, str(script), *argv], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, check=True, text=True,
            capture_output=True,
        ).stdout  # fmt: skip
    finally:
        script.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker-kills", type=int, default=20)
    parser.add_argument("--pg-restarts", type=int, default=3)
    parser.add_argument("--redis-kills", type=int, default=5)
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--rate", type=float, default=15.0, help="notifications written per second")
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    random.seed(18)

    base = Path(tempfile.mkdtemp(prefix="svp-faults-"))
    run = uuid.uuid4().hex[:8]
    refs: collections.Counter[int] = collections.Counter()  # e-mails per notification id
    # A slow mail server widens the window in which a worker dies mid-send.
    sink = SmtpSink(lambda lines: refs.update(samverkan_refs(lines)), delay=0.05)
    pg = Postgres(base)
    pg.ctl("start")
    redis = Redis()
    redis.start()
    http_port = free_port()
    env = production_env(
        pg.url("svp_faults"),
        f"faults{run}",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        SITE_URL="https://127.0.0.1",
        PORTAL_BENCH_PAGES="true",
        STATIC_ROOT=str(base / "static"),
    )
    env["REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0"
    procs = Processes(env, base, http_port)
    load: list[float] = [os.getloadavg()[0]]
    try:
        subprocess.run(
            [*pg.as_pg, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
             "svp_faults"], check=True,
        )  # fmt: skip
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_scale", "--children", str(args.children))
        manage(env, "collectstatic", "--noinput", "-v", "0")
        targets = json.loads(manage(env, "bench_sessions"))["targets"]
        targets = [t for t in targets if t["name"] not in ("reference", "plain")]
        log(f"database seeded ({args.children} children); {len(targets)} pages to read")
        procs.start()
        wait_for(f"http://127.0.0.1:{http_port}/halsa/")
        readers = Readers(f"http://127.0.0.1:{http_port}", targets, args.readers)
        stop_file = base / "stop-producer"
        producer = subprocess.Popen(
            [PY, "-c", "import django; django.setup()\n" + PRODUCER, run, str(stop_file), str(args.rate)],
            cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
            stderr=open(base / "producer.log", "w"), text=True,  # noqa: SIM115
        )  # fmt: skip
        produced: dict[str, list[int]] = {"notifications": [], "reminders": []}
        errors: collections.Counter[str] = collections.Counter()

        def read_producer() -> None:
            assert producer.stdout is not None
            for line in producer.stdout:
                parts = line.split()
                if parts[:1] == ["N"]:
                    produced["notifications"].append(int(parts[1]))
                    if len(parts) == 4:
                        produced["reminders"].append(int(parts[3]))
                elif parts[:1] == ["E"]:
                    errors[parts[1]] += 1

        reader_thread = threading.Thread(target=read_producer, daemon=True)
        reader_thread.start()
        deadline = time.monotonic() + 120
        while len(produced["notifications"]) < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        log(f"producer running ({len(produced['notifications'])} notifications written)")

        readers.phase = "worker SIGKILL"
        for i in range(args.worker_kills):
            before = sink.messages
            deadline = time.monotonic() + 5
            while sink.messages == before and time.monotonic() < deadline:  # the worker is at work
                time.sleep(0.01)
            time.sleep(random.uniform(0, 0.3))  # a moment in its work, not aimed at any window
            procs.kill_worker()
            time.sleep(0.5)
            procs.worker()
            time.sleep(3.5)
            log(f"worker killed {i + 1}/{args.worker_kills} (e-mails so far {sink.messages})")
        load.append(os.getloadavg()[0])

        readers.phase = "PostgreSQL restart"
        for i in range(args.pg_restarts):
            pg.ctl("restart", "-m", "fast")
            log(f"PostgreSQL restarted {i + 1}/{args.pg_restarts}")
            time.sleep(12)
        load.append(os.getloadavg()[0])

        readers.phase = "Redis SIGKILL"
        for i in range(args.redis_kills):
            redis.kill()
            time.sleep(3)
            redis.start()
            log(f"Redis killed and restarted {i + 1}/{args.redis_kills}")
            time.sleep(7)
        load.append(os.getloadavg()[0])

        readers.phase = "after"
        time.sleep(5)
        stop_file.touch()
        if producer.wait(timeout=120) != 0:
            raise SystemExit(f"the producer failed; see {base / 'producer.log'}")
        reader_thread.join(10)
        time.sleep(20)  # the worker and beat settle what they can
        readers.close()
        procs.stop()
        settled = json.loads(shell(env, SETTLE).split("SETTLED ", 1)[1])
        ids_file = base / "produced.json"
        ids_file.write_text(json.dumps(produced))
        counted = json.loads(shell(env, COUNT, run, str(ids_file)).split("COUNTED ", 1)[1])
    finally:
        procs.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.ctl("stop", "-m", "immediate")
        if redis.proc:
            redis.kill()

    rows = counted["rows"]
    states = collections.Counter(rows.values())
    lost_rows = [pk for pk in produced["notifications"] if str(pk) not in rows]
    mail_lost = [pk for pk in produced["notifications"] if refs[pk] == 0]
    mail_twice = [pk for pk in produced["notifications"] if refs[pk] > 1]
    reminder_keys = {f"faults:{run}:{n}" for n in produced["reminders"]}
    reminders_unsent = [k for k in reminder_keys if not counted["reminders"].get(k)]
    per_reminder = collections.Counter(url for _pk, url, _state in counted["from_reminders"])
    reminder_twice = [url for url, c in per_reminder.items() if c > 1]
    reminder_pks = [pk for pk, _url, _state in counted["from_reminders"]]
    reminder_mail_lost = [pk for pk in reminder_pks if refs[pk] == 0]
    reminder_mail_twice = [pk for pk in reminder_pks if refs[pk] > 1]
    report = {
        "faults": {"worker_sigkill": args.worker_kills, "postgres_restart": args.pg_restarts,
                   "redis_sigkill": args.redis_kills},
        "notifications": {"committed": len(produced["notifications"]), "rows_missing": len(lost_rows),
                          "emails_missing": len(mail_lost), "emails_twice": len(mail_twice),
                          "email_states": dict(states)},
        "reminders": {"committed": len(reminder_keys), "unsent": len(reminders_unsent),
                      "notifications": len(reminder_pks), "sent_twice": len(reminder_twice),
                      "emails_missing": len(reminder_mail_lost), "emails_twice": len(reminder_mail_twice)},
        "emails_received": sink.messages,
        "emails_twice_ids": sorted(mail_twice + reminder_mail_twice)[:20],
        "producer_transaction_errors": dict(errors),
        "settle": settled,
        "http": {phase: dict(c) for phase, c in readers.counts.items()},
        "load_average": [round(x, 2) for x in load],
        "cpu_count": os.cpu_count(),
        "logs": str(base),
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    bad = (
        lost_rows or mail_lost or mail_twice or reminders_unsent or reminder_twice
        or reminder_mail_lost or reminder_mail_twice
    )  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
