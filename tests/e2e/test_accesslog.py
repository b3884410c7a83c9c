"""The access log in a real browser: staff look at Elsa's collaboration, her mother sees
who looked ("Vem har tittat?") and takes out a copy of her data, BUP's admin reviews
the agency's log. Every page passes axe with 0 violations."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import check_accessibility, login_family, login_staff, new_page


def _elsas_personal_number(server) -> str:  # type: ignore[no-untyped-def]
    code = (
        "from access.scoping import system_scope\n"
        "from cases.models import Child\n"
        "with system_scope():\n"
        "    print(Child.objects.get(first_name='Elsa', last_name='Andersson').personal_number)"
    )
    return server.shell(code).strip().splitlines()[-1]


def _staff_opens_elsas_collaboration(browser, server, email: str) -> None:
    page = new_page(browser, server)
    try:
        login_staff(page, email)
        page.goto("/samverkan/")
        page.get_by_role("link", name=re.compile("Elsa")).first.click()
        page.wait_for_url(re.compile(r"/samverkan/[0-9a-f-]{36}/"))
        assert page.get_by_role("heading", name=re.compile("Elsa")).first.is_visible()
    finally:
        page.context.close()


def test_the_guardian_sees_who_has_looked_at_elsas_information(browser, server):
    _staff_opens_elsas_collaboration(browser, server, "samordnare@demo.samverkan.se")
    _staff_opens_elsas_collaboration(browser, server, "bup@demo.samverkan.se")

    page = new_page(browser, server)
    try:
        login_family(page, server, "lena@demo.samverkan.se")
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Vem har tittat?").click()
        page.wait_for_url(re.compile(r"/logg/vem-har-tittat/[0-9a-f-]{36}/"))
        assert page.get_by_role("heading", level=1, name="Vem har tittat på uppgifter om Elsa?").is_visible()
        visits = page.locator(".log-visit")
        newest = visits.first
        assert "Leila Haddad" in newest.inner_text()
        assert "psykolog" in newest.inner_text() and "BUP Sörmland" in newest.inner_text()
        assert "tittade på samverkan" in newest.inner_text().lower()  # "Tittade på samverkan, …"
        sara = visits.filter(has_text="Sara Lind").first
        assert "samordningsperson" in sara.inner_text() and "Samordningsenheten Barnets bästa" in sara.inner_text()
        # Her own and Elsa's father's reads are not listed.
        assert page.get_by_text("Lena Andersson", exact=False).count() <= 1  # only the header's name
        day_heading = page.get_by_role("heading", level=2).first.inner_text()
        assert re.match(r"^[A-ZÅÄÖ][a-zåäö]+dag \d{1,2} [a-zåäö]+ \d{4}$", day_heading), day_heading
        check_accessibility(page, "accesslog-family")
    finally:
        page.context.close()

    phone = new_page(browser, server, mobile=True)
    try:
        login_family(phone, server, "lena@demo.samverkan.se")
        phone.goto("/logg/vem-har-tittat/")
        assert phone.get_by_role("heading", level=1, name="Vem har tittat på uppgifter om Elsa?").is_visible()
        check_accessibility(phone, "accesslog-family-mobile")
    finally:
        phone.context.close()


def test_the_guardian_takes_out_a_copy_of_everything(browser, server):
    page = new_page(browser, server)
    try:
        login_family(page, server, "lena@demo.samverkan.se")
        page.goto("/logg/vem-har-tittat/")
        page.get_by_role("link", name="Ladda ner allt portalen har sparat om Elsa och dig").click()
        assert page.get_by_role("heading", level=1, name="Allt portalen har sparat om Elsa och dig").is_visible()
        check_accessibility(page, "accesslog-export")

        started = time.monotonic()
        with page.expect_download(timeout=60_000) as download_info:
            page.get_by_role("link", name="Ladda ner som PDF").click(timeout=60_000)
        pdf = download_info.value
        assert pdf.suggested_filename.endswith(".pdf")
        with open(pdf.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"
        assert time.monotonic() - started < 60

        page.get_by_role("link", name=re.compile("Läs i webbläsaren")).click()
        assert page.get_by_role("heading", level=1, name="Uppgifter i Samverkansportalen").is_visible()
        assert page.get_by_text("Elsa har svårt att gå till skolan", exact=False).first.is_visible()
        body = page.locator("body").inner_text()
        assert "Vasavägen" not in body and "073-765" not in body  # Mikael's address and phone
        check_accessibility(page, "accesslog-export-document")
    finally:
        page.context.close()


def test_the_agency_admin_reviews_the_log(browser, server):
    _staff_opens_elsas_collaboration(browser, server, "bup@demo.samverkan.se")
    page = new_page(browser, server)
    try:
        login_staff(page, "bupadmin@demo.samverkan.se")
        page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Logg").click()
        assert page.get_by_role("heading", level=1, name="Åtkomstlogg").is_visible()
        page.get_by_label("Barnets personnummer").fill(_elsas_personal_number(server))
        page.get_by_role("button", name="Visa").click()
        rows = page.locator("table.log-table tbody tr")
        assert rows.count() >= 1
        leila = rows.filter(has_text="Leila Haddad").first.inner_text()
        assert "Elsa Andersson" in leila and "Samtycke" in leila
        assert page.get_by_role("columnheader", name="Avvikelser").is_visible()
        check_accessibility(page, "accesslog-review")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Ladda ner som CSV").click()
        with open(download_info.value.path(), encoding="utf-8-sig") as handle:
            header = handle.readline()
        assert header.startswith("tid,personal,befattning")
    finally:
        page.context.close()

    report = server.manage("verify_access_log")
    assert "BROKEN" not in report and "OK      agency:" in report
