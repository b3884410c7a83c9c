"""DRF authentication and permissions on top of the portal's own viewer resolution.

The middleware has already resolved the viewer (session or API token) and entered its
scope; DRF only reads it. Everything is denied unless a view declares its permissions.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request


class PortalAuthentication(authentication.SessionAuthentication):
    """Session (with CSRF) or the API token the middleware already checked."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        django_request = request._request
        user = getattr(django_request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if getattr(django_request, "api_membership_id", None) is not None:
            return (user, "token")
        self.enforce_csrf(request)
        return (user, None)

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class DenyAll(permissions.BasePermission):
    """The default: a view that declares no permission serves no one."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class IsStaffViewer(permissions.BasePermission):
    """Signed in as agency staff (with a second factor) acting for an agency."""

    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = getattr(request._request, "viewer", None)
        return viewer is not None and viewer.is_staff


class IsFamilyViewer(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = getattr(request._request, "viewer", None)
        return viewer is not None and viewer.is_family


class IsSignedInViewer(permissions.BasePermission):
    """Staff or family; the policy decides what each sees."""

    def has_permission(self, request: Request, view: Any) -> bool:
        viewer = getattr(request._request, "viewer", None)
        return viewer is not None and (viewer.is_staff or viewer.is_family)


def viewer_of(request: Request) -> Any:
    viewer = getattr(request._request, "viewer", None)
    if viewer is None:
        raise exceptions.NotAuthenticated()
    return viewer
