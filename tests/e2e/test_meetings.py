"""Joint meetings in a real browser (DESIGN rules 7, 8, 10, 12).

The coordinator calls a meeting with the school and healthcare; the school's mentor
submits a preparation; the BUP psychologist reads it; the guardian accepts on her phone;
the coordinator runs the live room while a second browser (BUP) sees attendance, notes
and a decision appear without reloading; the decision appears as an action in the joint
plan. A second test runs the live room across two server processes on Redis.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import _free_port, check_accessibility, login_family, login_staff, new_page

COORDINATOR = "samordnare@demo.samverkan.se"
MENTOR = "mentor@demo.samverkan.se"
BUP = "bup@demo.samverkan.se"
LENA = "lena@demo.samverkan.se"

PURPOSE = "Stämma av hur skoldagarna fungerar och planera stöd inför terminsstarten."
PREPARATION = "Elsa har varit i skolan alla dagar de senaste två veckorna."
NOTE = "Elsa berättar att morgnarna har blivit lättare."
DECISION = "BUP erbjuder samtal om sömn för Elsa och föräldrarna."


def _day(days: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def _coordinator_calls(page) -> tuple[str, str]:
    login_staff(page, COORDINATOR)
    page.goto("/samverkan/")
    page.get_by_role("link", name="Elsa Andersson").first.click()
    case_url = page.url
    panel = page.get_by_role("region", name="Möten")
    panel.get_by_role("link", name="Kalla till möte").click()
    assert page.get_by_role("heading", name="Kalla till möte").is_visible()
    page.get_by_label("Syfte med mötet").fill(PURPOSE)
    page.get_by_label("Datum").fill(_day(10))
    page.get_by_label("Börjar").fill("10:00")
    page.get_by_label("Slutar").fill("11:30")
    page.get_by_role("textbox", name=re.compile(r"^Plats")).fill("Skiftingeskolan, rum 3")
    page.get_by_label("Dagordning").fill("Hur går skoldagarna?\nSömn och morgnar\nNästa steg")
    page.get_by_label("Socialtjänsten Eskilstuna").uncheck()
    assert page.get_by_label("Skiftingeskolan").is_checked()
    assert page.get_by_label("BUP Sörmland").is_checked()
    check_accessibility(page, "meetings-call")
    page.get_by_role("button", name="Kalla till mötet").click()
    assert page.get_by_text("Mötet är kallat").is_visible()
    assert page.get_by_role("heading", name="Samverkansmöte om Elsa Andersson").is_visible()
    invited = page.get_by_role("region", name="Inbjudna")
    for name in ("Skiftingeskolan", "BUP Sörmland", "Lena Andersson", "Mikael Johansson"):
        assert invited.get_by_text(name).first.is_visible()
    assert invited.get_by_text("Socialtjänsten Eskilstuna").count() == 0
    check_accessibility(page, "meetings-detail-coordinator")
    return case_url, page.url


def _mentor_prepares(page, meeting_url: str) -> None:
    login_staff(page, MENTOR)
    due = page.get_by_role("region", name="Möten").first
    assert due.get_by_text("Förberedelser att skriva").is_visible()
    page.goto(meeting_url.replace("://", "://", 1))
    page.get_by_role("link", name="Skriv er förberedelse").click()
    page.get_by_label("Det här ser vi", exact=True).fill(PREPARATION)
    # Each section carries its category; the school's default is "school situation", which
    # BUP may not read in the demo. The mentor shares this one as a preparation.
    page.get_by_label("Vilken sorts information är ”Det här ser vi”?").select_option("preparations")
    page.get_by_label("Det här kan vi bidra med", exact=True).fill("Mentorn möter Elsa vid entrén varje morgon.")
    page.get_by_label("Våra frågor", exact=True).fill("Hur kan vi stötta sömnen?")
    check_accessibility(page, "meetings-preparation")
    page.get_by_role("button", name="Skicka in förberedelsen").click()
    assert page.get_by_text("Förberedelsen är inskickad").is_visible()


def _bup_reads(page, meeting_url: str) -> None:
    login_staff(page, BUP)
    page.goto(meeting_url)
    school = page.get_by_role("article", name="Skiftingeskolan")
    assert school.get_by_text(PREPARATION).is_visible()
    check_accessibility(page, "meetings-detail-healthcare")


def _guardian_accepts(browser, server, meeting_url: str) -> None:
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, LENA)
        home = page.get_by_role("region", name="Möten").first
        assert home.get_by_text("Vilka kommer:").first.is_visible()
        check_accessibility(page, "meetings-family-home")
        page.goto(meeting_url)
        assert page.get_by_role("heading", name="Möte om Elsa").is_visible()
        assert page.get_by_text(PURPOSE).is_visible()
        page.get_by_label("Ja, jag kommer").check()
        page.get_by_label("Kommentar (frivilligt)").fill("Elsa vill gärna vara med en stund.")
        check_accessibility(page, "meetings-family-answer")
        page.get_by_role("button", name="Skicka svar").click()
        assert page.get_by_text("Tack! Ditt svar är sparat.").is_visible()
        answer = page.get_by_role("region", name="Ditt svar")
        assert answer.get_by_text("Kommer").first.is_visible()
    finally:
        page.context.close()


def _child_writes(browser, server, meeting_url: str) -> None:
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, "elsa@demo.samverkan.se")
        page.goto(meeting_url)
        page.get_by_role("link", name="Skriv det du vill säga").click()
        page.get_by_label("Sådär").check()
        page.get_by_label("Det här är bra").fill("Rasterna med Nora.")
        page.get_by_label("Det här önskar jag").fill("Att få vila efter lunch.")
        page.get_by_label("Bara min samordnare").check()
        check_accessibility(page, "meetings-child-voice")
        page.get_by_role("button", name="Skicka till min samordnare").click()
        assert page.get_by_text("Tack! Nu kan din samordnare läsa det du skrev.").is_visible()
        assert page.get_by_text("Det här kan bara din samordnare läsa.").is_visible()
    finally:
        page.context.close()


def _room_is_live(page) -> None:
    page.locator("#live-indicator.live-indicator--open").wait_for()


def test_joint_meeting_from_call_to_plan(browser, server):
    coordinator = new_page(browser, server)
    case_url, meeting_url = _coordinator_calls(coordinator)

    mentor = new_page(browser, server)
    _mentor_prepares(mentor, meeting_url)
    mentor.context.close()

    bup = new_page(browser, server)
    _bup_reads(bup, meeting_url)

    _guardian_accepts(browser, server, meeting_url)
    _child_writes(browser, server, meeting_url)

    # The coordinator's lists and the change page (nothing changed here).
    coordinator.goto("/moten/")
    assert coordinator.get_by_role("link", name=re.compile("10.00")).first.is_visible()
    check_accessibility(coordinator, "meetings-list-coordinator")
    coordinator.goto(meeting_url.rstrip("/") + "/andra/")
    assert coordinator.get_by_role("heading", name="Ändra möte").is_visible()
    check_accessibility(coordinator, "meetings-edit")

    # The coordinator opens the room; BUP follows in a second browser.
    coordinator.goto(meeting_url)
    assert coordinator.get_by_role("region", name="Inbjudna").get_by_text("Kommer").first.is_visible()
    coordinator.get_by_role("link", name="Öppna mötesrummet").click()
    bup.goto(meeting_url.rstrip("/") + "/rum/")
    _room_is_live(bup)
    bup.evaluate("window.__notReloaded = true")
    coordinator.get_by_role("button", name="Starta mötet", exact=True).click()
    # Ten days early: asked first (meetings/room/_confirm.html), nothing starts until then.
    coordinator.get_by_role("button", name="Ja, starta mötet nu").click()
    _room_is_live(coordinator)
    bup.get_by_role("region", name="Mötets status").get_by_text("Mötet pågår").wait_for()

    attendance = coordinator.get_by_role("region", name="Närvaro")
    attendance.get_by_role("button", name=re.compile(r"^Här\W+BUP Sörmland")).click()
    bup.get_by_role("region", name="Närvaro").get_by_text("Närvarande").first.wait_for()

    coordinator.get_by_label("Anteckning", exact=True).fill(NOTE)
    coordinator.get_by_role("button", name="Lägg till anteckning").click()
    bup_minutes = bup.get_by_role("region", name="Anteckningar och beslut")
    bup_minutes.get_by_text(NOTE).wait_for()
    assert coordinator.get_by_label("Anteckning", exact=True).input_value() == ""

    coordinator.get_by_role("region", name="Dagordning").get_by_role("button", name="Gå till Sömn och morgnar").click()
    bup.locator(".agenda__current").get_by_text("Sömn och morgnar").wait_for()

    coordinator.get_by_text("Skriv ett beslut").click()
    coordinator.get_by_label("Beslut", exact=True).fill(DECISION)
    coordinator.get_by_label("Ansvarig verksamhet").select_option(label="BUP Sörmland")
    coordinator.get_by_label("Klart senast").fill(_day(30))
    coordinator.get_by_role("button", name="Spara beslutet").click()
    bup_minutes.get_by_text(DECISION).wait_for()
    assert bup_minutes.get_by_text("I planen").is_visible()
    assert bup.evaluate("window.__notReloaded") is True  # all of it arrived without a reload
    check_accessibility(coordinator, "meetings-room-coordinator")
    check_accessibility(bup, "meetings-room-healthcare")

    coordinator.get_by_role("button", name="Avsluta mötet", exact=True).click()
    coordinator.get_by_role("button", name="Ja, avsluta mötet").click()
    assert coordinator.get_by_role("heading", name=re.compile("Anteckningar från mötet")).is_visible()
    coordinator.get_by_role("button", name="Dela med familjen").click()
    assert coordinator.get_by_text("Anteckningarna är delade").is_visible()
    check_accessibility(coordinator, "meetings-minutes")
    bup.get_by_role("region", name="Mötets status").get_by_text("Mötet är avslutat").wait_for()

    # The decision is an action in the joint plan.
    coordinator.goto(case_url.rstrip("/") + "/plan/")
    assert coordinator.get_by_text(DECISION).first.is_visible()
    coordinator.screenshot(path="artifacts/screenshots/meetings-plan-action.png", full_page=True)
    coordinator.goto(meeting_url.rstrip("/") + "/anteckningar/utskrift/")
    assert coordinator.get_by_text(DECISION).is_visible()
    check_accessibility(coordinator, "meetings-minutes-print")
    coordinator.context.close()
    bup.context.close()

    # The guardian reads the shared minutes and approves them.
    family = new_page(browser, server, mobile=True)
    try:
        login_family(family, server, LENA)
        family.goto(meeting_url.rstrip("/") + "/anteckningar/")
        assert family.get_by_text(NOTE).is_visible()
        assert family.get_by_text(DECISION).is_visible()
        family.get_by_label("Jag godkänner anteckningarna").check()
        check_accessibility(family, "meetings-minutes-family")
        family.get_by_role("button", name="Skicka").click()
        assert family.get_by_text("Samordnaren har fått ditt svar").is_visible()
    finally:
        family.context.close()


CALL_AND_START = """
from datetime import timedelta
from django.utils import timezone
from access.scoping import system_scope, STAFF, Viewer
from agencies.models import Membership
from cases.models import Case
from meetings import services
with system_scope():
    m = Membership.objects.get(user__email="samordnare@demo.samverkan.se", agency__name__startswith="Samordning")
    v = Viewer(kind=STAFF, user_id=m.user_id, agency_id=m.agency_id, role=m.role, membership_id=m.pk)
    case = Case.objects.get(child__first_name="Elsa")
    bup = Membership.objects.get(user__email="bup@demo.samverkan.se").agency_id
    start = timezone.now() + timedelta(days=3)
    meeting = services.meeting_call(
        viewer=v, case=case, purpose="Möte över två serverprocesser.", starts_at=start,
        ends_at=start + timedelta(hours=1), place="Rum 7", agenda=["Punkt ett"], agency_ids=[bup],
    )
    services.room_start(viewer=v, meeting=meeting, confirmed=True)
    print(meeting.uuid)
"""


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host, port = "127.0.0.1", 6379
    match = re.match(r"redis://([^:/]+)(?::(\d+))?", url)
    if match:
        host, port = match.group(1), int(match.group(2) or 6379)
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return url
    except OSError:
        return None


def test_live_room_across_two_server_processes_on_redis(browser, server):
    redis_url = _redis_url()
    if redis_url is None:
        pytest.skip("Redis is not reachable")
    env = {**server.env, "REDIS_URL": redis_url, "CHANNEL_PREFIX": f"e2e{uuid.uuid4().hex[:8]}"}
    first = server.start_extra(_free_port(), env)
    second = server.start_extra(_free_port(), env)
    meeting_uuid = server.shell(CALL_AND_START).strip().splitlines()[-1]
    options = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm"}
    coordinator_context = browser.new_context(base_url=first, **options)
    bup_context = browser.new_context(base_url=second, **options)
    coordinator_context.set_default_timeout(10_000)
    bup_context.set_default_timeout(10_000)
    coordinator = coordinator_context.new_page()
    bup = bup_context.new_page()
    try:
        login_staff(coordinator, COORDINATOR)
        login_staff(bup, BUP)
        coordinator.goto(f"/moten/{meeting_uuid}/rum/")
        bup.goto(f"/moten/{meeting_uuid}/rum/")
        _room_is_live(coordinator)
        _room_is_live(bup)
        bup.evaluate("window.__notReloaded = true")
        coordinator.get_by_label("Anteckning", exact=True).fill("Skrivet på server ett, läst på server två.")
        coordinator.get_by_role("button", name="Lägg till anteckning").click()
        bup.get_by_role("region", name="Anteckningar och beslut").get_by_text(
            "Skrivet på server ett, läst på server två."
        ).wait_for()
        assert bup.evaluate("window.__notReloaded") is True
        bup.screenshot(path="artifacts/screenshots/meetings-room-second-process.png", full_page=True)
    finally:
        coordinator_context.close()
        bup_context.close()
