"""allauth's SAML provider, keeping what the portal needs beyond the attributes: how the
IdP authenticated the person (AuthnContextClassRef) and the assertion's id and expiry, so
a response can be used once only."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.saml.provider import SAMLProvider

AUTHN_CONTEXTS = "portal:authn_contexts"
ASSERTION = "portal:assertion"


class AgencySAMLProvider(SAMLProvider):
    # Its URLs are allauth's SAML URLs (installed as the `saml` provider's package).
    package = "allauth.socialaccount.providers.saml"

    def extract_extra_data(self, data: Any) -> dict:
        extra = dict(super().extract_extra_data(data))
        extra[AUTHN_CONTEXTS] = list(data.get_last_authn_contexts() or [])
        extra[ASSERTION] = {
            "id": data.get_last_assertion_id(),
            "not_on_or_after": data.get_last_assertion_not_on_or_after(),
            "issuer": self.app.settings.get("idp", {}).get("entity_id", ""),
        }
        return extra
