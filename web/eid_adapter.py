"""allauth socialaccount adapter for families signing in with Swedish eID.

The person is the personal identity number the provider asserts
(`https://id.oidc.se/claim/personalIdentityNumber`) and nothing else: never an e-mail
address. The eID account is the portal account already holding guardian or child records
with that number, or a new account whose address is a reserved, undeliverable
`<hash>@eid.invalid`; the records with the number and no account yet are linked to it
(`cases.services.family_records_link`). A number that matches nobody still signs in, to
a page saying there is nothing here yet: the account gives access to nothing.

Other providers (staff sign-in) pass through to allauth's defaults.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

from portal.eid.conf import CLAIM_PNR, INVALID_DOMAIN, PROVIDER_ID, SCOPE_PNR, config

log = logging.getLogger(__name__)


def is_eid(sociallogin: Any) -> bool:
    return getattr(sociallogin.account, "provider", None) == PROVIDER_ID


def claims_of(sociallogin: Any) -> dict[str, Any]:
    data = sociallogin.account.extra_data or {}
    return dict(data.get("id_token") or {}) | dict(data.get("userinfo") or {})


def invalid_address(personal_number: str) -> str:
    """A stable, undeliverable address for the eID account of this number (keyed hash:
    the number cannot be read back from it)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"eid:{personal_number}".encode(), hashlib.sha256)
    return f"{digest.hexdigest()[:32]}@{INVALID_DOMAIN}"


def _reserved(number: str) -> Any:
    from allauth.account.models import EmailAddress

    return EmailAddress(email=invalid_address(number), verified=True, primary=True)


def _normalised(raw: Any) -> str | None:
    from cases import personnummer

    try:
        return personnummer.normalize(str(raw or ""))
    except personnummer.PersonnummerError:
        return None


def record_user_ids(number: str) -> list[int]:
    """Accounts already holding a guardian or child record with this number."""
    from access.scoping import system_scope
    from cases.models import Child, Guardian

    with system_scope():
        ids = set(Guardian.objects.filter(personal_number=number, user__isnull=False).values_list("user_id", flat=True))
        ids |= set(Child.objects.filter(personal_number=number, user__isnull=False).values_list("user_id", flat=True))
    return sorted(ids)


def has_records(number: str) -> bool:
    from access.scoping import system_scope
    from cases.models import Child, Guardian

    with system_scope():
        return (
            Guardian.objects.filter(personal_number=number).exists()
            or Child.objects.filter(personal_number=number).exists()
        )


def _is_staff_account(user: Any) -> bool:
    from access.scoping import system_scope
    from agencies.models import Membership

    if user.is_staff or user.is_superuser:
        return True
    with system_scope():
        return Membership.objects.filter(user_id=user.pk).exists()


def _refuse(request: HttpRequest, reason: str) -> ImmediateHttpResponse:
    log.warning("eid sign-in refused: %s", reason)
    return ImmediateHttpResponse(render(request, "eid/refused.html", status=403))


class EidSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request: HttpRequest | None, provider: Any = None, client_id: Any = None) -> list[Any]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        eid = config()
        if eid is None or provider not in (None, "openid_connect", PROVIDER_ID):
            return apps
        if client_id not in (None, eid.client_id):
            return apps
        from allauth.socialaccount.models import SocialApp

        app = SocialApp(
            provider="openid_connect",
            provider_id=PROVIDER_ID,
            name=eid.name,
            client_id=eid.client_id,
            secret=eid.client_secret,
            settings={
                "server_url": eid.issuer,
                "uid_field": CLAIM_PNR,
                "scope": ["openid", SCOPE_PNR],
                "auth_params": {"acr_values": " ".join(eid.acr)},
                "oauth_pkce_enabled": True,
                "token_auth_method": "client_secret_post",
                "fetch_userinfo": False,
            },
        )
        return [*apps, app]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        if is_eid(sociallogin):
            return True
        return super().is_open_for_signup(request, sociallogin)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: Any) -> bool:
        if is_eid(sociallogin):
            return True
        return super().is_auto_signup_allowed(request, sociallogin)

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        if not is_eid(sociallogin):
            return super().pre_social_login(request, sociallogin)
        eid = config()
        if eid is None:
            raise _refuse(request, "eID is not configured")
        if sociallogin.state.get("process") not in (None, "login"):
            # Connecting an eID to whichever account is signed in would link a person's
            # number to someone else's account: the records decide, nothing else.
            raise _refuse(request, f"process {sociallogin.state.get('process')!r}")
        claims = claims_of(sociallogin)
        if str(claims.get("iss", "")).rstrip("/") != eid.issuer:
            raise _refuse(request, "issuer")
        acr = str(claims.get("acr", ""))
        if acr not in eid.acr:
            raise _refuse(request, f"acr {acr!r} too low")
        number = _normalised(claims.get(CLAIM_PNR))
        if number is None:
            raise _refuse(request, "no valid personal identity number")
        sociallogin.state["eid_number"] = number
        # Whatever address the provider asserts is not ours to use: no link, no mail. The
        # account's address is the reserved, undeliverable one.
        sociallogin.email_addresses = [_reserved(number)]
        if not sociallogin.is_existing:
            # Link to the account that already holds this person's records: identified
            # by the number the provider asserted, never by an address.
            holders = record_user_ids(number)
            if holders:
                from portal.models import User

                holder = User.objects.get(pk=holders[0])
                if _is_staff_account(holder):
                    raise _refuse(request, "the records' account is a staff account")
                sociallogin.connect(request, holder)
        if sociallogin.is_existing and _is_staff_account(sociallogin.user):
            # A family sign-in never opens a staff account (staff sign in with their
            # organisation's identity provider or password and TOTP).
            raise _refuse(request, "the account is a staff account")
        if sociallogin.is_existing:
            self._link_records(sociallogin.user.pk, number)
        if not has_records(number):
            sociallogin.state["next"] = reverse("eid:nothing")
        return None

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        if not is_eid(sociallogin):
            return super().populate_user(request, sociallogin, data)
        user = sociallogin.user
        number = _normalised(claims_of(sociallogin).get(CLAIM_PNR)) or ""
        user.email = invalid_address(number)
        given, family = data.get("first_name") or "", data.get("last_name") or ""
        user.full_name = (data.get("name") or f"{given} {family}").strip()
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        if not is_eid(sociallogin):
            return super().save_user(request, sociallogin, form)
        number = sociallogin.state.get("eid_number") or _normalised(claims_of(sociallogin).get(CLAIM_PNR)) or ""
        sociallogin.email_addresses = [_reserved(number)]
        sociallogin.user.email = invalid_address(number)
        sociallogin.user.set_unusable_password()
        user = super().save_user(request, sociallogin, form)
        if user.email != invalid_address(number):
            user.email = invalid_address(number)
            user.save(update_fields=["email"])
        if number:
            self._link_records(user.pk, number)
        return user

    @staticmethod
    def _link_records(user_id: int, number: str) -> None:
        from cases.services.family import family_records_link

        family_records_link(user_id=user_id, personal_number=number)
