"""allauth customisation: no public sign-up, staff keep their second factor."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff join by an agency admin's invitation; families are registered by staff.
        return False

    def login(self, request: HttpRequest, user: object) -> None:
        from portal.middleware import LOGIN_AT, MFA_OK, SEEN_AT

        super().login(request, user)
        for key in (LOGIN_AT, SEEN_AT, MFA_OK):
            request.session.pop(key, None)


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: object) -> bool:
        # TOTP is required for staff: it can be replaced (reactivated), not removed.
        from agencies.models import Membership
        from consent.scoping import system_scope

        user_id = authenticator.user_id  # type: ignore[attr-defined]
        with system_scope():
            return not Membership.objects.filter(user_id=user_id, is_active=True).exists()
