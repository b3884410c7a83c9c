"""Staff sign-in through an agency's OpenID Connect IdP: a tiny real OP over HTTP, the
authorization code flow with PKCE, `acr`/`amr` deciding whether TOTP is still asked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from agencies.idp import services
from agencies.idp.models import AgencyIdentityProvider, StaffIdentity
from portal.models import User
from tests.staffidp.oidc_op import Account, OidcOp
from tests.world import staff_viewer

pytestmark = pytest.mark.django_db

LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"


@pytest.fixture(scope="module")
def op() -> Iterator[OidcOp]:
    provider = OidcOp().start()
    provider.accounts.update(
        {
            "hanna": Account("pw", {"sub": "u-1", "hsa_id": "SE2321000032-hanna", "acr": LOA3, "amr": ["smartcard"]}),
            "hanna-loa2": Account("pw", {"sub": "u-1", "hsa_id": "SE2321000032-hanna", "acr": LOA2, "amr": ["pwd"]}),
            "okand": Account("pw", {"sub": "u-9", "hsa_id": "SE2321000032-okand", "acr": LOA3}),
        }
    )
    yield provider
    provider.stop()


@pytest.fixture
def health_oidc(world, op) -> AgencyIdentityProvider:
    config = AgencyIdentityProvider(
        agency=world.health,
        protocol=AgencyIdentityProvider.Protocol.OIDC,
        is_enabled=True,
        oidc_issuer=op.issuer,
        oidc_client_id=op.client_id,
        oidc_client_secret=op.client_secret,
        match_attribute="hsa_id",
        mfa_values=LOA3,
    )
    assert services.identity_provider_save(viewer=staff_viewer(world.health_admin), config=config).ok
    StaffIdentity.objects.create(agency=world.health, membership=world.health_staff, value="SE2321000032-hanna")
    return config


def _sign_in(world, op: OidcOp, username: str) -> tuple[Client, object]:
    client = Client(HTTP_HOST="testserver")
    started = client.post("/konto/organisation/", {"agency": str(world.health.uuid)})
    assert started.status_code == 302 and started["Location"].startswith(f"{op.issuer}/auth?")
    form = requests.get(started["Location"], timeout=10)
    key = re.search(r'name="key" value="([^"]+)"', form.text).group(1)
    back = requests.post(
        f"{op.issuer}/login", data={"key": key, "username": username, "password": "pw"}, allow_redirects=False
    )
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.netloc == "testserver"
    return client, client.get(f"{callback.path}?{callback.query}")


def test_staff_signs_in_through_oidc_and_loa3_counts_as_second_factor(world, op, health_oidc):
    client, page = _sign_in(world, op, "hanna")
    assert page.status_code == 302 and page["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.health_staff.user_id)
    assert client.session["portal_acting_as"] == world.health_staff.pk
    assert client.get("/").status_code == 200
    assert SocialAccount.objects.get(user=world.health_staff.user).uid == "SE2321000032-hanna"


def test_a_lower_acr_asks_for_totp(world, op, health_oidc):
    client, page = _sign_in(world, op, "hanna-loa2")
    assert page["Location"] == "/konto/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_unknown_person_is_refused_and_no_account_is_made(world, op, health_oidc):
    users = User.objects.count()
    client, page = _sign_in(world, op, "okand")
    assert page.status_code == 403
    assert "ingen roll i Samverkansportalen" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users and not SocialAccount.objects.exists()


def test_an_id_token_for_another_client_is_refused(world, op, health_oidc):
    op.audience_override = "en-annan-klient"
    client, page = _sign_in(world, op, "hanna")
    assert page.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_authorisation_request_asks_for_the_accepted_levels(world, op, health_oidc):
    """Providers that report `acr` only when asked (oidc-provider does) are asked for the
    levels the admin accepts as the second factor; amr words are not sent as acr values."""
    from urllib.parse import parse_qs

    started = Client(HTTP_HOST="testserver").post("/konto/organisation/", {"agency": str(world.health.uuid)})
    query = parse_qs(urlsplit(started["Location"]).query)
    assert health_oidc.mfa_values == LOA3
    assert query["acr_values"] == [LOA3]
