"""The page for a person whom eID identified but whom no collaboration names yet (the
families' eID sign-in, web.eid_adapter)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def nothing(request: HttpRequest) -> HttpResponse:
    """Signed in with eID, but no collaboration names this person (yet)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "eid/nothing.html")
