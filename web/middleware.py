"""Request middleware: API tokens, session lifetime, the viewer's scope, the second factor,
and no-store caching of signed-in pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.scoping import ANONYMOUS_VIEWER
from portal import viewers
from portal.viewers import FAMILY_ROLE, LOGIN_AT, MFA_OK, SEEN_AT

GetResponse = Callable[[HttpRequest], HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    from accesslog.client import client_address

    return client_address(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))


class ApiTokenMiddleware:
    """`Authorization: Token svp_…` signs the request in as the token's membership."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_membership_id = None  # type: ignore[attr-defined]
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith(("Token ", "Bearer ")):
            from access.scoping import system_scope
            from portal.models import ApiToken

            raw = header.split(" ", 1)[1].strip()
            with system_scope():
                token = (
                    ApiToken.objects.select_related("membership__user")
                    .filter(key_hash=ApiToken.lookup_hash(raw), revoked_at__isnull=True, membership__is_active=True)
                    .first()
                )
            if token is None or not token.membership.user.is_active:
                return JsonResponse({"detail": _("Ogiltig API-nyckel.")}, status=401)
            request.user = token.membership.user
            request.api_membership_id = token.membership_id  # type: ignore[attr-defined]
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
            if token.last_used_at is None or timezone.now() - token.last_used_at > timedelta(minutes=5):
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Staff sessions end after 15 idle minutes and 12 hours in all; families after 30 idle."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(request, "api_membership_id", None) is None:
            now = timezone.now().timestamp()
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            is_family = session.get(viewers.ACTING_AS_SESSION_KEY) == viewers.FAMILY_MODE or session.get(FAMILY_ROLE)
            idle = settings.FAMILY_IDLE_TIMEOUT if is_family else settings.STAFF_IDLE_TIMEOUT
            if now - seen_at > idle.total_seconds() or now - login_at > settings.STAFF_ABSOLUTE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(request, _("Du har loggats ut eftersom du varit inaktiv en stund. Logga in igen."))
                return HttpResponseRedirect(reverse("account_login"))
            if now - seen_at > 30 or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)


class ViewerScopeMiddleware:
    """Resolve the viewer and run the whole request inside its scope and access log."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        request.request_id = request_id[:64]  # type: ignore[attr-defined]
        membership_id = getattr(request, "api_membership_id", None)
        session = request.session if membership_id is None else None
        resolution = viewers.resolve(request.user, session, membership_id=membership_id)
        if resolution.lost_membership:
            # The membership this session acted for was deactivated: end the session now.
            logout(request)
            return HttpResponseRedirect(reverse("account_login"))
        if session is not None:
            if resolution.viewer.is_family and not session.get(FAMILY_ROLE):
                session[FAMILY_ROLE] = resolution.viewer.role
            if resolution.viewer.is_staff and session.get(viewers.ACTING_AS_SESSION_KEY) is None:
                # Pin the membership, so its deactivation ends this session on the next request.
                session[viewers.ACTING_AS_SESSION_KEY] = resolution.viewer.membership_id
        request.viewer = resolution.viewer  # type: ignore[attr-defined]
        request.memberships = resolution.memberships  # type: ignore[attr-defined]
        with policy.reading(resolution.viewer, request_id=request.request_id, ip=client_ip(request)):  # type: ignore[attr-defined]
            response = self.get_response(request)
            if hasattr(response, "render") and callable(response.render) and not getattr(response, "is_rendered", True):
                response = response.render()
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


# Paths a staff user without a second factor may still reach (to enrol, or to leave).
MFA_EXEMPT_PREFIXES = (
    "/konto/2fa/",
    "/konto/logout/",
    "/konto/reauthenticate/",
    "/static/",
    "/i18n/",
    "/tillganglighet/",
    "/halsa/",
)


class RequireSecondFactorMiddleware:
    """Staff reach nothing but enrolment until TOTP is set up (allauth has no such setting)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        viewer = getattr(request, "viewer", ANONYMOUS_VIEWER)
        needs_check = (viewer.is_staff or (request.user.is_authenticated and request.user.is_superuser)) and getattr(
            request, "api_membership_id", None
        ) is None
        if needs_check and not request.session.get(MFA_OK):
            from allauth.mfa.utils import is_mfa_enabled

            if is_mfa_enabled(request.user):
                request.session[MFA_OK] = True
            elif not request.path.startswith(MFA_EXEMPT_PREFIXES):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Tvåfaktorsinloggning krävs.")}, status=403)
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for signed-in users may hold child data: never store them in any cache."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
