"""A guardian signs in with Swedish eID at the real local OpenID provider, then answers a
consent confirmed by a fresh eID authentication and sees the evidence in the history.

The session server has no eID (the other browser tests use the e-mail code); this module
starts the test provider and a second portal process on the same database with eID on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Server, _free_port, check_accessibility, new_page
from tests.eid import idp

FATIMA = "199002146687"  # Noah's mother in the demo (cases/demo.py)


@pytest.fixture(scope="module")
def eid_server(server: Server) -> Iterator[str]:
    port = _free_port()
    provider = idp.start(base_url=f"http://127.0.0.1:{port}")
    env = dict(server.env)
    env.update(
        {
            "PORTAL_EID_ISSUER": provider.issuer,
            "PORTAL_EID_CLIENT_ID": provider.client_id,
            "PORTAL_EID_CLIENT_SECRET": provider.client_secret,
            "PORTAL_EID_NAME": "BankID (test)",
        }
    )
    try:
        yield server.start_extra(port, env)
    finally:
        idp.stop(provider)


def _bankid(page: object, number: str) -> None:
    """At the test provider: type the personnummer and log in."""
    page.wait_for_url(re.compile(r".*/interaction/.*"))  # type: ignore[attr-defined]
    page.get_by_label("Personnummer").fill(number)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Logga in").click()  # type: ignore[attr-defined]


def test_guardian_signs_in_with_eid_and_confirms_consent_with_fresh_eid(browser, server, eid_server):
    page = new_page(browser, server, mobile=True)
    try:
        page.goto(f"{eid_server}/konto/login/")
        check_accessibility(page, "eid-login")
        page.get_by_role("button", name="Logga in med BankID (test)").click()
        _bankid(page, FATIMA)
        page.wait_for_url(f"{eid_server}/")
        assert page.get_by_text("Samtycken som väntar på ditt svar").is_visible()
        page.goto(f"{eid_server}/samtycke/familj/")
        page.get_by_role("link", name="Läs och svara").first.click()
        assert page.get_by_text("Du bekräftar ditt svar med BankID (test)").is_visible()
        page.get_by_role("button", name="Ja, jag samtycker").click()
        # A fresh authentication, even though the provider knows this browser already.
        _bankid(page, FATIMA)
        page.wait_for_url(re.compile(r".*/samtycke/familj/[0-9a-f-]+/$"))
        assert page.get_by_text("Tack! Du har sagt ja till samtycket.").is_visible()
        assert page.get_by_text(re.compile(r"Bekräftad med BankID \(test\), nivå 3, kl \d\d:\d\d")).is_visible()
        check_accessibility(page, "eid-consent-confirmed")
    finally:
        page.context.close()
