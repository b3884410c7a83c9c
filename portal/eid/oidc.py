"""A small OpenID Connect relying party for the step-up before a consent decision.

Sign-in goes through allauth's `openid_connect` provider; the step-up cannot, since it
must not log anyone in or out, must force a fresh authentication (`prompt=login`,
`max_age=0`) and must keep the ID token's hash as evidence. Every check is made here,
whatever the channel: signature against the issuer's published keys, issuer, audience,
expiry, nonce, `auth_time` fresh and not before the request, `acr` at an accepted level.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.core.cache import cache

from portal.eid.conf import CLAIM_PNR, SCOPE_PNR, EidConfig

TIMEOUT = 5
# Clock skew allowed between us and the provider.
LEEWAY = 10
ALGORITHMS = ["RS256", "PS256", "ES256"]


class EidError(Exception):
    """The authentication cannot be accepted (the message is for the log, not the user)."""


@dataclass(frozen=True)
class Evidence:
    issuer: str
    acr: str
    auth_time: int
    personal_number: str
    token_sha256: str
    claims: dict[str, Any]


def discovery(config: EidConfig) -> dict[str, Any]:
    key = f"eid:discovery:{config.issuer}"
    found = cache.get(key)
    if found is None:
        response = requests.get(f"{config.issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
        found = response.json()
        if found.get("issuer", "").rstrip("/") != config.issuer:
            raise EidError("discovery document names another issuer")
        cache.set(key, found, 300)
    return found


def new_request() -> dict[str, str]:
    """state, nonce and a PKCE verifier for one authorisation request."""
    return {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(48),
    }


def authorization_url(config: EidConfig, pending: dict[str, str], redirect_uri: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(pending["verifier"].encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": f"openid {SCOPE_PNR}",
        "state": pending["state"],
        "nonce": pending["nonce"],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        # A fresh authentication, whatever session the person has at the provider.
        "prompt": "login",
        "max_age": "0",
        "acr_values": " ".join(config.acr),
    }
    return f"{discovery(config)['authorization_endpoint']}?{urlencode(params)}"


def exchange(config: EidConfig, *, code: str, verifier: str, redirect_uri: str) -> str:
    """The raw ID token for an authorisation code (client_secret_post, PKCE)."""
    response = requests.post(
        discovery(config)["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": config.client_id,
            "client_secret": config.client_secret,
        },
        timeout=TIMEOUT,
    )
    if response.status_code != 200:
        raise EidError(f"token endpoint refused the code ({response.status_code})")
    token = response.json().get("id_token")
    if not isinstance(token, str):
        raise EidError("no id_token in the token response")
    return token


def _signing_key(config: EidConfig, token: str) -> Any:
    client = jwt.PyJWKClient(discovery(config)["jwks_uri"], cache_keys=True, timeout=TIMEOUT)
    try:
        return client.get_signing_key_from_jwt(token).key
    except jwt.PyJWTError as error:
        raise EidError(f"no key of the issuer signed the token: {error}") from error


def verify(config: EidConfig, token: str, *, nonce: str, not_before: float, now: float | None = None) -> Evidence:
    """Check the ID token of a step-up and return its evidence, or raise EidError.

    `not_before` is when we sent the person to the provider: the authentication must have
    happened after it (less clock skew) and within `config.fresh_seconds` of now.
    """
    now = time.time() if now is None else now
    try:
        claims = jwt.decode(
            token,
            key=_signing_key(config, token),
            algorithms=ALGORITHMS,
            audience=config.client_id,
            issuer=config.issuer,
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "exp", "iat", "sub", "auth_time", "nonce"]},
        )
    except jwt.PyJWTError as error:
        raise EidError(f"id_token rejected: {error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise EidError("id_token for several audiences without us as azp")
    if not secrets.compare_digest(str(claims["nonce"]), nonce):
        raise EidError("nonce does not match the request")
    auth_time = int(claims["auth_time"])
    if auth_time < not_before - LEEWAY or auth_time < now - config.fresh_seconds - LEEWAY:
        raise EidError("authentication is not fresh")
    if auth_time > now + LEEWAY:
        raise EidError("authentication in the future")
    acr = str(claims.get("acr", ""))
    if acr not in config.acr:
        raise EidError(f"acr {acr!r} is not an accepted level")
    number = claims.get(CLAIM_PNR)
    if not isinstance(number, str) or not number:
        raise EidError("no personal identity number in the token")
    return Evidence(
        issuer=str(claims["iss"]),
        acr=acr,
        auth_time=auth_time,
        personal_number=number,
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        claims=claims,
    )
