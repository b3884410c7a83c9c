"""allauth customisation: no public sign-up, staff keep their second factor."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class PortalSite:
    """What allauth's mails call the site: the portal's name and address, never the host
    the request came in on (allauth falls back to the request's host without
    django.contrib.sites)."""

    def __init__(self) -> None:
        self.name = settings.SITE_NAME
        self.domain = settings.SITE_URL.split("://", 1)[-1].rstrip("/")


class PortalAccountAdapter(DefaultAccountAdapter):
    # The portal's own words for what allauth's forms and views say (its stock Swedish
    # says "Epost-adressen" beside our "E-post"). Keys allauth uses that the portal never
    # reaches (usernames, phone numbers, several addresses) keep allauth's text.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("Kontot går inte att använda just nu."),
        "email_password_mismatch": _("E-postadressen eller lösenordet stämmer inte."),
        "enter_current_password": _("Skriv ditt nuvarande lösenord."),
        "incorrect_code": _("Koden stämmer inte. Kontrollera den och försök igen."),
        "incorrect_password": _("Lösenordet stämmer inte."),
        "invalid_or_expired_key": _("Länken fungerar inte längre. Be om en ny."),
        "invalid_login": _("Inloggningen gick inte. Försök igen."),
        "invalid_password_reset": _("Länken för nytt lösenord fungerar inte längre. Be om en ny."),
        "too_many_login_attempts": _(
            "För många misslyckade inloggningsförsök från den här adressen. Vänta några minuter och försök igen."
        ),
        "unknown_email": _("E-postadressen hör inte till något konto."),
        "rate_limited": _("Du har försökt många gånger på kort tid. Vänta en stund och försök igen."),
        "same_as_current": _("Det nya måste skilja sig från det nuvarande."),
    }

    def format_email_subject(self, subject: str) -> str:
        # The subject names the portal itself; no "[host]" in front.
        return str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = PortalSite()
        context = {"current_site": site, "site_name": site.name, "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    # --- Failed sign-ins: slowed per address, never an account locked by strangers -----
    # ACCOUNT_RATE_LIMITS["login_failed"] has per-address rates ("/ip": all accounts tried
    # from one address) and a per-account rate ("/key"). allauth keys the latter by the
    # account alone, so anyone anywhere could lock its owner out with a few wrong
    # passwords; here it is keyed by account *and* address: the owner elsewhere is not
    # affected, and a sign-in that succeeds clears that address's failures for the account.

    def get_client_ip(self, request: HttpRequest) -> str:
        # The address the access log keeps: X-Forwarded-For only from a trusted proxy, so
        # a client cannot pick a fresh rate-limit bucket per request by sending the header.
        from web.middleware import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's hook for the "/key" of login_failed (also cleared on a password reset).
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{ratelimit.get_ip(request)}"

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            # The per-account rates only: clearing the per-address ones would let someone
            # who knows one password sign in now and then to spray other accounts.
            rates = (account_settings.RATE_LIMITS.get("login_failed") or "").split(",")
            ratelimit.clear(
                request,
                app="allauth.account",
                action="login_failed",
                config={"login_failed": ",".join(r for r in rates if r.strip().endswith("/key"))},
                key=self._get_login_attempts_cache_key(request, **credentials),
            )
        return user

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff join by an agency admin's invitation; families are registered by staff.
        return False

    def login(self, request: HttpRequest, user: object) -> None:
        from agencies.idp import signin
        from portal.viewers import LOGIN_AT, MFA_OK, SEEN_AT

        super().login(request, user)
        for key in (LOGIN_AT, SEEN_AT, MFA_OK):
            request.session.pop(key, None)
        if signin.complete(request, user):
            # The agency's IdP reported a multi-factor authentication its admin accepts.
            request.session[MFA_OK] = True

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        from agencies.idp import views as idp_views

        refusal = idp_views.other_sign_in_refusal(request, user)
        if refusal is not None:
            return refusal
        return super().pre_login(request, user, **kwargs)

    def get_login_stages(self) -> list[str]:
        # The second factor is skipped when the agency's IdP already asked for one.
        stages = super().get_login_stages()
        return [
            "agencies.idp.stages.IdpAwareAuthenticateStage" if s == "allauth.mfa.stages.AuthenticateStage" else s
            for s in stages
        ]


class PortalMFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("Koden stämmer inte. Skriv de sex siffror appen visar nu, eller en reservkod."),
        "cannot_delete_authenticator": _(
            "Personal måste logga in med en kod från en app. Du kan byta app men inte stänga av."
        ),
    }

    def can_delete_authenticator(self, authenticator: object) -> bool:
        # TOTP is required for staff: it can be replaced (reactivated), not removed.
        from access.scoping import system_scope
        from agencies.models import Membership

        user_id = authenticator.user_id  # type: ignore[attr-defined]
        with system_scope():
            return not Membership.objects.filter(user_id=user_id, is_active=True).exists()


def _social_adapter_class() -> type:
    from agencies.idp.adapter import AgencySocialAccountAdapter
    from web.eid_adapter import EidSocialAccountAdapter

    class PortalSocialAccountAdapter(AgencySocialAccountAdapter, EidSocialAccountAdapter):
        """Staff through their agency's IdP (agencies/idp) and families through eID
        (portal/eid): each adapter acts only for its own providers and hands the rest on."""

    return PortalSocialAccountAdapter


PortalSocialAccountAdapter = _social_adapter_class()
