"""The public support directory in a real browser: on a phone, without signing in."""

from tests.e2e.conftest import check_accessibility, login_staff, new_page


def test_directory_search_on_a_phone_without_signing_in(browser, server):
    page = new_page(browser, server, mobile=True)
    try:
        page.goto("/stodkatalog/")
        assert page.get_by_role("heading", name="Stödkatalog", exact=True).is_visible()
        check_accessibility(page, "directory-start-mobile")

        page.get_by_label("Vad letar du efter?").fill("avlastning")
        page.get_by_label("Kommun eller region").select_option(label="Katrineholms kommun")
        page.get_by_label("Barnets ålder").fill("9")
        page.get_by_role("button", name="Sök", exact=True).click()
        page.wait_for_url("**/stodkatalog/?*")
        results = page.locator(".entry-list")
        assert results.get_by_role("link", name="Korttidsvistelse i Katrineholm (LSS)").is_visible()
        assert results.get_by_role("link", name="Korttidsvistelse (LSS)", exact=True).count() == 0
        assert page.get_by_role("heading", name="1 stöd hittades").is_visible()
        check_accessibility(page, "directory-search-mobile")

        results.get_by_role("link", name="Korttidsvistelse i Katrineholm (LSS)").click()
        assert page.get_by_role("heading", name="Korttidsvistelse i Katrineholm (LSS)").is_visible()
        assert page.get_by_role("heading", name="Så ansöker du").is_visible()
        assert page.get_by_role("link", name="0150-570 40 50").is_visible()
        check_accessibility(page, "directory-entry-mobile")
    finally:
        page.context.close()


def test_directory_filters_by_need_and_municipality(browser, server):
    page = new_page(browser, server)
    try:
        page.goto("/stodkatalog/")
        page.get_by_label("Kommun eller region").select_option(label="Eskilstuna kommun")
        page.get_by_label("Typ av behov").select_option(label="Ekonomi och ersättningar")
        page.get_by_role("button", name="Sök", exact=True).click()
        page.wait_for_url("**/stodkatalog/?*")
        names = page.locator(".entry-card h3").all_inner_texts()
        assert sorted(names) == [
            "Merkostnadsersättning från Försäkringskassan",
            "Omvårdnadsbidrag från Försäkringskassan",
        ]
        check_accessibility(page, "directory-filtered")
    finally:
        page.context.close()


def test_agency_admin_sees_own_entries_to_edit(page):
    login_staff(page, "bupadmin@demo.samverkan.se")
    page.goto("/stodkatalog/hantera/")
    assert page.get_by_role("link", name="Första linjen för barn och unga").is_visible()
    assert page.get_by_role("link", name="Korttidsvistelse (LSS)").count() == 0
    page.get_by_role("link", name="Första linjen för barn och unga").click()
    assert page.get_by_label("Vad heter stödet?").input_value() == "Första linjen för barn och unga"
    check_accessibility(page, "directory-edit-entry")
