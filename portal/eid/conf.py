"""The eID settings, read at call time (tests point them at the local test provider).

A municipality fills in PORTAL_EID_ISSUER (its eID broker's OpenID Connect issuer),
PORTAL_EID_CLIENT_ID, PORTAL_EID_CLIENT_SECRET and PORTAL_EID_ACR; see README.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

PROVIDER_ID = "eid"
SCOPE_PNR = "https://id.oidc.se/scope/naturalPersonNumber"
CLAIM_PNR = "https://id.oidc.se/claim/personalIdentityNumber"
# Addresses of eID accounts: reserved by RFC 2606, so they can never reach anyone.
INVALID_DOMAIN = "eid.invalid"


@dataclass(frozen=True)
class EidConfig:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    acr: tuple[str, ...]
    fresh_seconds: int


def config() -> EidConfig | None:
    """The configured eID provider, or None where families sign in by e-mail code only."""
    if not getattr(settings, "PORTAL_EID_ENABLED", False):
        return None
    return EidConfig(
        issuer=settings.PORTAL_EID_ISSUER.rstrip("/"),
        client_id=settings.PORTAL_EID_CLIENT_ID,
        client_secret=settings.PORTAL_EID_CLIENT_SECRET,
        name=settings.PORTAL_EID_NAME,
        acr=tuple(settings.PORTAL_EID_ACR),
        fresh_seconds=settings.PORTAL_EID_FRESH_SECONDS,
    )


def level_label(acr: str) -> str:
    """'http://id.elegnamnden.se/loa/1.0/loa3' -> '3'; any other URI as it is."""
    tail = acr.rstrip("/").rsplit("/", 1)[-1]
    return tail[3:] if tail.startswith("loa") and tail[3:].isdigit() else acr
