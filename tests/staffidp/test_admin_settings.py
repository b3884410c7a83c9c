"""The agency admin's page: SAML or OIDC settings, 'Testa anslutningen', staff identities."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from access.scoping import system_scope
from agencies.idp.models import AgencyIdentityProvider, StaffIdentity
from portal.models import AuditEvent
from tests.staffidp.saml_idp import HSA_ID
from tests.world import mark_reauthenticated

pytestmark = pytest.mark.django_db


def _admin_client(world):
    client = world.client_for(world.school_admin)
    client.defaults["HTTP_HOST"] = "testserver"
    session = client.session
    session["portal_mfa_ok"] = True
    session.save()
    mark_reauthenticated(client, world.school_admin.user)
    return client


def _saml_form(idp, **overrides):
    data = {
        "protocol": "saml",
        "is_enabled": "on",
        "email_domains": "skolan.example, testskolan.se",
        "saml_metadata_url": f"{idp.base_url}/metadata",
        "saml_metadata_xml": "",
        "saml_entity_id": "",
        "oidc_issuer": "",
        "oidc_client_id": "",
        "oidc_client_secret": "",
        "oidc_scopes": "openid profile email",
        "match_attribute": HSA_ID,
        "email_attribute": "",
        "name_attribute": "",
        "mfa_values": "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
    }
    data.update(overrides)
    return data


def test_admin_saves_saml_settings_from_the_idps_metadata_url(world, idp_a):
    client = _admin_client(world)
    saved = client.post("/verksamhet/inloggning/spara/", _saml_form(idp_a))
    assert saved.status_code == 302
    with system_scope():
        config = AgencyIdentityProvider.objects.get(agency=world.school)
    assert config.saml_entity_id == idp_a.entity_id
    assert config.saml_sso_url == idp_a.sso_url
    assert config.saml_x509cert and config.last_test_ok
    assert AuditEvent.objects.filter(action="idp.configured").exists()
    page = client.get("/verksamhet/inloggning/")
    body = page.content.decode()
    # What the admin gives their IdP: the portal's SP metadata and ACS for this agency.
    assert f"http://testserver/konto/saml/{world.school.uuid.hex}/acs/" in body
    assert f"http://testserver/konto/saml/{world.school.uuid.hex}/metadata/" in body
    # The agency is now offered on the sign-in chooser, and found by its e-mail domain.
    chooser = client.get("/konto/organisation/").content.decode()
    assert world.school.name in chooser
    anonymous = type(client)(HTTP_HOST="testserver")
    started = anonymous.post("/konto/organisation/", {"email": "rut@testskolan.se"})
    assert started.status_code == 302 and started["Location"].startswith(idp_a.sso_url)


def test_pasted_metadata_works_without_a_url(world, idp_a):
    client = _admin_client(world)
    form = _saml_form(idp_a, saml_metadata_url="", saml_metadata_xml=idp_a.metadata_xml())
    assert client.post("/verksamhet/inloggning/spara/", form).status_code == 302
    with system_scope():
        assert AgencyIdentityProvider.objects.get(agency=world.school).saml_sso_url == idp_a.sso_url


def test_test_button_reports_a_clear_failure_and_the_idp_is_not_offered(world, idp_a):
    client = _admin_client(world)
    client.post("/verksamhet/inloggning/spara/", _saml_form(idp_a))
    with system_scope():
        config = AgencyIdentityProvider.objects.get(agency=world.school)
    config.saml_metadata_url = f"{idp_a.base_url}/finns-inte"
    config.save()
    page = client.post("/verksamhet/inloggning/testa/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Testet misslyckades." in body and "svarade med status 404" in body
    config.refresh_from_db()
    assert config.last_test_ok is False and not config.is_ready()
    chooser = type(client)(HTTP_HOST="testserver").get("/konto/organisation/").content.decode()
    assert str(world.school.uuid) not in chooser


def test_test_button_reports_success(world, idp_a):
    client = _admin_client(world)
    client.post("/verksamhet/inloggning/spara/", _saml_form(idp_a))
    body = client.post("/verksamhet/inloggning/testa/").content.decode()
    assert "Testet lyckades." in body and idp_a.entity_id in body


def test_garbage_metadata_is_explained(world, idp_a):
    client = _admin_client(world)
    client.post("/verksamhet/inloggning/spara/", _saml_form(idp_a, saml_metadata_url="", saml_metadata_xml="<inte/>"))
    with system_scope():
        config = AgencyIdentityProvider.objects.get(agency=world.school)
    assert config.last_test_ok is False
    assert "IDPSSODescriptor" in config.last_test_message


class _Discovery(BaseHTTPRequestHandler):
    issuer = ""

    def do_GET(self):
        if self.path != "/.well-known/openid-configuration":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "acr_values_supported": ["http://id.elegnamnden.se/loa/1.0/loa3"],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def discovery():
    server = HTTPServer(("127.0.0.1", 0), _Discovery)
    _Discovery.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Discovery.issuer
    server.shutdown()
    server.server_close()


def test_oidc_settings_and_the_discovery_document(world, discovery, idp_a):
    client = _admin_client(world)
    form = _saml_form(
        idp_a,
        protocol="oidc",
        saml_metadata_url="",
        oidc_issuer=discovery,
        oidc_client_id="samverkan",
        oidc_client_secret="hemligt",
        match_attribute="hsa_id",
        mfa_values="http://id.elegnamnden.se/loa/1.0/loa3",
    )
    assert client.post("/verksamhet/inloggning/spara/", form).status_code == 302
    with system_scope():
        config = AgencyIdentityProvider.objects.get(agency=world.school)
    assert config.last_test_ok and config.oidc_client_secret == "hemligt"
    # The secret is never shown again, and an empty field keeps it.
    page = client.get("/verksamhet/inloggning/").content.decode()
    assert "hemligt" not in page
    client.post("/verksamhet/inloggning/spara/", form | {"oidc_client_secret": ""})
    config.refresh_from_db()
    assert config.oidc_client_secret == "hemligt"
    body = client.post("/verksamhet/inloggning/testa/").content.decode()
    assert "Testet lyckades." in body and "loa3" in body
    # The chooser sends the person to the issuer's authorization endpoint (PKCE, state).
    started = type(client)(HTTP_HOST="testserver").post("/konto/organisation/", {"agency": str(world.school.uuid)})
    assert started.status_code == 302
    location = started["Location"]
    assert location.startswith(f"{discovery}/auth?") and "client_id=samverkan" in location
    assert "code_challenge=" in location and "state=" in location


def test_oidc_issuer_mismatch_is_reported(world, discovery, idp_a):
    client = _admin_client(world)
    form = _saml_form(
        idp_a, protocol="oidc", saml_metadata_url="", oidc_issuer=discovery + "/annan", oidc_client_id="x"
    )
    client.post("/verksamhet/inloggning/spara/", form)
    with system_scope():
        config = AgencyIdentityProvider.objects.get(agency=world.school)
    assert config.last_test_ok is False


def test_admin_keys_a_staff_member_to_their_idp_identity(world):
    client = _admin_client(world)
    done = client.post(
        "/verksamhet/inloggning/identitet/", {"membership": str(world.school_staff.uuid), "value": "SE-rut"}
    )
    assert done.status_code == 302
    with system_scope():
        assert StaffIdentity.objects.get(membership=world.school_staff).value == "SE-rut"
    # The same identity cannot be keyed to two people of the agency.
    client.post("/verksamhet/inloggning/identitet/", {"membership": str(world.school_admin.uuid), "value": "SE-rut"})
    with system_scope():
        assert not StaffIdentity.objects.filter(membership=world.school_admin).exists()
    # Another agency's staff cannot be keyed from here.
    client.post("/verksamhet/inloggning/identitet/", {"membership": str(world.health_staff.uuid), "value": "SE-x"})
    with system_scope():
        assert not StaffIdentity.objects.filter(membership=world.health_staff).exists()


def test_only_the_agency_admin_reaches_the_settings(world):
    staff = world.client_for(world.school_staff)
    session = staff.session
    session["portal_mfa_ok"] = True
    session.save()
    assert staff.get("/verksamhet/inloggning/").status_code == 404
    mark_reauthenticated(staff, world.school_staff.user)
    assert (
        staff.post(
            "/verksamhet/inloggning/identitet/", {"membership": str(world.school_staff.uuid), "value": "x"}
        ).status_code
        == 404
    )
    with system_scope():
        assert not StaffIdentity.objects.exists()


def test_the_chooser_answer_does_not_tell_whether_an_address_is_known(world, idp_a):
    client = _admin_client(world)
    client.post("/verksamhet/inloggning/spara/", _saml_form(idp_a, email_domains="skolan.example"))
    anonymous = type(client)(HTTP_HOST="testserver")
    known = anonymous.post("/konto/organisation/", {"email": world.school_staff.user.email})
    unknown = anonymous.post("/konto/organisation/", {"email": "ingen.alls@test.example"})
    assert known.status_code == unknown.status_code == 400
    strip = lambda body: re.sub(r"[A-Za-z0-9]{64}", "", body.decode())  # noqa: E731 (the CSRF tokens differ)
    assert strip(known.content) == strip(unknown.content)


def test_another_agencys_membership_is_answered_like_a_made_up_one(world):
    import uuid

    client = _admin_client(world)
    foreign = client.post(
        "/verksamhet/inloggning/identitet/", {"membership": str(world.health_staff.uuid), "value": "x"}, follow=True
    )
    made_up = client.post(
        "/verksamhet/inloggning/identitet/", {"membership": str(uuid.uuid4()), "value": "x"}, follow=True
    )
    assert "Personen finns inte i verksamheten." in foreign.content.decode()
    assert "Personen finns inte i verksamheten." in made_up.content.decode()
