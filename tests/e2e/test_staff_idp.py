"""A staff member signs in through their agency's own IdP in a real browser: the portal's
sign-in page, the organisation chooser, the IdP's login form, back to the portal with no
TOTP asked when the IdP reported a multi-factor sign-in. SAML against a real pysaml2 IdP;
OpenID Connect against the real npm oidc-provider (tests/idp/server.js)."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Server, check_accessibility, totp_code
from tests.eid import idp
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
            "from access.scoping import system_scope\n"
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
        "from access.scoping import system_scope\n"
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


# --- OpenID Connect: the school's IdP is the real npm oidc-provider (tests/idp/server.js) ---

MENTOR = "mentor@demo.samverkan.se"  # Erik Holm at Skiftingeskolan (web/demo.py)


@pytest.fixture(scope="module")
def school_oidc(server: Server) -> Iterator[idp.TestIdP]:
    """The school admin points the school's sign-in at the test OIDC provider and keys the
    mentor to their HSA-id there (through agencies.idp.services, as the admin's page does)."""
    slug = (
        server.shell(
            "from agencies.models import Agency\n"
            "from access.scoping import system_scope\n"
            "with system_scope():\n"
            "    print('SLUG=' + Agency.objects.get(name='Skiftingeskolan').uuid.hex)\n"
        )
        .split("SLUG=")[1]
        .strip()
    )
    provider = idp.start(base_url=server.base_url, staff_agencies=(slug,))
    try:
        server.shell(
            "from agencies.idp import services\n"
            "from agencies.idp.models import AgencyIdentityProvider\n"
            "from agencies.models import Membership\n"
            "from access.scoping import STAFF, Viewer, system_scope\n"
            "with system_scope():\n"
            "    admin = Membership.objects.select_related('user').get(\n"
            "        agency__name='Skiftingeskolan', user__email='skoladmin@demo.samverkan.se')\n"
            "    viewer = Viewer(kind=STAFF, user_id=admin.user_id, agency_id=admin.agency_id, role=admin.role,\n"
            "        membership_id=admin.pk, user=admin.user)\n"
            "    config = services.identity_provider_get(viewer=viewer)\n"
            "    config.protocol = AgencyIdentityProvider.Protocol.OIDC\n"
            "    config.is_enabled = True\n"
            f"    config.oidc_issuer = '{provider.issuer}'\n"
            f"    config.oidc_client_id = '{provider.staff_client_id}'\n"
            f"    config.oidc_client_secret = '{provider.staff_client_secret}'\n"
            "    config.oidc_scopes = 'openid profile'\n"
            "    config.match_attribute = 'hsa_id'\n"
            f"    config.mfa_values = '{idp.LOA3}'\n"
            "    result = services.identity_provider_save(viewer=viewer, config=config)\n"
            "    assert result.ok, result.message\n"
            "    mentor = Membership.objects.get(agency=admin.agency, user__email='" + MENTOR + "')\n"
            f"    services.staff_identity_set(viewer=viewer, membership_uuid=mentor.uuid,"
            f" value='{idp.STAFF_HSA_PREFIX}mentor')\n"
        )
        yield provider
    finally:
        server.shell(
            "from agencies.idp.models import AgencyIdentityProvider, StaffIdentity\n"
            "from access.scoping import system_scope\n"
            "with system_scope():\n"
            "    StaffIdentity.objects.filter(membership__user__email='" + MENTOR + "').delete()\n"
            "    AgencyIdentityProvider.objects.filter(agency__name='Skiftingeskolan').delete()\n"
        )
        idp.stop(provider)


def _organisation_login(page: object, provider: idp.TestIdP, username: str, *, loa2: bool = False) -> None:
    """Sign-in page → the organisation chooser → the school's OIDC provider's login form."""
    page.goto("/konto/login/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Logga in med din organisations inloggning").click()  # type: ignore[attr-defined]
    page.get_by_label("Din verksamhet").select_option(label="Skiftingeskolan")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Fortsätt till inloggningen").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{provider.issuer}/interaction/**")  # type: ignore[attr-defined]
    assert page.get_by_role("heading", name="Logga in i organisationen (test)").is_visible()  # type: ignore[attr-defined]
    page.get_by_label("Användarnamn").fill(username)  # type: ignore[attr-defined]
    if loa2:
        page.get_by_label("Tillitsnivå").select_option(value=idp.LOA2)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Logga in").click()  # type: ignore[attr-defined]


def _signed_in_users(server: Server, email: str) -> str:
    return (
        server.shell(
            "from allauth.socialaccount.models import SocialAccount\n"
            "from portal.models import User\n"
            "from access.scoping import system_scope\n"
            "with system_scope():\n"
            f"    print('RESULT=', User.objects.filter(email='{email}').count(),"
            f" list(SocialAccount.objects.filter(user__email='{email}').values_list('provider', 'uid')))\n"
        )
        .split("RESULT=")[1]
        .strip()
    )


def test_staff_signs_in_through_the_schools_oidc_idp_and_loa3_skips_totp(page, server, school_oidc):
    _organisation_login(page, school_oidc, "mentor")
    # Back at the portal, signed in as the school's mentor, without a TOTP step (acr loa3).
    page.wait_for_url(f"{server.base_url}/")
    assert page.get_by_text("Skiftingeskolan").first.is_visible()
    assert page.get_by_role("button", name="Logga ut").is_visible()
    assert page.get_by_text("Erik Holm").first.is_visible()
    check_accessibility(page, "organisation-sign-in-oidc")
    users = _signed_in_users(server, MENTOR)
    assert users.startswith("1 ") and f"'{idp.STAFF_HSA_PREFIX}mentor'" in users and "agency-" in users


def test_a_loa2_sign_in_at_the_oidc_idp_still_asks_for_the_totp_code(page, server, school_oidc):
    _organisation_login(page, school_oidc, "mentor", loa2=True)
    page.wait_for_url("**/konto/2fa/authenticate/")
    assert page.get_by_label("Kod").is_visible()
    check_accessibility(page, "organisation-sign-in-oidc-totp")
    page.get_by_label("Kod").fill(totp_code(MENTOR))
    page.get_by_role("button", name=re.compile("Logga in|Bekräfta|Autentisera")).click()
    page.wait_for_url(f"{server.base_url}/")
    assert page.get_by_role("button", name="Logga ut").is_visible()
    assert page.get_by_text("Erik Holm").first.is_visible()


def _count(server: Server, queryset: str) -> int:
    return int(
        server.shell(
            "from allauth.socialaccount.models import SocialAccount\n"
            "from portal.models import User\n"
            "from access.scoping import system_scope\n"
            "with system_scope():\n"
            f"    print('RESULT=' + str({queryset}.count()))\n"
        ).split("RESULT=")[1]
    )


def test_someone_not_keyed_at_the_oidc_idp_is_refused_and_no_account_is_made(page, server, school_oidc):
    users = _count(server, "User.objects.all()")
    _organisation_login(page, school_oidc, "vikarie")
    page.wait_for_url(re.compile(r".*/konto/oidc/agency-[0-9a-f]{32}/login/callback/.*"))
    assert page.get_by_role("heading", name="Inloggningen gick inte igenom").is_visible()
    assert page.get_by_text("Inget konto har skapats.").is_visible()
    check_accessibility(page, "organisation-sign-in-oidc-refused")
    assert not page.get_by_role("button", name="Logga ut").is_visible()
    assert _count(server, f"SocialAccount.objects.filter(uid='{idp.STAFF_HSA_PREFIX}vikarie')") == 0
    assert _count(server, "User.objects.all()") == users
