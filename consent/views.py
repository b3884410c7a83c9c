"""Consent pages for the family and for staff."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from consent.models import Consent


def family_overview(request: HttpRequest) -> HttpResponse:
    if not request.viewer.is_family:  # type: ignore[attr-defined]
        raise Http404
    consents = list(
        Consent.objects.select_related("case__child").prefetch_related("scopes__agency", "scopes__category")
    )
    return render(request, "consent/family_overview.html", {"consents": consents})


def family_detail(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    from consent import policy

    if not request.viewer.is_family:  # type: ignore[attr-defined]
        raise Http404
    consent = policy.get_or_404(Consent, request.viewer, uuid=consent_uuid)  # type: ignore[attr-defined]
    return render(request, "consent/family_overview.html", {"consents": [consent]})


def staff_detail(request: HttpRequest, consent_uuid: str) -> HttpResponse:
    from consent import policy

    if not request.viewer.is_staff:  # type: ignore[attr-defined]
        raise Http404
    consent = policy.get_or_404(Consent, request.viewer, uuid=consent_uuid)  # type: ignore[attr-defined]
    return render(request, "consent/family_overview.html", {"consents": [consent]})
