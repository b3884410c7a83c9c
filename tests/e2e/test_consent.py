"""Consent in a real browser, on the demo data, across two server processes.

Elsa (12) is in the demo with a request waiting: BUP asks to see her school situation.
Lena (guardian 1) and Mikael (guardian 2) each say yes on their phones after a fresh
one-time code; the BUP psychologist — signed in on a *second* server process sharing the
database — can then read the school's shared item. Mikael revokes, and BUP's very next
page load on the other process is a 404.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import (
    CHROMIUM,
    SCREENSHOTS,
    Server,
    _free_port,
    check_accessibility,
    login_family,
    login_staff,
    new_page,
)

LENA = "lena@demo.samverkan.se"
MIKAEL = "mikael@demo.samverkan.se"
BUP = "bup@demo.samverkan.se"
PURPOSE = "Att BUP ska få se hur Elsa har det i skolan"
ITEM_TITLE = "Skolans bild av Elsas närvaro"

assert CHROMIUM  # Debian's Chromium (see conftest)


def _new_item(server: Server) -> tuple[str, str]:
    """The school shares an item about Elsa's school situation (through the cases service)."""
    out = server.shell(
        "from access.scoping import system_scope\n"
        "from cases.models import Case\n"
        "from cases import services\n"
        "from consent.models import InformationCategory\n"
        "from agencies.models import Membership\n"
        "from access.scoping import Viewer\n"
        "with system_scope():\n"
        "    case = Case.objects.get(child__first_name='Elsa')\n"
        "    m = Membership.objects.get(user__email='rektor@demo.samverkan.se')\n"
        "    v = Viewer(kind='staff', user_id=m.user_id, agency_id=m.agency_id, role=m.role, membership_id=m.pk)\n"
        "    item = services.shared_item_create(viewer=v, case=case, "
        "category_id=InformationCategory.objects.get(code='school').pk, "
        f"title={ITEM_TITLE!r}, body='Elsa har varit frånvarande 40 procent av tiden sedan augusti.')\n"
        "    print(case.uuid, item.uuid)\n"
    )
    case_uuid, item_uuid = out.split()[-2:]
    return case_uuid, item_uuid


def _latest_code(server: Server, email: str, before: int) -> str:
    deadline = time.time() + 10
    while time.time() < deadline:
        mails = server.mails_to(email)
        if len(mails) > before:
            found = re.search(r"Din kod är: (\d{6})", mails[-1]) or re.search(r"\b(\d{6})\b", mails[-1])
            assert found, mails[-1]
            # Nothing about the family or the consent in the e-mail: only the code.
            for secret in ("Elsa", "BUP", "skola", "Skiftingeskolan", "samtycke"):
                assert secret not in mails[-1].split("\n\n", 1)[-1], secret
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no code mail to {email}")


def _say_yes(page, server: Server, email: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/samtycke/familj/")
    check_accessibility(page, f"consent-{name}-overview")
    card = page.locator("section.consent-card", has_text="BUP Sörmland").filter(has_text="Väntar på ditt svar")
    card.get_by_role("link", name=re.compile("Läs och svara")).click()
    assert page.get_by_text(PURPOSE).is_visible()
    assert page.get_by_role("heading", name="Vem får se vad?").is_visible()
    check_accessibility(page, f"consent-{name}-detail")
    before = len(server.mails_to(email))
    page.get_by_role("button", name="Ja, jag samtycker").click()
    page.wait_for_url(re.compile(r".*/samtycke/familj/kod/.*"))
    assert page.get_by_text("Vi har skickat en kod till din e-post").is_visible()
    check_accessibility(page, f"consent-{name}-code")
    page.get_by_label("Kod").fill(_latest_code(server, email, before))
    page.get_by_role("button", name="Bekräfta mitt svar").click()
    page.wait_for_url(re.compile(r".*/samtycke/familj/[0-9a-f-]{36}/$"))
    assert page.get_by_text("Tack! Du har sagt ja till samtycket.").is_visible()


@pytest.mark.e2e
def test_two_guardians_grant_bup_reads_then_a_revocation_is_a_404_on_the_other_process(browser, server):
    case_uuid, item_uuid = _new_item(server)
    item_path = f"/samverkan/{case_uuid}/delat/{item_uuid}/"
    second = server.start_extra(_free_port())

    lena = new_page(browser, server, mobile=True)
    mikael = new_page(browser, server, mobile=True)
    bup_context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", base_url=second)
    bup_context.set_default_timeout(10_000)
    bup = bup_context.new_page()
    try:
        # BUP, on the second process: the school's item is not BUP's to see yet.
        login_staff(bup, BUP)
        assert bup.goto(item_path).status == 404

        login_family(lena, server, LENA)
        check_accessibility(lena, "consent-lena-home")
        assert lena.get_by_text("Samtycken som väntar på ditt svar").is_visible()
        _say_yes(lena, server, LENA, "lena")
        assert lena.get_by_text("Väntar på den andra vårdnadshavaren").first.is_visible()
        check_accessibility(lena, "consent-lena-waiting")
        # One yes is not enough.
        assert bup.goto(item_path).status == 404

        login_family(mikael, server, MIKAEL)
        _say_yes(mikael, server, MIKAEL, "mikael")
        assert mikael.get_by_text("Samtycket gäller").first.is_visible()
        check_accessibility(mikael, "consent-mikael-granted")

        # BUP's next request, on the other process, reads the school's item.
        response = bup.goto(item_path)
        assert response.status == 200
        assert bup.get_by_text(ITEM_TITLE).first.is_visible()
        check_accessibility(bup, "consent-bup-reads-school-item")

        # Mikael takes his consent back.
        mikael.get_by_role("link", name="Ta tillbaka samtycket").click()
        assert mikael.get_by_text(
            "Det som redan har lämnats över finns kvar i mottagarens egna journaler eller akter."
        ).first.is_visible()
        check_accessibility(mikael, "consent-mikael-revoke")
        mikael.get_by_role("button", name="Ja, ta tillbaka mitt samtycke").click()
        assert mikael.get_by_text("Du har tagit tillbaka ditt samtycke. Det gäller från och med nu.").is_visible()
        check_accessibility(mikael, "consent-mikael-revoked")

        # The very next page load on the other process: 404, as if the item did not exist.
        response = bup.goto(item_path)
        assert response.status == 404
        assert ITEM_TITLE not in bup.content()
        bup.screenshot(path=str(SCREENSHOTS / "consent-bup-404-after-revoke.png"), full_page=True)
    finally:
        for page in (lena, mikael, bup):
            page.context.close()


@pytest.mark.e2e
def test_coordinator_requests_records_and_reads_history(browser, server):
    """The coordinator's side: the case's consents, a new request, an oral answer with the
    named receiver, the immutable history and a maturity assessment — each page checked."""
    case_uuid = server.shell(
        "from access.scoping import system_scope\n"
        "from cases.models import Case\n"
        "with system_scope():\n"
        "    print(Case.objects.get(child__first_name='Elsa').uuid)\n"
    ).split()[-1]
    page = new_page(browser, server)
    try:
        login_staff(page, "samordnare@demo.samverkan.se")
        page.goto(f"/samtycke/samverkan/{case_uuid}/")
        assert page.get_by_role("heading", name="Samtycken för Elsa Andersson").is_visible()
        check_accessibility(page, "consent-coordinator-case")

        page.get_by_role("link", name="Be om samtycke").click()
        check_accessibility(page, "consent-coordinator-request")
        page.get_by_label("Socialtjänsten Eskilstuna").check()
        page.get_by_label("Hälsa").check()
        page.get_by_label("Syfte").fill("Att socialtjänsten ska förstå hur Elsas sömn påverkar skolan.")
        page.get_by_role("button", name="Skicka frågan till familjen").click()
        page.wait_for_url(re.compile(r".*/samtycke/[0-9a-f-]{36}/$"))
        assert page.get_by_text("Familjen har fått frågan i portalen.").is_visible()
        check_accessibility(page, "consent-coordinator-detail")

        page.get_by_role("link", name="Registrera svar på papper eller muntligt").click()
        check_accessibility(page, "consent-coordinator-record")
        page.get_by_label("Lena Andersson (vårdnadshavare)").check()
        page.get_by_label("Ja, samtycker").check()
        page.get_by_label("Muntligt till namngiven personal").check()
        page.get_by_label("Vem tog emot det muntliga svaret?").select_option(label="Sara Lind, Samordningsperson")
        page.get_by_role("button", name="Registrera svaret").click()
        # is_visible() does not wait: under load the redirect after the POST was still on its way.
        page.get_by_text("Svaret är registrerat.").wait_for()
        assert page.get_by_text("Svaret är registrerat.").is_visible()

        page.get_by_role("link", name="Historik").click()
        assert page.get_by_role("cell", name=re.compile("Muntligt till namngiven personal")).first.is_visible()
        check_accessibility(page, "consent-coordinator-history")

        page.goto(f"/samtycke/samverkan/{case_uuid}/mognadsbedomning/")
        check_accessibility(page, "consent-coordinator-maturity")

        # The consent panel on the collaboration page.
        page.goto(f"/samverkan/{case_uuid}/")
        panel = page.locator("section.consent-panel")
        assert panel.get_by_role("heading", name="Samtycken").is_visible()
        assert panel.get_by_text("Gäller").first.is_visible()
        check_accessibility(page, "consent-coordinator-case-panel")
    finally:
        page.context.close()


@pytest.mark.e2e
def test_family_consent_list_says_who_asked_what_and_until_when_on_phone_and_desktop(browser, server):
    """Issue 17 item 4: each card names who asked, for whom, what and until when, with
    one status badge; screenshots of the list on a phone (390×844) and a desktop."""
    for mobile, name in ((True, "consent-family-list-phone"), (False, "consent-family-list-desktop")):
        page = new_page(browser, server, mobile=mobile)
        try:
            login_family(page, server, LENA)
            page.goto("/samtycke/familj/")
            cards = page.locator("section.consent-card")
            assert cards.count() >= 2
            for i in range(cards.count()):
                card = cards.nth(i)
                heading = card.get_by_role("heading").inner_text()
                assert re.search(r"(ber|bad) om ert samtycke att dela uppgifter om (Elsa|Noah)", heading), heading
                assert card.locator(".badge").count() == 1, card.inner_text()
                text = card.inner_text()
                assert "Vem frågade" in text and "Hur länge" in text
                assert "Vem får se vad om" not in text
            check_accessibility(page, name)
        finally:
            page.context.close()
