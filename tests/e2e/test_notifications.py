"""Notifications in a real browser, in the production layout: two ASGI server processes
(A and B), one Celery worker and Celery beat, on the test database and a private Redis.

The coordinator calls a meeting through server A; the guardian, connected to server B,
sees the bell count rise without reloading the page. Then the guardian's socket is cut, a
notification is created while it is down, and on reconnecting the page catches up from the
database. Finally a reminder row falls due and beat + the worker deliver it live.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import Server, check_accessibility, login_family, login_staff
from tests.notifications.support import REDIS_SERVER, PrivateRedis, Processes, free_port

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server for the multi-process layout")

GUARDIAN = "lena@demo.samverkan.se"
COORDINATOR = "samordnare@demo.samverkan.se"


@dataclass
class Layout:
    a: str
    b: str
    env: dict[str, str]
    processes: Processes


@pytest.fixture(scope="module")
def layout(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    logs = tmp_path_factory.mktemp("notification-layout")
    redis = PrivateRedis(logs)
    redis.start()
    env = {**server.env, "REDIS_URL": redis.url, "CHANNEL_PREFIX": f"e2e{uuid.uuid4().hex[:6]}"}
    processes = Processes(env=env, log_dir=logs)
    started = len(server.extra)
    try:
        a = server.start_extra(free_port(), env)
        b = server.start_extra(free_port(), env)
        processes.worker()
        processes.beat()
        yield Layout(a=a, b=b, env=env, processes=processes)
    finally:
        for proc in server.extra[started:]:
            proc.terminate()
            proc.wait(10)
        del server.extra[started:]
        processes.stop()
        redis.stop()


def _page(browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", base_url=base_url)
    context.set_default_timeout(15_000)
    return context.new_page()


def _wait_unread(page, count: int, timeout: float = 15_000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"() => (document.querySelector('#bell .bell__count') || {{}}).textContent == '{count}'", timeout=timeout
    )


def _unread(page) -> int:  # type: ignore[no-untyped-def]
    count = page.locator("#bell .bell__count")
    return int(count.inner_text()) if count.count() else 0


def _wait_connected(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "() => window.PortalLive && PortalLive.sockets.notifications"
        " && PortalLive.sockets.notifications.ws.readyState === 1"
    )


def _waiting_mails(server: Server) -> list[str]:
    return [m for m in server.mails_to(GUARDIAN) if "Av säkerhetsskäl står det inte" in m]


def _case_uuid(layout: Layout) -> str:
    out = layout.processes.shell(
        "from cases.models import Case; from access.scoping import system_scope\n"
        "with system_scope(): print(Case.objects.get(child__first_name='Elsa').uuid)"
    )
    return out.strip().splitlines()[-1]


def test_guardian_bell_updates_live_across_processes(browser, server, layout):
    guardian = _page(browser, layout.b)  # connected to server process B
    coordinator = _page(browser, layout.a)  # acts through server process A
    try:
        login_family(guardian, server, GUARDIAN)
        _wait_connected(guardian)
        before = _unread(guardian)
        bell_name = guardian.locator("#bell a").inner_text()
        assert "Notiser" in bell_name

        login_staff(coordinator, COORDINATOR)
        coordinator.goto(f"/moten/kalla/{_case_uuid(layout)}/")
        day = (timezone.localdate() + timedelta(days=10)).isoformat()
        coordinator.get_by_label("Syfte med mötet").fill("Planera skolstarten tillsammans.")
        coordinator.get_by_label("Datum").fill(day)
        coordinator.get_by_label("Börjar").fill("09:00")
        coordinator.get_by_label("Slutar").fill("10:00")
        coordinator.get_by_label(re.compile("^Plats")).fill("Skolans konferensrum")
        coordinator.get_by_role("button", name="Kalla till mötet").click()
        coordinator.wait_for_url(re.compile(r".*/moten/[0-9a-f-]{36}/$"))

        # No reload: the push from A reaches the guardian's socket on B and htmx re-fetches the bell.
        _wait_unread(guardian, before + 1)
        assert f"{before + 1} olästa" in guardian.locator("#bell").inner_text()
        check_accessibility(guardian, "notifications-bell-updated")

        guardian.locator("#bell a").click()
        guardian.wait_for_url("**/notiser/")
        first = guardian.locator(".notification").first
        assert "Du har en ny mötesinbjudan" in first.inner_text()
        assert "Gäller Elsa" in first.inner_text()
        check_accessibility(guardian, "notifications-list")

        # The e-mail went through the worker: content-free.
        deadline = time.time() + 30
        while time.time() < deadline and not _waiting_mails(server):
            time.sleep(0.5)
        mails = _waiting_mails(server)
        assert mails and "Elsa" not in mails[-1] and "mötesinbjudan" not in mails[-1]
    finally:
        guardian.context.close()
        coordinator.context.close()


def test_reconnect_catches_up_from_the_database(browser, server, layout):
    guardian = _page(browser, layout.b)
    try:
        login_family(guardian, server, GUARDIAN)
        _wait_connected(guardian)
        before = _unread(guardian)
        # Cut the socket and keep it down while a notification is created.
        guardian.evaluate(
            "() => { const s = PortalLive.sockets.notifications; s.closedByServer = true; s.ws.close(); }"
        )
        guardian.wait_for_function("() => PortalLive.sockets.notifications.ws.readyState === 3")
        layout.processes.shell(
            "from notifications.services import notify; from portal.models import User\n"
            f"notify(recipients=[User.objects.get(email='{GUARDIAN}')], kind='minutes.shared')"
        )
        time.sleep(1)
        assert _unread(guardian) == before  # the push was lost: nobody was listening
        guardian.evaluate(
            "() => { const s = PortalLive.sockets.notifications; s.closedByServer = false; s.connect(); }"
        )
        _wait_unread(guardian, before + 1)
    finally:
        guardian.context.close()


def test_due_reminder_is_delivered_by_beat_and_the_worker(browser, server, layout):
    guardian = _page(browser, layout.b)
    try:
        login_family(guardian, server, GUARDIAN)
        _wait_connected(guardian)
        before = _unread(guardian)
        layout.processes.shell(
            "from datetime import timedelta; from django.utils import timezone\n"
            "from notifications.services import reminder_schedule; from portal.models import User\n"
            f"reminder_schedule(key='e2e:{uuid.uuid4().hex}', kind='meeting.tomorrow', due_at=timezone.now()"
            f" - timedelta(minutes=1), recipient_ids=[User.objects.get(email='{GUARDIAN}').pk])"
        )
        # Beat sends claim_due_reminders every minute; the worker claims and pushes.
        _wait_unread(guardian, before + 1, timeout=90_000)
        guardian.goto("/notiser/")
        assert "Påminnelse: du har ett möte i morgon" in guardian.locator(".notification").first.inner_text()
    finally:
        guardian.context.close()


def test_preferences_and_unsubscribe_pages(browser, server, layout):
    guardian = _page(browser, server.base_url)
    try:
        login_family(guardian, server, GUARDIAN)
        guardian.goto("/notiser/installningar/")
        guardian.get_by_role("group", name="Möte i morgon").get_by_label("En sammanfattning per dag").check()
        # Invitations are e-mailed by the meetings app with a calendar file: not a choice here.
        assert guardian.get_by_role("group", name="Nya mötesinbjudningar").count() == 0
        guardian.get_by_role("button", name="Spara").click()
        assert guardian.get_by_text("Dina val för e-post är sparade.").is_visible()
        check_accessibility(guardian, "notifications-preferences")
        token = (
            layout.processes.shell(
                "from notifications.mail import unsubscribe_token; from portal.models import User\n"
                f"print(unsubscribe_token(User.objects.get(email='{GUARDIAN}')))"
            )
            .strip()
            .splitlines()[-1]
        )
    finally:
        guardian.context.close()
    anonymous = _page(browser, server.base_url)
    try:
        anonymous.goto(f"/notiser/avsluta/{token}/")
        check_accessibility(anonymous, "notifications-unsubscribe")
        anonymous.get_by_role("button", name="Ja, avsluta sammanfattningen").click()
        assert anonymous.get_by_text("Klart.").is_visible()
    finally:
        anonymous.context.close()


def test_staff_bell_in_the_header(browser, server):
    page = _page(browser, server.base_url)
    try:
        login_staff(page, COORDINATOR)
        bell = page.locator("#bell a")
        assert bell.is_visible() and "Notiser" in bell.inner_text()
        assert page.locator("#bell svg[aria-hidden='true']").count() == 1
        check_accessibility(page, "notifications-staff-home")
    finally:
        page.context.close()
