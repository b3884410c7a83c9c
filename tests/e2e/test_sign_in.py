"""Foundation journeys in a real browser: each persona signs in and lands on their home."""

import pytest

from tests.e2e.conftest import check_accessibility, login_family, login_staff, new_page


def test_sign_in_page_is_swedish_and_accessible(page):
    page.goto("/konto/login/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", name="Logga in").is_visible()
    check_accessibility(page, "sign-in")


def test_coordinator_signs_in_with_totp(page):
    login_staff(page, "samordnare@demo.samverkan.se")
    assert page.get_by_role("heading", name="Hej Sara").is_visible()
    assert page.get_by_text("Samordningsenheten Barnets bästa").first.is_visible()
    check_accessibility(page, "coordinator-home")


def test_guardian_signs_in_with_code_on_a_phone(browser, server):
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, "lena@demo.samverkan.se")
        assert page.get_by_role("heading", name="Hej Lena").is_visible()
        check_accessibility(page, "guardian-home-mobile")
    finally:
        page.context.close()


@pytest.mark.parametrize(
    "email, expected",
    [
        ("rektor@demo.samverkan.se", "Skiftingeskolan"),
        ("bup@demo.samverkan.se", "BUP Sörmland"),
        ("soc@demo.samverkan.se", "Socialtjänsten Eskilstuna"),
        ("skoladmin@demo.samverkan.se", "Personal och inbjudningar"),
    ],
)
def test_each_staff_persona_lands_on_own_home(page, email, expected):
    login_staff(page, email)
    assert page.get_by_text(expected).first.is_visible()


def test_child_signs_in_with_code(browser, server):
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, "elsa@demo.samverkan.se")
        assert page.get_by_role("heading", name="Hej Elsa").is_visible()
    finally:
        page.context.close()


def test_an_old_link_gets_the_portals_own_not_found_page_on_a_phone(browser, server):
    page = new_page(browser, server, mobile=True)
    try:
        login_family(page, server, "lena@demo.samverkan.se")
        response = page.goto("/samverkan/00000000-0000-0000-0000-000000000000/")
        assert response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Sidan finns inte, eller så har du inte längre tillgång"
        )
        check_accessibility(page, "not-found-mobile")
        assert "URLconf" not in page.content()
    finally:
        page.context.close()
