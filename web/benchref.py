"""The benchmark's reference page (issue 15, item 5): what a plain signed-in Django page
costs on this stack, so every page of the portal can be reported as a ratio to it.

Twenty collaborations of the signed-in staff member's agency with one join (the child),
rendered in the portal's own layout — and without the consent layer or the access log,
which is exactly why it is served only when `PORTAL_BENCH_PAGES` is on (`make bench`
turns it on for its own server) and answers 404 everywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def plain_page(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    if not settings.PORTAL_BENCH_PAGES or not viewer.is_staff:
        raise Http404
    from cases.models import Case

    # The plain Django way on purpose: a tenant filter and one join, no policy.
    cases = list(
        Case._base_manager.filter(owner_agency_id=viewer.agency_id)
        .select_related("child")
        .only("uuid", "opened_at", "status", "child__first_name", "child__last_name")
        .order_by("-opened_at")[:20]
    )
    return render(request, "portal/bench_plain.html", {"cases": cases})
