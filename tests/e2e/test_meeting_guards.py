"""Meeting guards in a real browser (issue 17, item 6): the confirm step of starting a
meeting early and of ending it (htmx on the desktop, the plain-form path on the phone),
and the call form's "place or video link" pair, each screenshotted and checked with axe."""

from __future__ import annotations

from tests.e2e.conftest import check_accessibility, login_staff, new_page

COORDINATOR = "samordnare@demo.samverkan.se"

CALL = """
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
    start = timezone.now() + timedelta(days=9)
    meeting = services.meeting_call(
        viewer=v, case=case, purpose="Möte för att pröva bekräftelserna.", starts_at=start,
        ends_at=start + timedelta(hours=1), place="Rum 7", agenda=["Punkt ett"], agency_ids=[bup],
    )
    print(meeting.uuid)
"""


def test_confirm_steps_and_the_place_pair(browser, server):
    meeting = server.shell(CALL).strip().splitlines()[-1]
    room = f"/moten/{meeting}/rum/"
    desktop = new_page(browser, server)
    phone = new_page(browser, server, mobile=True)
    try:
        login_staff(desktop, COORDINATOR)
        login_staff(phone, COORDINATOR)

        # The call form: one "Plats eller videolänk" pair, an error on the pair when empty.
        desktop.goto("/samverkan/")
        desktop.get_by_role("link", name="Elsa Andersson").first.click()
        desktop.get_by_role("region", name="Möten").get_by_role("link", name="Kalla till möte").click()
        call_url = desktop.url
        pair = desktop.get_by_role("group", name="Plats eller videolänk")
        assert pair.get_by_text("Fyll i minst ett av fälten.").is_visible()
        assert pair.get_by_text("frivilligt").count() == 0
        check_accessibility(desktop, "meeting-guards-call-desktop")
        desktop.get_by_label("Syfte med mötet").fill("Pröva fältparet.")
        desktop.get_by_label("Datum").fill("2031-03-04")
        desktop.get_by_label("Börjar").fill("10:00")
        desktop.get_by_label("Slutar").fill("11:00")
        desktop.get_by_role("button", name="Kalla till mötet").click()
        assert pair.get_by_text("Fyll i en plats eller en länk till videomötet.").is_visible()
        check_accessibility(desktop, "meeting-guards-call-error-desktop")
        phone.goto(call_url)
        check_accessibility(phone, "meeting-guards-call-phone")

        # Starting nine days early asks first (htmx: the question appears in place).
        desktop.goto(room)
        desktop.get_by_role("button", name="Starta mötet", exact=True).click()
        question = desktop.locator("#room-confirm")
        question.get_by_text("Vill du starta det nu ändå?").wait_for()
        assert desktop.get_by_role("button", name="Ja, starta mötet nu").evaluate("b => b === document.activeElement")
        assert desktop.get_by_text("Mötet har inte börjat").is_visible()
        check_accessibility(desktop, "meeting-guards-start-confirm-desktop")
        # The phone: the plain-form path (the room page with ?bekrafta=starta).
        phone.goto(room + "?bekrafta=starta")
        check_accessibility(phone, "meeting-guards-start-confirm-phone")
        phone.get_by_role("link", name="Nej, vänta").click()
        assert phone.get_by_text("Vill du starta").count() == 0

        desktop.get_by_role("button", name="Ja, starta mötet nu").click()
        desktop.get_by_text("Mötet pågår").wait_for()

        # Ending is always asked first.
        desktop.get_by_role("button", name="Avsluta mötet", exact=True).click()
        desktop.locator("#room-confirm").get_by_text("kan inte startas igen").wait_for()
        check_accessibility(desktop, "meeting-guards-end-confirm-desktop")
        phone.goto(room + "?bekrafta=avsluta")
        check_accessibility(phone, "meeting-guards-end-confirm-phone")
        phone.get_by_role("button", name="Ja, avsluta mötet").click()
        assert phone.get_by_text("Mötet är avslutat.").first.is_visible()
    finally:
        desktop.context.close()
        phone.context.close()
