"""Staff sign-in through the agency's own SAML IdP: a real pysaml2 IdP, an SP-initiated
login, and each kind of bad response refused."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from access.scoping import system_scope
from agencies.idp.models import StaffIdentity
from portal.models import User
from tests.staffidp.saml_idp import PASSWORD_CLASS, Tampering

pytestmark = pytest.mark.django_db(transaction=False)


def _signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_staff_signs_in_through_the_agencys_idp_with_smartcard_as_second_factor(world, school_idp, sso):
    page = sso.sign_in(world.school, "rut")
    assert page.status_code == 302 and page["Location"] == "/"
    assert _signed_in_as(sso.client) == str(world.school_staff.user_id)
    home = sso.client.get("/")
    # No TOTP asked: the IdP reported a smartcard sign-in the admin accepts.
    assert home.status_code == 200
    assert sso.client.session["portal_acting_as"] == world.school_staff.pk
    account = SocialAccount.objects.get(user=world.school_staff.user)
    assert account.uid == "SE2120001234-rut"


def test_password_at_the_idp_is_not_a_second_factor_totp_is_asked(world, school_idp, sso):
    page = sso.sign_in(world.school, "rut-losenord")
    assert page.status_code == 302 and page["Location"] == "/konto/2fa/authenticate/"
    assert _signed_in_as(sso.client) is None


def test_too_low_authn_context_asks_for_totp_even_with_an_otherwise_good_user(world, school_idp, sso):
    sso.idp.next_response = Tampering(authn_class=PASSWORD_CLASS)
    page = sso.sign_in(world.school, "rut")
    assert page["Location"] == "/konto/2fa/authenticate/"
    assert _signed_in_as(sso.client) is None


def test_first_sign_in_without_membership_is_refused_and_creates_no_account(world, school_idp, sso):
    users_before = User.objects.count()
    page = sso.sign_in(world.school, "okand")
    assert page.status_code == 403
    assert "ingen roll i Samverkansportalen" in page.content.decode()
    assert _signed_in_as(sso.client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()


def test_matching_is_by_the_idp_attribute_never_by_email(world, school_idp, sso):
    # "okand" carries Rut's e-mail address in the portal, but not her HSA-id.
    okand = sso.idp.users["okand"]
    okand.attributes["urn:oid:0.9.2342.19200300.100.1.3"] = [world.school_staff.user.email]
    page = sso.sign_in(world.school, "okand")
    assert page.status_code == 403
    assert _signed_in_as(sso.client) is None


@pytest.mark.parametrize(
    "tampering",
    [
        pytest.param(Tampering(expired=True), id="expired-assertion"),
        pytest.param(Tampering(sp_name_qualifier="http://annan.example/sp"), id="nameid-for-another-sp"),
        pytest.param(Tampering(replace_in_signed_xml=("SE2120001234-rut", "SE2120001234-adm")), id="bad-signature"),
    ],
)
def test_a_spoilt_response_is_refused(world, school_idp, sso, tampering):
    with system_scope():
        admin_identity = StaffIdentity.objects.create(
            agency=world.school, membership=world.school_admin, value="SE2120001234-adm"
        )
    sso.idp.next_response = tampering
    page = sso.sign_in(world.school, "rut")
    assert page.status_code == 403
    assert "kunde inte godtas" in page.content.decode()
    assert _signed_in_as(sso.client) is None
    assert admin_identity.membership.user_id != world.school_staff.user_id


def test_an_assertion_for_another_audience_is_refused(world, school_idp, health_idp, idp_a, sso):
    # The school's IdP also serves the healthcare SP, and issues an assertion meant for it.
    idp_a.trust_sp(
        Client(HTTP_HOST="testserver").get(f"/konto/saml/{world.health.uuid.hex}/metadata/").content.decode()
    )
    sso.idp.next_response = Tampering(audience=f"http://testserver/konto/saml/{world.health.uuid.hex}/metadata/")
    page = sso.sign_in(world.school, "rut")
    assert page.status_code == 403
    assert _signed_in_as(sso.client) is None


def test_a_replayed_response_is_refused(world, school_idp, sso):
    page = sso.sign_in(world.school, "rut")
    assert page.status_code == 302 and _signed_in_as(sso.client)
    # The same response again, in the same browser after signing out, and in another one.
    sso.client.post("/konto/logout/")
    again = sso.post_to_acs()
    assert again.status_code == 403
    assert _signed_in_as(sso.client) is None
    stranger = Client(HTTP_HOST="testserver")
    stolen = sso.post_to_acs(client=stranger)
    assert stolen.status_code == 403
    assert _signed_in_as(stranger) is None


def test_a_replayed_assertion_is_refused_even_with_a_fresh_login_state(world, school_idp, sso):
    sso.sign_in(world.school, "rut")
    first = sso.response_b64
    sso.client.post("/konto/logout/")
    # A new login, whose state the attacker pairs with the old, already used response.
    sso.idp_login(sso.start(world.school), "rut")
    sso.response_b64 = first
    page = sso.post_to_acs()
    assert page.status_code == 403
    assert _signed_in_as(sso.client) is None


def test_an_assertion_from_another_agencys_idp_is_refused(world, school_idp, health_idp, idp_b, sso):
    # Hanna (healthcare) signs in at her own IdP, and her response is posted to the
    # school's ACS in a session that started a sign-in at the school.
    # Even with her HSA-id keyed to someone at the school, the healthcare IdP is not the school's.
    with system_scope():
        StaffIdentity.objects.create(agency=world.school, membership=world.school_admin, value="SE2321000032-hanna")
    health = type(sso)(client=Client(HTTP_HOST="testserver"), idp=idp_b)
    health.idp_login(health.start(world.health), "hanna")
    sso.start(world.school)
    sso.response_b64, sso.relay_state = health.response_b64, health.relay_state
    page = sso.post_to_acs(acs_path=f"/konto/saml/{world.school.uuid.hex}/acs/")
    assert page.status_code == 403
    assert _signed_in_as(sso.client) is None


def test_each_agency_signs_in_through_its_own_idp(world, school_idp, health_idp, idp_b):
    from tests.staffidp.conftest import Sso

    health = Sso(client=Client(HTTP_HOST="testserver"), idp=idp_b)
    page = health.sign_in(world.health, "hanna")
    assert page.status_code == 302
    assert health.client.session["_auth_user_id"] == str(world.health_staff.user_id)
    assert health.client.session["portal_acting_as"] == world.health_staff.pk


def test_an_agency_that_requires_its_idp_refuses_password_sign_in(world, school_idp, sso):
    from tests.world import PASSWORD

    school_idp.required = True
    school_idp.save()
    client = Client(HTTP_HOST="testserver")
    page = client.post("/konto/login/", {"login": world.school_staff.user.email, "password": PASSWORD})
    assert page.status_code == 403
    assert "kräver att personalen loggar in" in page.content.decode()
    assert _signed_in_as(client) is None
    # Staff of other agencies are not affected.
    other = Client(HTTP_HOST="testserver")
    ok = other.post("/konto/login/", {"login": world.social_staff.user.email, "password": PASSWORD})
    assert ok.status_code == 302, ok.content.decode()[-3000:]
    # And the IdP still lets the school's staff in.
    assert sso.sign_in(world.school, "rut").status_code == 302
    assert _signed_in_as(sso.client) == str(world.school_staff.user_id)


def test_an_agency_that_requires_its_idp_refuses_the_emailed_code_too(world, school_idp, mailoutbox):
    import re

    school_idp.required = True
    school_idp.save()
    client = Client(HTTP_HOST="testserver")
    client.post("/konto/login/code/", {"email": world.school_staff.user.email})
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mailoutbox[-1].body).group(1)
    page = client.post("/konto/login/code/confirm/", {"code": code})
    assert page.status_code == 403
    assert "kräver att personalen loggar in" in page.content.decode()
    assert _signed_in_as(client) is None


def test_only_a_local_next_is_carried_through_the_idp(world, school_idp, sso):
    started = sso.client.post(
        "/konto/organisation/", {"agency": str(world.school.uuid), "next": "https://elak.example/"}
    )
    sso.idp_login(started["Location"], "rut")
    assert sso.post_to_acs()["Location"] == "/"
    sso.client.post("/konto/logout/")
    started = sso.client.post("/konto/organisation/", {"agency": str(world.school.uuid), "next": "/moten/"})
    sso.idp_login(started["Location"], "rut")
    assert sso.post_to_acs()["Location"] == "/moten/"
