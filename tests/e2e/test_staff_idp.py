"""A staff member signs in through their agency's own SAML IdP in a real browser: the
portal's sign-in page, the organisation chooser, a real pysaml2 IdP's login form, back
to the portal with no TOTP asked (the IdP reported a smartcard sign-in)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import check_accessibility
from tests.staffidp.saml_idp import HSA_ID, SMARTCARD_CLASS, SamlIdp, User


@pytest.fixture(scope="module")
def school_idp(server) -> Iterator[SamlIdp]:
    idp = SamlIdp("skiftinge-idp").start()
    idp.users["rektor"] = User("idp-losenord", {HSA_ID: ["SE2120000000-rektor"]})
    slug = (
        server.shell(
            "from agencies.idp import services\n"
            "from agencies.idp.models import AgencyIdentityProvider, StaffIdentity\n"
            "from agencies.models import Agency, Membership\n"
            "from consent.scoping import system_scope\n"
            "with system_scope():\n"
            "    agency = Agency.objects.get(name='Skiftingeskolan')\n"
            "    config = AgencyIdentityProvider(agency=agency, protocol='saml', is_enabled=True,\n"
            f"        saml_metadata_url='{idp.base_url}/metadata', match_attribute='{HSA_ID}',\n"
            f"        mfa_values='{SMARTCARD_CLASS}')\n"
            "    result = services._check(config)\n"
            "    assert result.ok, result.message\n"
            "    config.save()\n"
            "    member = Membership.objects.get(agency=agency, user__email='rektor@demo.samverkan.se')\n"
            "    StaffIdentity.objects.create(agency=agency, membership=member, value='SE2120000000-rektor')\n"
            "    print('SLUG=' + agency.uuid.hex)\n"
        )
        .split("SLUG=")[1]
        .strip()
    )
    with urllib.request.urlopen(f"{server.base_url}/konto/saml/{slug}/metadata/", timeout=10) as response:
        idp.trust_sp(response.read().decode())
    yield idp
    server.shell(
        "from agencies.idp.models import AgencyIdentityProvider\n"
        "from consent.scoping import system_scope\n"
        "with system_scope():\n"
        "    AgencyIdentityProvider.objects.filter(agency__name='Skiftingeskolan').delete()\n"
    )
    idp.stop()


def test_staff_signs_in_through_the_schools_saml_idp(page, school_idp):
    page.goto("/konto/login/")
    page.get_by_role("link", name="Logga in med din organisations inloggning").click()
    assert page.get_by_role("heading", name="Logga in med din organisations inloggning").is_visible()
    check_accessibility(page, "organisation-sign-in")
    page.get_by_label("Din verksamhet").select_option(label="Skiftingeskolan")
    page.get_by_role("button", name="Fortsätt till inloggningen").click()
    # The IdP's own login page.
    page.wait_for_url(f"{school_idp.base_url}/**")
    page.get_by_label("Användarnamn").fill("rektor")
    page.get_by_label("Lösenord").fill("idp-losenord")
    page.get_by_role("button", name="Logga in").click()
    # Back at the portal, signed in as the school's rektor, without a TOTP step.
    page.wait_for_url(lambda url: "/konto/" not in url and school_idp.base_url not in url)
    assert page.get_by_text("Skiftingeskolan").first.is_visible()
    assert page.get_by_role("button", name="Logga ut").is_visible()


def test_an_unknown_person_at_the_idp_gets_a_clear_refusal(page, school_idp):
    school_idp.users["okand"] = User("idp-losenord", {HSA_ID: ["SE2120000000-okand"]})
    page.goto("/konto/organisation/")
    page.get_by_label("Din verksamhet").select_option(label="Skiftingeskolan")
    page.get_by_role("button", name="Fortsätt till inloggningen").click()
    page.wait_for_url(f"{school_idp.base_url}/**")
    page.get_by_label("Användarnamn").fill("okand")
    page.get_by_label("Lösenord").fill("idp-losenord")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/acs/finish/")
    assert page.get_by_role("heading", name="Inloggningen gick inte igenom").is_visible()
    assert page.get_by_text("Inget konto har skapats.").is_visible()
    check_accessibility(page, "organisation-sign-in-refused")
