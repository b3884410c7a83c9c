"""What an IdP sign-in decides: which membership it is, whether the IdP's authentication
counts as the second factor, and whether a password or e-mail code sign-in is refused."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from access.scoping import system_scope
from agencies.idp.models import PROVIDER_PREFIX, AgencyIdentityProvider, StaffIdentity, UsedAssertion
from agencies.idp.saml_provider import ASSERTION, AUTHN_CONTEXTS

# Set by a matched IdP sign-in, read once when allauth completes that same login.
PENDING_KEY = "portal_idp_login"
PENDING_SECONDS = 600


class Refused(Exception):
    """The IdP sign-in is refused; `reason` picks the page's text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Match:
    config: AgencyIdentityProvider
    membership_id: int
    user_id: int
    mfa: bool


def config_for_provider(provider_id: str) -> AgencyIdentityProvider | None:
    if not provider_id.startswith(PROVIDER_PREFIX):
        return None
    with system_scope():
        return (
            AgencyIdentityProvider.objects.select_related("agency")
            .filter(agency__is_active=True, agency__uuid=_uuid_from_hex(provider_id[len(PROVIDER_PREFIX) :]))
            .first()
        )


def _uuid_from_hex(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(hex=value))
    except ValueError:
        return "00000000-0000-0000-0000-000000000000"


def reported_mfa(config: AgencyIdentityProvider, extra_data: dict[str, Any]) -> list[str]:
    """What the IdP said about how the person authenticated."""
    if config.protocol == AgencyIdentityProvider.Protocol.SAML:
        return [str(v) for v in extra_data.get(AUTHN_CONTEXTS) or []]
    claims = extra_data.get("id_token") or {}
    values = []
    if claims.get("acr"):
        values.append(str(claims["acr"]))
    amr = claims.get("amr") or []
    values.extend(str(v) for v in (amr if isinstance(amr, list) else [amr]))
    return values


def match(config: AgencyIdentityProvider, *, uid: str, extra_data: dict[str, Any]) -> Match:
    """The membership the admin keyed to this identity, or `Refused`. Never creates one."""
    if not config.is_enabled or not config.is_ready():
        raise Refused("disabled")
    with system_scope():
        identity = (
            StaffIdentity.objects.select_related("membership__user")
            .filter(
                agency_id=config.agency_id,
                value=uid,
                membership__is_active=True,
                membership__agency_id=config.agency_id,
                membership__user__is_active=True,
            )
            .first()
        )
    if identity is None:
        raise Refused("no_membership")
    if config.protocol == AgencyIdentityProvider.Protocol.SAML:
        _use_assertion_once(extra_data.get(ASSERTION) or {})
    accepted = config.accepted_mfa()
    mfa = bool(accepted) and any(value in accepted for value in reported_mfa(config, extra_data))
    return Match(config=config, membership_id=identity.membership_id, user_id=identity.membership.user_id, mfa=mfa)


def _use_assertion_once(assertion: dict[str, Any]) -> None:
    assertion_id = assertion.get("id")
    if not assertion_id:
        raise Refused("replayed")
    expiry = assertion.get("not_on_or_after")
    expires_at = datetime.fromtimestamp(int(expiry), tz=UTC) if expiry else timezone.now() + timedelta(hours=1)
    UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                issuer=assertion.get("issuer", "")[:500], assertion_id=str(assertion_id)[:200], expires_at=expires_at
            )
    except IntegrityError:
        raise Refused("replayed") from None


def remember(request: HttpRequest, matched: Match, *, provider: str, uid: str) -> None:
    request.session[PENDING_KEY] = {
        "user": matched.user_id,
        "membership": matched.membership_id,
        "agency": matched.config.agency_id,
        "mfa": matched.mfa,
        "provider": provider,
        "uid": uid,
        "at": time.time(),
    }


def pending_for(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    """The IdP sign-in being completed for `user` right now, if that is what this login is.

    allauth records every authentication in the session; the pending IdP match counts
    only when the latest record is that very IdP account (not a password typed later in
    the same browser)."""
    pending = request.session.get(PENDING_KEY)
    if not pending or user is None or pending.get("user") != user.pk:
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    from allauth.account.internal.flows.login import get_authentication_records

    # The TOTP step, when asked, records itself after the IdP: look past it.
    records = [r for r in get_authentication_records(request, user) if r.get("method") != "mfa"]
    if not records:
        return None
    last = records[-1]
    if last.get("method") != "socialaccount" or last.get("provider") != pending["provider"]:
        return None
    if last.get("uid") != pending["uid"]:
        return None
    return pending


def complete(request: HttpRequest, user: Any) -> bool:
    """Called as the login completes: pin the matched membership; True when the IdP's
    authentication counts as the second factor."""
    pending = pending_for(request, user)
    request.session.pop(PENDING_KEY, None)
    if pending is None:
        return False
    from portal.viewers import ACTING_AS_SESSION_KEY

    request.session[ACTING_AS_SESSION_KEY] = pending["membership"]
    return bool(pending["mfa"])


def agencies_requiring_idp(user: Any) -> list[Any]:
    """The agencies of the user's active memberships that refuse other sign-in."""
    from agencies.models import Agency

    with system_scope():
        return list(
            Agency.objects.filter(
                memberships__user_id=user.pk,
                memberships__is_active=True,
                is_active=True,
                identity_provider__required=True,
                identity_provider__is_enabled=True,
            ).distinct()
        )
