"""The child's own pages in a real browser (DESIGN rule 19, issue 17 item 1).

Elsa (the demo's child) signs in with a code on her phone and on a computer. Her home,
her plan, her meetings and her meeting speak to her ("Ett möte om dig", "Din plan"),
never about "ditt barn", and pass axe on both screens. The word check of every page
she can open, in Swedish and English, is tests/portal/test_child_words.py.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_accessibility, login_family, new_page

ELSA = "elsa@demo.samverkan.se"
NOT_HERS = re.compile(r"\b(?:ditt barn|ert barn|hen|barnet|möte om Elsa|planen för Elsa)\b", re.IGNORECASE)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_childs_pages_speak_to_her(browser, server, screen):
    page = new_page(browser, server, mobile=screen == "phone")
    try:
        login_family(page, server, ELSA)
        assert page.get_by_role("heading", name="Hej Elsa").is_visible()
        meetings = page.get_by_role("region", name="Möten")
        assert meetings.get_by_text("Ett möte om dig.").first.is_visible()
        assert page.get_by_role("heading", name="De som hjälper dig").is_visible()
        assert not NOT_HERS.search(page.locator("body").inner_text())
        check_accessibility(page, f"child-home-{screen}")

        page.get_by_role("link", name="Läs din plan").first.click()
        assert page.get_by_role("heading", name="Din plan", level=1).is_visible()
        assert page.get_by_role("heading", name="Din samordnare").is_visible()
        assert not NOT_HERS.search(page.locator("body").inner_text())
        check_accessibility(page, f"child-plan-{screen}")

        page.goto("/moten/")
        assert page.get_by_text("Här ser du dina möten.").is_visible()
        assert not NOT_HERS.search(page.locator("body").inner_text())
        check_accessibility(page, f"child-meetings-{screen}")
        page.locator("main table a").first.click()
        assert page.get_by_role("heading", name="Ditt möte", level=1).is_visible()
        assert not NOT_HERS.search(page.locator("body").inner_text())
        check_accessibility(page, f"child-meeting-{screen}")
    finally:
        page.context.close()
