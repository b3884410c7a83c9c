"""allauth customisation: no public sign-up, staff keep their second factor."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff join by an agency admin's invitation; families are registered by staff.
        return False

    def login(self, request: HttpRequest, user: object) -> None:
        from agencies.idp import signin
        from portal.middleware import LOGIN_AT, MFA_OK, SEEN_AT

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
    def can_delete_authenticator(self, authenticator: object) -> bool:
        # TOTP is required for staff: it can be replaced (reactivated), not removed.
        from access.scoping import system_scope
        from agencies.models import Membership

        user_id = authenticator.user_id  # type: ignore[attr-defined]
        with system_scope():
            return not Membership.objects.filter(user_id=user_id, is_active=True).exists()


def _social_adapter_class() -> type:
    from agencies.idp.adapter import AgencySocialAccountAdapter
    from portal.eid.adapter import EidSocialAccountAdapter

    class PortalSocialAccountAdapter(AgencySocialAccountAdapter, EidSocialAccountAdapter):
        """Staff through their agency's IdP (agencies/idp) and families through eID
        (portal/eid): each adapter acts only for its own providers and hands the rest on."""

    return PortalSocialAccountAdapter


PortalSocialAccountAdapter = _social_adapter_class()
