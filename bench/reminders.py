"""Reminders claimed and sent per minute by one worker, with SMTP replaced by a local sink.

Creates (once) a database with collaborations, staff and families, schedules N reminders
due now (one recipient each, half staff, half guardians, each checked against the consent
policy when sent), then runs the beat task `claim_due_reminders` in one worker process:
claim with SELECT … FOR UPDATE SKIP LOCKED in batches, write the notification rows, push
over Redis, and send the e-mail over SMTP to a sink in this process that counts messages.

Prints reminders/min, notifications and e-mails, and writes bench-results/reminders.json.
Run by `make bench` (bench/run.py) or alone: `.venv/bin/python bench/reminders.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid

from common import (
    PY,
    RESULTS,
    ROOT,
    SmtpSink,
    ensure_database,
    pg_base,
    production_env,  # bench/common.py (this folder is on sys.path)
)

TARGET_PER_MINUTE = 10_000


def log(message: str) -> None:
    print(f"[reminders] {message}", flush=True)


def bench_env(db: str, smtp_port: int) -> dict[str, str]:
    return production_env(
        f"{pg_base()}/{db}",
        f"benchrem{uuid.uuid4().hex[:6]}",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
    )


SETUP = """
import json
from datetime import date, timedelta
from django.utils import timezone
from agencies.models import Agency, Membership, Principal
from cases.models import Case, Child, Guardian, Guardianship
from access.scoping import system_scope
from notifications.models import Reminder
from portal.models import User

CASES, REMINDERS = {cases}, {reminders}
with system_scope():
    principal, _ = Principal.objects.get_or_create(name="Benchkommun", defaults={{"kind": "municipality"}})
    agency, _ = Agency.objects.get_or_create(principal=principal, name="Bench samordning",
                                             defaults={{"kind": "coordination"}})
    if Case.objects.filter(owner_agency=agency).count() < CASES:
        staff = User.objects.bulk_create(
            [User(email=f"bench-rem-staff-{{n}}@bench.example", full_name="Bench", password="!") for n in range(CASES)])
        Membership.objects.bulk_create([Membership(user=u, agency=agency, role="coordinator") for u in staff])
        parents = User.objects.bulk_create(
            [User(email=f"bench-rem-family-{{n}}@bench.example", full_name="B", password="!") for n in range(CASES)])
        children = Child.objects.bulk_create([
            Child(first_name="Bench", last_name=str(n), personal_number=f"2015{{n:08d}}"[:8] + f"-{{n % 10000:04d}}",
                  date_of_birth=date(2015, 1, 1), registered_by_agency=agency) for n in range(CASES)])
        guardians = Guardian.objects.bulk_create([
            Guardian(first_name="Bench", last_name=str(n), personal_number=f"1980{{n:08d}}"[:8] + f"-{{n % 10000:04d}}",
                     registered_by_agency=agency, user=parents[n]) for n in range(CASES)])
        Guardianship.objects.bulk_create([Guardianship(child=children[n], guardian=guardians[n]) for n in range(CASES)])
        Case.objects.bulk_create([
            Case(child=children[n], owner_agency=agency, opened_by=staff[n], need_description="Bench.",
                 coordinator=staff[n], coordinator_agency=agency) for n in range(CASES)])
    cases = list(Case.objects.filter(owner_agency=agency).values_list("pk", "coordinator_id", "child_id")[:CASES])
    parents = dict(Guardianship.objects.filter(child_id__in=[c[2] for c in cases]).values_list("child_id",
                                                                                              "guardian__user_id"))
    Reminder.objects.filter(key__startswith="bench:").delete()
    run = timezone.now().timestamp()
    due = timezone.now() - timedelta(minutes=1)
    rows = []
    for n in range(REMINDERS):
        case_id, coordinator_id, child_id = cases[n % len(cases)]
        recipient = coordinator_id if n % 2 == 0 else parents[child_id]
        kind = "preparation.due" if n % 2 == 0 else "meeting.tomorrow"
        rows.append(Reminder(key=f"bench:{{run}}:{{n}}", kind=kind, due_at=due, recipient_ids=[recipient],
                             case_id=case_id, agency_id=agency.pk if n % 2 == 0 else None, target_url="/moten/"))
    Reminder.objects.bulk_create(rows, batch_size=2000)
print("READY " + json.dumps({{"reminders": len(rows), "cases": len(cases)}}))
"""

WORKER = """
import json, resource, time
from django.urls import reverse
from access.scoping import system_scope
from notifications.models import Notification, Reminder
from notifications.tasks import claim_due_reminders
reverse("portal:home")
with system_scope():
    before = Notification.objects.count()
started = time.monotonic()
cpu = resource.getrusage(resource.RUSAGE_SELF)
sent = claim_due_reminders()
seconds = time.monotonic() - started
after = resource.getrusage(resource.RUSAGE_SELF)
cpu_seconds = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
with system_scope():
    notifications = Notification.objects.count() - before
    left = Reminder.objects.filter(key__startswith="bench:", sent_at__isnull=True).count()
print("RESULT " + json.dumps({"sent": sent, "seconds": seconds, "notifications": notifications, "left": left,
                             "cpu_seconds": cpu_seconds}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--db", default="svp_bench_reminders")
    args = parser.parse_args()

    sink = SmtpSink()
    env = bench_env(args.db, sink.port)
    ensure_database(args.db, env)
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", SETUP.format(cases=args.cases, reminders=args.reminders)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    setup = json.loads(next(ln for ln in out.splitlines() if ln.startswith("READY "))[6:])
    log(f"{setup['reminders']} reminders due over {setup['cases']} collaborations; one worker claims them")
    load_before = os.getloadavg()[0]
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", WORKER], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    load_after = os.getloadavg()[0]
    result = json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT "))[7:])
    per_minute = result["sent"] / result["seconds"] * 60
    report = {
        "reminders": result["sent"],
        "seconds": round(result["seconds"], 2),
        "reminders_per_minute": round(per_minute),
        "notifications": result["notifications"],
        "emails": sink.messages,
        "left_unsent": result["left"],
        "target_per_minute": TARGET_PER_MINUTE,
        "worker_cpu_seconds": round(result["cpu_seconds"], 1),
        "cpu_count": os.cpu_count(),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "worker": "one process running notifications.tasks.claim_due_reminders (batches of 500)",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reminders.json").write_text(json.dumps(report, indent=2))
    print()
    print(
        f"reminders: {report['reminders']} claimed and sent in {report['seconds']} s by one worker = "
        f"{report['reminders_per_minute']}/min (target ≥ {TARGET_PER_MINUTE}/min); "
        f"{report['notifications']} notifications, {report['emails']} e-mails to the SMTP sink, "
        f"{report['left_unsent']} left; worker CPU {report['worker_cpu_seconds']} s, "
        f"load average {report['load_average'][0]} → {report['load_average'][1]} on {os.cpu_count()} CPUs"
    )
    log(f"wrote {RESULTS / 'reminders.json'}")
    ok = per_minute >= TARGET_PER_MINUTE and result["left"] == 0 and result["notifications"] == result["sent"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
