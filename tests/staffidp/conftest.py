"""Two real SAML IdPs (pysaml2) on loopback ports, one per agency, for the whole session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
import requests
from django.test import Client

from agencies.idp import services
from agencies.idp.models import AgencyIdentityProvider, StaffIdentity
from agencies.models import Agency, Membership
from tests.staffidp.saml_idp import HSA_ID, LOA3, MAIL, PASSWORD_CLASS, SMARTCARD_CLASS, SamlIdp, User
from tests.world import staff_viewer

IDP_PASSWORD = "idp-lösenord"


@pytest.fixture(scope="session")
def idp_a() -> Iterator[SamlIdp]:
    idp = SamlIdp("skolans-idp").start()
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def idp_b() -> Iterator[SamlIdp]:
    idp = SamlIdp("regionens-idp").start()
    yield idp
    idp.stop()


def configure(agency: Agency, idp: SamlIdp, admin: Membership, **fields) -> AgencyIdentityProvider:
    """The admin's settings, saved through the service (metadata fetched from the IdP)."""
    config = AgencyIdentityProvider(
        agency=agency,
        protocol=AgencyIdentityProvider.Protocol.SAML,
        is_enabled=True,
        saml_metadata_url=f"{idp.base_url}/metadata",
        match_attribute=HSA_ID,
        email_attribute=MAIL,
        mfa_values=f"{SMARTCARD_CLASS}\n{LOA3}",
        **fields,
    )
    result = services.identity_provider_save(viewer=staff_viewer(admin), config=config)
    assert result.ok, result.message
    # The IdP trusts the SP metadata the portal publishes for this agency.
    idp.trust_sp(Client(HTTP_HOST="testserver").get(f"/konto/saml/{agency.uuid.hex}/metadata/").content.decode())
    return config


@dataclass
class Sso:
    """A staff SAML sign-in driven over HTTP: the portal by Django's client, the IdP for real."""

    client: Client
    idp: SamlIdp
    response_b64: str = ""
    relay_state: str = ""
    acs_path: str = ""

    def start(self, agency: Agency) -> str:
        started = self.client.post("/konto/organisation/", {"agency": str(agency.uuid)})
        assert started.status_code == 302, started.content[:500]
        return started["Location"]

    def idp_login(self, location: str, username: str, password: str = IDP_PASSWORD) -> None:
        form = requests.get(location, timeout=10)
        assert form.status_code == 200, form.text
        key = re.search(r'name="key" value="([^"]+)"', form.text).group(1)
        done = requests.post(
            f"{self.idp.base_url}/login", data={"key": key, "username": username, "password": password}, timeout=10
        )
        assert done.status_code == 200, done.text
        self.acs_path = urlparse(re.search(r'form method="post" action="([^"]+)"', done.text).group(1)).path
        self.response_b64 = re.search(r'name="SAMLResponse" value="([^"]+)"', done.text).group(1)
        self.relay_state = re.search(r'name="RelayState" value="([^"]*)"', done.text).group(1)

    def post_to_acs(self, client: Client | None = None, acs_path: str | None = None):
        client = client or self.client
        posted = client.post(
            acs_path or self.acs_path, {"SAMLResponse": self.response_b64, "RelayState": self.relay_state}
        )
        assert posted.status_code == 302, posted.status_code
        return client.get(posted["Location"])

    def sign_in(self, agency: Agency, username: str):
        self.idp_login(self.start(agency), username)
        return self.post_to_acs()


@pytest.fixture
def sso(idp_a: SamlIdp) -> Sso:
    return Sso(client=Client(HTTP_HOST="testserver"), idp=idp_a)


@pytest.fixture
def school_idp(world, idp_a: SamlIdp) -> AgencyIdentityProvider:
    config = configure(world.school, idp_a, world.school_admin)
    StaffIdentity.objects.create(agency=world.school, membership=world.school_staff, value="SE2120001234-rut")
    idp_a.users.update(
        {
            "rut": User(IDP_PASSWORD, {HSA_ID: ["SE2120001234-rut"], MAIL: ["rut@skolan.example"]}),
            "rut-losenord": User(
                IDP_PASSWORD, {HSA_ID: ["SE2120001234-rut"], MAIL: ["rut@skolan.example"]}, PASSWORD_CLASS
            ),
            "okand": User(IDP_PASSWORD, {HSA_ID: ["SE2120001234-okand"], MAIL: ["rut.staff@test.example"]}),
        }
    )
    return config


@pytest.fixture
def health_idp(world, idp_b: SamlIdp) -> AgencyIdentityProvider:
    config = configure(world.health, idp_b, world.health_admin)
    StaffIdentity.objects.create(agency=world.health, membership=world.health_staff, value="SE2321000032-hanna")
    idp_b.users["hanna"] = User(IDP_PASSWORD, {HSA_ID: ["SE2321000032-hanna"]})
    return config
