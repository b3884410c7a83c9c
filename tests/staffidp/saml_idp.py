"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (signing with Debian's
xmlsec1) behind a tiny WSGI app with a login form, on a loopback port.

Keys and certificates are generated when it starts; nothing is downloaded. A test
registers the SP metadata the portal publishes (`trust_sp`), and can make the next
response wrong on purpose (`next_response`) to check that the portal refuses it.
"""

from __future__ import annotations

import base64
import html
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

HSA_ID = "http://sambi.se/attributes/1/employeeHsaId"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
SMARTCARD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


def make_key_and_cert(common_name: str, directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{common_name}.key", directory / f"{common_name}.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass
class User:
    password: str
    attributes: dict[str, list[str]]
    authn_class: str = SMARTCARD_CLASS


@dataclass
class Tampering:
    """How to spoil the next response (each is one negative test)."""

    audience: str | None = None  # another SP's entity id as the audience
    expired: bool = False  # an assertion whose lifetime ended ten minutes ago
    replace_in_signed_xml: tuple[str, str] | None = None  # edit the XML after signing
    authn_class: str | None = None
    sp_name_qualifier: str | None = None  # a NameID qualified for another SP


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class SamlIdp:
    name: str
    users: dict[str, User] = field(default_factory=dict)
    sp_metadata: list[str] = field(default_factory=list)
    next_response: Tampering | None = None
    issued: list[str] = field(default_factory=list)  # base64 SAMLResponses, newest last

    def start(self) -> SamlIdp:
        self._dir = Path(tempfile.mkdtemp(prefix=f"idp-{self.name}-"))
        self.key_file, self.cert_file = make_key_and_cert(self.name, self._dir)
        self._server = make_server("127.0.0.1", 0, self._app, server_class=WSGIServer, handler_class=_Quiet)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.entity_id = f"{self.base_url}/idp"
        self.sso_url = f"{self.base_url}/sso"
        self._pending: dict[str, Any] = {}
        self._build()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _config(self) -> dict[str, Any]:
        xmlsec = shutil.which("xmlsec1")
        assert xmlsec, "xmlsec1 is needed (Debian package xmlsec1; bin/test installs it)"
        return {
            "entityid": self.entity_id,
            "xmlsec_binary": xmlsec,
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "metadata": {"inline": list(self.sp_metadata)},
            "service": {
                "idp": {
                    "name": f"Test IdP {self.name}",
                    "endpoints": {
                        "single_sign_on_service": [
                            (self.sso_url, BINDING_HTTP_REDIRECT),
                            (self.sso_url, BINDING_HTTP_POST),
                        ]
                    },
                    "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                }
            },
        }

    def _build(self) -> None:
        config = IdPConfig()
        config.load(self._config())
        self.server = Server(config=config)
        self.config = config

    def metadata_xml(self) -> str:
        return create_metadata_string(None, config=self.config, valid=None).decode()

    def trust_sp(self, metadata_xml: str) -> None:
        self.sp_metadata.append(metadata_xml)
        self._build()

    # --- the WSGI app -----------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if method == "GET" and path == "/metadata":
            return self._reply(start_response, "200 OK", self.metadata_xml(), "application/samlmetadata+xml")
        if path == "/sso" and method == "GET":
            params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            return self._login_form(start_response, params, BINDING_HTTP_REDIRECT)
        if path == "/sso" and method == "POST":
            params = self._form(environ)
            return self._login_form(start_response, params, BINDING_HTTP_POST)
        if path == "/login" and method == "POST":
            return self._login(start_response, self._form(environ))
        return self._reply(start_response, "404 Not Found", "not found", "text/plain")

    @staticmethod
    def _form(environ: dict[str, Any]) -> dict[str, str]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode()
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    @staticmethod
    def _reply(
        start_response: Any, status: str, body: str, content_type: str = "text/html; charset=utf-8"
    ) -> list[bytes]:
        data = body.encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]

    def _login_form(self, start_response: Any, params: dict[str, str], binding: str) -> list[bytes]:
        request = self.server.parse_authn_request(params["SAMLRequest"], binding)
        key = secrets.token_urlsafe(16)
        self._pending[key] = (request.message, params.get("RelayState", ""))
        title = html.escape(self.name)
        page = f"""<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Test-IdP {title}</title></head>
<body><main><h1>Logga in hos {html.escape(self.name)}</h1>
<form method="post" action="/login"><input type="hidden" name="key" value="{key}">
<p><label for="username">Användarnamn</label> <input id="username" name="username"></p>
<p><label for="password">Lösenord</label> <input id="password" name="password" type="password"></p>
<p><button type="submit">Logga in</button></p></form></main></body></html>"""
        return self._reply(start_response, "200 OK", page)

    def _login(self, start_response: Any, form: dict[str, str]) -> list[bytes]:
        pending = self._pending.pop(form.get("key", ""), None)
        user = self.users.get(form.get("username", ""))
        if (
            pending is None
            or user is None
            or not secrets.compare_digest(user.password.encode(), form.get("password", "").encode())
        ):
            return self._reply(start_response, "401 Unauthorized", "<p>Fel användarnamn eller lösenord.</p>")
        message, relay_state = pending
        response_b64, destination = self.authn_response(message, form["username"], user)
        page = f"""<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Skickar dig tillbaka</title></head>
<body onload="document.forms[0].submit()"><main><form method="post" action="{html.escape(destination)}">
<input type="hidden" name="SAMLResponse" value="{response_b64}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<noscript><button type="submit">Fortsätt</button></noscript></form></main></body></html>"""
        return self._reply(start_response, "200 OK", page)

    def authn_response(self, message: Any, username: str, user: User) -> tuple[str, str]:
        """A signed Response with a signed Assertion for `message` (an AuthnRequest)."""
        tampering, self.next_response = self.next_response or Tampering(), None
        args = self.server.response_args(message, [BINDING_HTTP_POST])
        destination = args["destination"]
        sp_entity_id = args["sp_entity_id"]
        extra: dict[str, Any] = {}
        if tampering.expired:
            extra["release_policy"] = Policy(
                {"default": {"lifetime": {"minutes": -10}, "name_form": NAME_FORMAT_URI}}, mds=self.server.metadata
            )
        response = self.server.create_authn_response(
            identity=user.attributes,
            in_response_to=args["in_response_to"],
            destination=destination,
            sp_entity_id=tampering.audience or sp_entity_id,
            name_id=self.server.ident.transient_nameid(
                username, sp_name_qualifier=tampering.sp_name_qualifier or sp_entity_id
            ),
            authn={"class_ref": tampering.authn_class or user.authn_class, "authn_auth": self.entity_id},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **extra,
        )
        xml = str(response)
        if tampering.replace_in_signed_xml:
            old, new = tampering.replace_in_signed_xml
            assert old in xml
            xml = xml.replace(old, new)
        encoded = base64.b64encode(xml.encode()).decode()
        self.issued.append(encoded)
        return encoded, destination
