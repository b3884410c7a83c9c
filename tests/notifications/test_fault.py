"""Redis goes away and comes back: nothing is lost, nothing is delivered twice.

Real processes on the test's PostgreSQL database and a private redis-server: an ASGI
server (uvicorn) with live websocket clients, a Celery worker, and `manage.py shell`
processes that perform the actions (as a request would: the service writes the rows and
hands delivery to the dispatcher after commit). Redis is killed, actions are performed,
pages are served, Redis is started again and the sweeper (the beat task) runs — twice, at
the same time. Then every notification has been pushed exactly once and e-mailed exactly
once.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from access.scoping import system_scope
from notifications.models import Notification
from tests.notifications.support import (
    REDIS_SERVER,
    Listener,
    PrivateRedis,
    Processes,
    free_port,
    mail_refs,
    process_env,
    signed_in_session,
    wait_for,
)

pytestmark = [
    # Real commits, seen by other processes; the migrated data is restored afterwards.
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="processes share the test database: needs PostgreSQL"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to run a private Redis"),
]

ACT = """
import json, time
from consent import services as cs
from consent.models import InformationCategory
from access.scoping import STAFF, Viewer, system_scope
from cases.models import Case
from notifications.services import notify
from django.db import transaction
from django.urls import reverse
from notifications import delivery
reverse("portal:home")  # a server process has its URLconf loaded before any request

dispatch_times = []
_dispatch = delivery.dispatch
def timed_dispatch(ids):
    started = time.monotonic()
    _dispatch(ids)
    dispatch_times.append(time.monotonic() - started)
delivery.dispatch = timed_dispatch

coordinator = Viewer(kind=STAFF, user_id={coordinator_user}, agency_id={coordination}, role="coordinator",
                     membership_id={coordinator_membership})
timings = []
with system_scope():
    case = Case.objects.get(pk={case})
    for n in range({rounds}):
        started = time.monotonic()
        if n % 2 == 0:
            cs.consent_request(viewer=coordinator, case=case, purpose="Planera stödet.", agency_ids=[{health}],
                               category_ids=[InformationCategory.objects.get(code="basic").pk])
        else:
            with transaction.atomic():
                notify(recipients=[{g1}, {g2}, {coordinator_user}], kind="consent.granted", case=case,
                       agency_id={coordination}, target_url="/moten/")
        timings.append(time.monotonic() - started)
delivery.dispatcher().wait_idle(30)  # a server process lives on; this one exits now
print(json.dumps({{"actions": timings, "dispatch": dispatch_times}}))
"""

SWEEP = "from notifications.tasks import sweep_undelivered; print(sweep_undelivered(min_age_seconds=0))"


def _act(processes: Processes, world, rounds: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    code = ACT.format(
        coordinator_user=world.coordinator.user_id,
        coordination=world.coordination.pk,
        coordinator_membership=world.coordinator.pk,
        case=world.case.pk,
        health=world.health.pk,
        g1=world.guardian1.user_id,
        g2=world.guardian2.user_id,
        rounds=rounds,
    )
    return json.loads(processes.shell(code).strip().splitlines()[-1])


def _get(base: str, path: str, session_key: str) -> tuple[int, float]:
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session_key}"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return response.status, time.monotonic() - started


def _count(**filters: object) -> int:
    """Rows the processes wrote, counted by the test as the system (no viewer's eyes)."""
    with system_scope():
        return Notification.objects.filter(**filters).count()


def test_redis_outage_loses_nothing_and_duplicates_nothing(world, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    redis = PrivateRedis(tmp_path)
    redis.start()
    env = process_env(
        database_name=connection.settings_dict["NAME"],
        redis_url=redis.url,
        prefix=f"fault{uuid.uuid4().hex[:6]}",
        mail_dir=mail_dir,
    )
    processes = Processes(env=env, log_dir=tmp_path)
    listeners: list[Listener] = []
    try:
        base = processes.server(free_port())
        processes.worker()
        sessions = {
            "g1": signed_in_session(world.guardian1.user),
            "g2": signed_in_session(world.guardian2.user),
            "coordinator": signed_in_session(world.coordinator.user, world.coordinator),
        }
        listeners = [Listener(base, key) for key in sessions.values()]
        assert all(listener.connected.wait(15) for listener in listeners)

        # Redis up: delivered live and by e-mail.
        _act(processes, world, rounds=2)
        assert wait_for(lambda: sum(len(x.pushed) for x in listeners) == _count(), 20)
        assert wait_for(lambda: len(mail_refs(mail_dir)) == _count(), 30)
        before_outage = _count()

        # Redis down: actions still work, fast; pages still work; the rows wait.
        redis.stop()
        timings = _act(processes, world, rounds=4)
        # Handing delivery over after commit costs next to nothing with Redis down, and no
        # action comes near a second.
        assert len(timings["dispatch"]) == 4 and max(timings["dispatch"]) < 0.05, timings
        assert max(timings["actions"]) < 1.0, timings
        for path in ("/", "/notiser/", "/notiser/klocka/"):
            status, seconds = _get(base, path, sessions["g1"])
            assert status == 200 and seconds < 1.0, (path, seconds)
        with system_scope():
            waiting = list(Notification.objects.filter(pk__gt=0).order_by("pk")[before_outage:])
        assert waiting
        assert all(n.pushed_at is None and n.email_state == "pending" for n in waiting)

        # Redis back: the sweeper (twice, at once) and the worker catch up.
        redis.start()
        assert all(listener.connected.wait(15) for listener in listeners)
        time.sleep(2)  # let the server's subscriptions and the worker reconnect
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: processes.shell(SWEEP), range(2)))
        total = _count()
        assert wait_for(lambda: _count(pushed_at__isnull=True) == 0, 20)
        assert wait_for(lambda: len(set(mail_refs(mail_dir))) == total, 30)
        assert wait_for(lambda: len({i for x in listeners for i in x.pushed + x.caught_up}) == total, 20)
        time.sleep(2)  # anything extra would arrive now

        with system_scope():
            ids = set(Notification.objects.values_list("pk", flat=True))
        received = Counter(i for x in listeners for i in x.pushed)
        caught_up = {i for x in listeners for i in x.caught_up}
        emailed = Counter(mail_refs(mail_dir))
        assert set(received) | caught_up == ids, "lost live deliveries"
        assert set(received.values()) == {1}, f"duplicate pushes: {received}"
        assert set(emailed) == ids, "lost e-mails"
        assert set(emailed.values()) == {1}, f"duplicate e-mails: {emailed}"
        with system_scope():
            assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}
    finally:
        for listener in listeners:
            listener.close()
        processes.stop()
        redis.stop()
