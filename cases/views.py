"""Pages of the collaboration."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases import selectors
from cases.models import Case
from consent import policy


def case_list(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.is_staff:
        from django.http import Http404

        raise Http404
    cases = list(selectors.case_list())
    return render(request, "cases/case_list.html", {"cases": cases})


def case_detail(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = policy.get_or_404(Case, request.viewer, uuid=case_uuid)  # type: ignore[attr-defined]
    return render(request, "cases/case_detail.html", {"case": case})
