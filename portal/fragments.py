"""Fragments: a view that renders a part of a page without the page frame (an htmx part)
marks its request with `partial(request)`, so the frame's context (web.context_processors)
does not read the notification bell for it."""

from __future__ import annotations

from django.http import HttpRequest

PARTIAL = "portal_partial"


def partial(request: HttpRequest) -> HttpRequest:
    """Mark a request whose response is a fragment without the page frame (no bell)."""
    setattr(request, PARTIAL, True)
    return request
