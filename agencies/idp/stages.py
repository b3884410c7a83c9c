"""allauth's second-factor step, skipped when the agency's IdP reported a multi-factor
authentication the admin accepts (SAML AuthnContextClassRef, OIDC acr/amr)."""

from __future__ import annotations

from allauth.mfa.stages import AuthenticateStage
from django.http import HttpRequest

from agencies.idp import signin


class IdpAwareAuthenticateStage(AuthenticateStage):
    def _should_handle(self, request: HttpRequest) -> bool:
        pending = signin.pending_for(request, self.login.user)
        if pending is not None and pending["mfa"]:
            return False
        return super()._should_handle(request)
