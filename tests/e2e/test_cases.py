"""The child's collaboration in a real browser: the demo Barnets bästa-ansvarig (the
rektor) opens a collaboration, records the child's wish and appoints a different
coordinator with a reason, records the handover; the coordinator maps the family's
situation and writes a plan with actions owned by two agencies; the guardian reads the
plan in plain Swedish on her phone."""

import re
from datetime import timedelta

from django.utils import timezone

from tests.e2e.conftest import check_accessibility, login_family, login_staff, new_page

VERA = "20160815-2243"  # a made-up number with a valid check digit
LENA = "19840605-4422"  # the demo guardian, already registered by the school


def _bba_opens_and_hands_over(page):
    login_staff(page, "rektor@demo.samverkan.se")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Öppna samverkan").click()
    check_accessibility(page, "cases-open-search")
    page.get_by_label("Barnets personnummer").fill(VERA)
    page.get_by_role("button", name="Sök").click()
    assert page.get_by_text("Inget barn som du har tillgång till har det personnumret").is_visible()
    page.get_by_label("Barnets förnamn").fill("Vera")
    page.get_by_label("Barnets efternamn").fill("Andersson")
    page.get_by_label("Behovet med familjens egna ord").fill(
        "Vera har ont i magen varje morgon och vill inte gå till skolan. Mamma orkar inte ringa alla."
    )
    page.get_by_label("Gemensam planering").check()
    page.get_by_label("Hur stressad känner sig familjen just nu? (1–10)").select_option("8")
    check_accessibility(page, "cases-open-form")
    page.get_by_role("button", name="Öppna samverkan").click()
    assert page.get_by_role("heading", name="Vera Andersson").is_visible()
    assert page.get_by_text("Samverkan är öppnad").is_visible()
    check_accessibility(page, "cases-hub-new")

    # The family: Lena, already registered for Elsa, is reused by personal number.
    page.get_by_role("navigation", name="Samverkan runt barnet").get_by_role(
        "link", name="Familjen", exact=True
    ).click()
    guardians = page.get_by_role("region", name="Vårdnadshavare och föräldrar")
    guardians.get_by_label("Personnummer").fill(LENA)
    guardians.get_by_label("Förnamn").fill("Lena")
    guardians.get_by_label("Efternamn").fill("Andersson")
    guardians.get_by_label("Ja").check()
    guardians.get_by_role("button", name="Lägg till").click()
    assert page.get_by_text("Vårdnadshavaren är tillagd.").is_visible()
    check_accessibility(page, "cases-family")

    # The child is asked first; the child wishes Erik, the mentor; Sara is appointed.
    page.get_by_role("navigation", name="Samverkan runt barnet").get_by_role(
        "link", name="Samordnare", exact=True
    ).click()
    page.get_by_label("Barnet önskar en viss person").check()
    page.get_by_label("Önskad person i portalen").select_option(label="Erik Holm, Mentor")
    page.get_by_label("Barnets egna ord").fill("Erik, för han vet hur det är i klassen.")
    page.get_by_label("Samordnare", exact=True).select_option(label="Sara Lind, Samordningsperson")
    page.get_by_role("button", name="Utse samordnare").click()
    assert page.get_by_text("Avsteg från barnets önskan får bara göras av särskilda skäl").first.is_visible()
    check_accessibility(page, "cases-appoint-reason-missing")
    page.get_by_label("Skäl till avsteg från barnets önskan").fill(
        "Erik är mentor för hela klassen och har inte tid. Sara arbetar med samordning på heltid."
    )
    page.get_by_role("button", name="Utse samordnare").click()

    # The handover, with when the guardians and the child were told.
    page.wait_for_url(re.compile(r".*/samordnare/overlamning/$"))
    check_accessibility(page, "cases-handover")
    now = timezone.localtime()
    page.get_by_label("När fick vårdnadshavarna veta vem som är samordnare?").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("När fick barnet veta det?").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Registrera överlämningen").click()
    assert page.get_by_text("Överlämningen är registrerad.").is_visible()
    assert page.get_by_text("Sara Lind").first.is_visible()
    check_accessibility(page, "cases-hub-handed-over")
    return page.url


def _coordinator_maps_and_plans(page, hub_url):
    login_staff(page, "samordnare@demo.samverkan.se")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Mina familjer").click()
    assert page.get_by_role("link", name="Vera Andersson").is_visible()
    check_accessibility(page, "cases-caseload")
    page.get_by_role("link", name="Dagar sedan kontakt").click()
    page.get_by_role("link", name="Vera Andersson").click()
    assert page.url.endswith(hub_url.rsplit("/samverkan/", 1)[1])
    nav = page.get_by_role("navigation", name="Samverkan runt barnet")

    # BUP joins the team so it can own an action.
    nav.get_by_role("link", name="Teamet", exact=True).click()
    page.get_by_label("Verksamhet", exact=True).select_option(label="BUP Sörmland")
    page.get_by_label("Roll i samverkan").fill("Bedömning av oro och sömn")
    page.get_by_role("button", name="Lägg till i teamet").click()
    assert page.get_by_text("Verksamheten är med i teamet.").is_visible()
    check_accessibility(page, "cases-team")

    # Mapping: current and desired state in the family's words.
    nav.get_by_role("link", name="Kartläggning", exact=True).click()
    page.get_by_label("Område", exact=True).select_option(label="Skola eller förskola")
    page.get_by_label("Så här är det nu", exact=True).fill("Vera är hemma tre dagar av fem.")
    page.get_by_label("Så här vill familjen att det ska bli").fill("Vera går till skolan varje dag, i en mindre grupp.")
    page.get_by_label("Det här är viktigast just nu").check()
    page.get_by_label("Vem har skrivit det?").select_option(label="Lena Andersson (vårdnadshavare)")
    page.get_by_role("button", name="Lägg till", exact=True).click()
    assert page.get_by_text("Området är tillagt i kartläggningen.").is_visible()
    page.get_by_label("Område", exact=True).select_option(label="Förälderns arbete eller studier")
    page.get_by_label("Så här är det nu", exact=True).fill("Jag är sjukskriven och orkar inte alla samtal.")
    page.get_by_label("Så här vill familjen att det ska bli").fill("Jag vill börja arbeta halvtid.")
    page.get_by_label("Vem har skrivit det?").select_option(label="Lena Andersson (vårdnadshavare)")
    page.get_by_role("button", name="Lägg till", exact=True).click()
    check_accessibility(page, "cases-mapping")
    page.get_by_role("region", name="Skola eller förskola").get_by_role("button", name="Gör till mål i planen").click()
    assert page.get_by_text("Målet är tillagt i planen.").is_visible()

    # The joint plan: SIP elements, and actions owned by the school and by BUP.
    page.get_by_text("Skriv eller ändra planen").click()
    page.get_by_label("Vilket stöd behövs?").fill("Undervisning i liten grupp och en bedömning av Veras mående.")
    page.get_by_label("Vilken huvudman har det övergripande ansvaret?").select_option(label="Eskilstuna kommun")
    page.get_by_label("Det här gör samordnaren").fill("Kallar till möten och hjälper Lena med kontakterna.")
    page.get_by_label("Det här gör inte samordnaren").fill("Tar inte över Lenas ansvar som förälder.")
    page.get_by_role("button", name="Spara planen").click()
    assert page.get_by_text("Planen är sparad.").is_visible()
    due = (timezone.localdate() + timedelta(days=21)).isoformat()
    for description, agency in (
        ("Ordna undervisning i liten grupp.", "Skiftingeskolan"),
        ("Bedömningssamtal om oro och sömn.", "BUP Sörmland"),
    ):
        page.get_by_text("Lägg till insats", exact=True).first.click()
        page.get_by_label("Vad ska göras?").fill(description)
        page.get_by_label("Ansvarig verksamhet eller aktör").select_option(label=agency)
        page.get_by_label("Klart senast").fill(due)
        page.get_by_role("button", name="Lägg till insats").click()
        assert page.get_by_text("Insatsen är tillagd i planen.").is_visible()
    page.get_by_label("Byt fas").select_option(label="Genomföra")
    page.get_by_role("button", name="Spara fas").click()
    table = page.get_by_role("table")
    assert table.get_by_text("Skiftingeskolan").is_visible() and table.get_by_text("BUP Sörmland").is_visible()
    check_accessibility(page, "cases-plan")
    page.get_by_role("link", name="Alla ändringar (vem, när, vad)").click()
    assert page.get_by_text("Ny insats: Bedömningssamtal om oro och sömn.").is_visible()
    check_accessibility(page, "cases-plan-history")


def _guardian_reads_the_plan(page, server):
    login_family(page, server, "lena@demo.samverkan.se")
    vera = page.get_by_role("region", name="Samarbetet kring Vera")
    assert vera.get_by_text("Er samordnare är Sara Lind").is_visible()
    vera.get_by_role("link", name="Läs planen").click()
    assert page.get_by_role("heading", name="Planen för Vera").is_visible()
    for text in (
        "Vi gör det vi har bestämt.",
        "Vera önskade Erik Holm.",
        "Erik är mentor för hela klassen och har inte tid.",
        "Ordna undervisning i liten grupp.",
        "Bedömningssamtal om oro och sömn.",
        "Tar inte över Lenas ansvar som förälder.",
    ):
        assert page.get_by_text(text).first.is_visible(), text
    assert page.get_by_text("Skrivet av familjen").first.is_visible()
    assert page.get_by_text("Inte påbörjat än.").first.is_visible()
    assert page.locator("form[action*='/plan/']").count() == 0  # read-only
    check_accessibility(page, "cases-family-plan-mobile")


def test_open_appoint_hand_over_map_plan_and_the_guardian_reads_it(browser, server):
    bba = new_page(browser, server)
    coordinator = new_page(browser, server)
    guardian = new_page(browser, server, mobile=True)
    try:
        hub_url = _bba_opens_and_hands_over(bba)
        _coordinator_maps_and_plans(coordinator, hub_url)
        _guardian_reads_the_plan(guardian, server)
    finally:
        for page in (bba, coordinator, guardian):
            page.context.close()


def test_concern_page_records_without_content(browser, server):
    page = new_page(browser, server)
    try:
        login_staff(page, "mentor@demo.samverkan.se")
        page.goto("/samverkan/")
        page.get_by_role("link", name="Elsa Andersson").click()
        page.get_by_role("link", name="Orosanmälan", exact=True).click()
        assert page.get_by_role("heading", name="Anmälningsplikt vid oro för ett barn").is_visible()
        assert page.locator("textarea").count() == 0
        page.get_by_label("Till socialtjänsten i kommun").select_option(label="Eskilstuna kommun")
        page.get_by_role("button", name="Anteckna").click()
        assert page.get_by_text("Erik Holm anmälde till Eskilstuna kommun").is_visible()
        check_accessibility(page, "cases-concern")
    finally:
        page.context.close()
