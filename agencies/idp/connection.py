"""Reading an IdP's published configuration: SAML metadata (pasted or fetched) and the
OpenID Connect discovery document. Used when the admin saves and by "Testa anslutningen"."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from django.utils.translation import gettext as _
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

TIMEOUT_SECONDS = 10
MAX_BYTES = 1_000_000


class ConnectionProblem(Exception):
    """The IdP's configuration could not be read; the message is shown to the admin."""


@dataclass
class SamlIdp:
    entity_id: str
    sso_url: str
    x509cert: str


@dataclass
class Result:
    ok: bool
    message: str
    details: list[str] = field(default_factory=list)


def fetch_text(url: str) -> str:
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/xml, application/json"})
    except requests.RequestException as error:
        raise ConnectionProblem(_("Kunde inte nå %(url)s: %(error)s") % {"url": url, "error": error}) from None
    if response.status_code != 200:
        raise ConnectionProblem(
            _("%(url)s svarade med status %(status)s.") % {"url": url, "status": response.status_code}
        )
    if len(response.content) > MAX_BYTES:
        raise ConnectionProblem(_("Svaret från %(url)s är för stort.") % {"url": url})
    return response.text


def parse_saml_metadata(xml: str, entity_id: str = "") -> SamlIdp:
    """The IdP's entity id, HTTP-Redirect sign-in address and signing certificate."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id or None)
    except Exception as error:  # lxml, defusedxml and the parser raise many kinds
        raise ConnectionProblem(
            _("Metadatan går inte att läsa som SAML-metadata: %(error)s") % {"error": error}
        ) from None
    idp = parsed.get("idp") or {}
    cert = idp.get("x509cert") or ((idp.get("x509certMulti") or {}).get("signing") or [""])[0]
    found_entity = idp.get("entityId", "")
    sso_url = (idp.get("singleSignOnService") or {}).get("url", "")
    if not found_entity:
        if entity_id:
            raise ConnectionProblem(_("Metadatan beskriver ingen IdP med entity id %(id)s.") % {"id": entity_id})
        raise ConnectionProblem(_("Metadatan beskriver ingen IdP (IDPSSODescriptor saknas)."))
    if not sso_url:
        raise ConnectionProblem(_("Metadatan saknar en inloggningsadress (SingleSignOnService, HTTP-Redirect)."))
    if not cert:
        raise ConnectionProblem(_("Metadatan saknar IdP:ns signeringscertifikat."))
    return SamlIdp(entity_id=found_entity, sso_url=sso_url, x509cert=cert)


def saml_metadata(*, url: str, xml: str, entity_id: str) -> tuple[SamlIdp, str]:
    """Parse the pasted XML, or fetch it from `url` first. Returns the IdP and the XML read."""
    if url:
        xml = fetch_text(url)
    if not xml.strip():
        raise ConnectionProblem(_("Ange IdP:ns metadata-adress eller klistra in dess metadata."))
    return parse_saml_metadata(xml, entity_id), xml


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def oidc_discovery(issuer: str) -> dict:
    """The discovery document, checked as the sign-in will use it."""
    text = fetch_text(discovery_url(issuer))
    try:
        import json

        document = json.loads(text)
    except ValueError:
        raise ConnectionProblem(_("Discovery-dokumentet är inte JSON.")) from None
    if not isinstance(document, dict):
        raise ConnectionProblem(_("Discovery-dokumentet är inte ett JSON-objekt."))
    missing = [
        key for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(key)
    ]
    if missing:
        raise ConnectionProblem(_("Discovery-dokumentet saknar %(keys)s.") % {"keys": ", ".join(missing)})
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise ConnectionProblem(
            _("Issuer i discovery-dokumentet (%(found)s) är inte den angivna (%(given)s).")
            % {"found": document["issuer"], "given": issuer}
        )
    return document
