"""allauth's socialaccount adapter: each agency's IdP is an app built from the admin's
settings (`list_apps`, allauth's supported hook for apps that live elsewhere than its own
SocialApp table), and a sign-in through it reaches a membership only by the admin's key."""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.http import HttpRequest
from django.shortcuts import render

from access.scoping import system_scope
from agencies.idp import signin
from agencies.idp.models import PROVIDER_PREFIX, AgencyIdentityProvider

SAML = "saml"
OIDC = "openid_connect"


def app_for(config: AgencyIdentityProvider) -> SocialApp:
    """The allauth app of one agency's IdP (unsaved: the settings live in our model)."""
    agency = config.agency
    attribute_mapping: dict[str, list[str]] = {}
    if config.match_attribute and config.match_attribute != "NameID":
        attribute_mapping["uid"] = [config.match_attribute]
    if config.email_attribute:
        attribute_mapping["email"] = [config.email_attribute]
    if config.name_attribute:
        attribute_mapping["first_name"] = [config.name_attribute]
    if config.protocol == AgencyIdentityProvider.Protocol.SAML:
        return SocialApp(
            provider=SAML,
            provider_id=config.provider_id,
            name=agency.name,
            client_id=config.saml_slug,
            settings={
                "attribute_mapping": attribute_mapping,
                "idp": {
                    "entity_id": config.saml_entity_id,
                    "sso_url": config.saml_sso_url,
                    "x509cert": config.saml_x509cert,
                },
                "advanced": {
                    "strict": True,
                    "want_assertion_signed": True,
                    "reject_idp_initiated_sso": True,
                    "allow_single_label_domains": True,
                },
            },
        )
    settings: dict[str, object] = {
        "server_url": config.oidc_issuer,
        "uid_field": config.match_attribute or "sub",
        "oauth_pkce_enabled": True,
        "scope": config.oidc_scopes.split(),
    }
    # Ask for the accepted levels (URIs; short amr words like "mfa" are not acr values):
    # many providers, oidc-provider among them, put `acr` in the ID token only when asked.
    acr = sorted(value for value in config.accepted_mfa() if ":" in value)
    if acr:
        settings["auth_params"] = {"acr_values": " ".join(acr)}
    return SocialApp(
        provider=OIDC,
        provider_id=config.provider_id,
        name=agency.name,
        client_id=config.oidc_client_id,
        secret=config.oidc_client_secret,
        settings=settings,
    )


def agency_apps(*, provider: str | None = None, client_id: str | None = None) -> list[SocialApp]:
    with system_scope():
        configs = list(
            AgencyIdentityProvider.objects.select_related("agency").filter(is_enabled=True, agency__is_active=True)
        )
    apps = []
    for config in configs:
        if not config.is_ready():
            continue
        app = app_for(config)
        if provider and provider not in {app.provider, app.provider_id}:
            continue
        if client_id and client_id != app.client_id:
            continue
        apps.append(app)
    return apps


class AgencySocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request: HttpRequest | None, provider: Any = None, client_id: Any = None) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)  # type: ignore[arg-type]
        return apps + agency_apps(provider=provider, client_id=client_id)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Staff reach the portal only through a membership the admin keyed; nobody signs up.
        if sociallogin.account.provider.startswith(PROVIDER_PREFIX):
            return False
        return super().is_open_for_signup(request, sociallogin)

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider_id = sociallogin.account.provider
        if not provider_id.startswith(PROVIDER_PREFIX):
            return super().pre_social_login(request, sociallogin)
        config = signin.config_for_provider(provider_id)
        try:
            if config is None:
                raise signin.Refused("disabled")
            matched = signin.match(config, uid=sociallogin.account.uid, extra_data=sociallogin.account.extra_data)
        except signin.Refused as refusal:
            raise ImmediateHttpResponse(refused_page(request, refusal.reason, config)) from None
        # Attach the IdP account to the keyed person: an earlier key the admin moved is
        # moved with it, and nothing is looked up by e-mail.
        with system_scope():
            from portal.models import User

            user = User.objects.get(pk=matched.user_id)
            account = SocialAccount.objects.filter(provider=provider_id, uid=sociallogin.account.uid).first()
            if account is None:
                account = sociallogin.account
            account.user = user
            account.extra_data = sociallogin.account.extra_data
            account.save()
        sociallogin.account = account
        sociallogin.user = user
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # An IdP account is never added to whoever happens to be signed in.
            sociallogin.state["process"] = AuthProcess.LOGIN
        signin.remember(request, matched, provider=provider_id, uid=sociallogin.account.uid)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        app = getattr(provider, "app", None)
        if app is not None and (app.provider_id or "").startswith(PROVIDER_PREFIX):
            raise ImmediateHttpResponse(refused_page(request, "invalid", signin.config_for_provider(app.provider_id)))
        return super().on_authentication_error(request, provider, error, exception, extra_context)


def refused_page(request: HttpRequest, reason: str, config: AgencyIdentityProvider | None) -> Any:
    return render(
        request,
        "idp/refused.html",
        {"reason": reason, "agency": config.agency if config else None},
        status=403,
    )
