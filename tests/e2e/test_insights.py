"""Improvement work in a real browser: the management report and the follow-up, and a
coordinator recording a gap (with the personal-data warning)."""

import re
from datetime import date

from tests.e2e.conftest import check_accessibility, login_staff

LAST_YEAR = str(date.today().year - 1)  # the demo's gaps and collaborations start then


def test_management_reads_the_improvement_report(page):
    login_staff(page, "ledning@demo.samverkan.se")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Förbättringsarbete").click()
    check_accessibility(page, "insights-index")
    page.get_by_role("link", name="Visa förbättringsrapporten").click()
    assert page.get_by_role(
        "heading", name=re.compile(r"Brister i stödsystemet – Eskilstuna kommun \d{4}")
    ).is_visible()
    assert page.get_by_role("img", name=re.compile("Registrerade brister per kvartal")).is_visible()
    table = page.get_by_role("table", name="Brister per kategori och kvartal")
    assert table.get_by_role("rowheader", name="Väntetid").is_visible()
    # No figure under 5 anywhere in the report.
    for text in page.locator("td.num").all_inner_texts():
        value = text.replace("dolt", "").strip()
        assert value in {"", ".."} or int(value) >= 5, text
    check_accessibility(page, "insights-gap-report")

    page.get_by_label("År", exact=True).select_option(LAST_YEAR)
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url(re.compile(rf".*ar={LAST_YEAR}.*"))
    heading = f"Brister i stödsystemet – Eskilstuna kommun {LAST_YEAR}"
    assert page.get_by_role("heading", name=heading).is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("som CSV")).click()
    assert download.value.suggested_filename == f"brister-0484-{LAST_YEAR}.csv"


def test_management_reads_the_followup(page):
    login_staff(page, "ledning@demo.samverkan.se")
    page.goto(f"/forbattring/rapport/uppfoljning/?ar={LAST_YEAR}")
    heading = f"Uppföljning av samverkan – Eskilstuna kommun {LAST_YEAR}"
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("table", name="Förälder åter i arbete eller studier").is_visible()
    check_accessibility(page, "insights-followup")


def test_coordinator_records_a_gap_and_is_warned_about_a_name(page):
    login_staff(page, "samordnare@demo.samverkan.se")
    page.goto("/forbattring/brister/ny/")
    page.get_by_label("Väntetid – Stödet finns men det tar för lång tid att få det.").check()
    page.get_by_label("Vilken del av stödsystemet gäller det?").select_option(label="Habilitering")
    page.get_by_label("Vad hände i stödsystemet?").fill("Kalle Svensson fick vänta åtta månader på habiliteringen.")
    check_accessibility(page, "insights-gap-form")
    page.get_by_role("button", name="Spara bristen").click()
    assert page.get_by_role("heading", name="Kontrollera texten").is_visible()
    check_accessibility(page, "insights-gap-warning")
    page.get_by_label("Vad hände i stödsystemet?").fill("Ett barn fick vänta åtta månader på habiliteringen.")
    page.get_by_role("button", name="Spara bristen").click()
    assert page.get_by_text("Bristen är registrerad").is_visible()
    assert page.get_by_role("cell", name="Ett barn fick vänta åtta månader på habiliteringen.").is_visible()
