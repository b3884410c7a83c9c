"""What every collaboration page does first: find the case through the policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect

from access import policy
from access.scoping import Viewer
from cases import selectors
from cases.models import Case


def viewer_of(request: HttpRequest) -> Viewer:
    return request.viewer  # type: ignore[attr-defined,no-any-return]


def require_staff(request: HttpRequest) -> Viewer:
    viewer = viewer_of(request)
    if not viewer.is_staff:
        raise Http404
    return viewer


def case_or_404(
    request: HttpRequest, case_uuid: Any, *, staff_only: bool = True, queryset: QuerySet[Case] | None = None
) -> Case:
    """The collaboration, if the viewer may see it (missing and forbidden: both 404).

    The scoped manager asks `access.policy` — the lookup by uuid is not an access
    decision, it only picks the row among those the policy allows. `queryset`: a scoped
    queryset of cases reading more with the case (default `selectors.case_get_queryset`).
    """
    viewer = viewer_of(request)
    if staff_only and not viewer.is_staff:
        raise Http404
    if not (viewer.is_staff or viewer.is_family):
        raise Http404
    try:
        if queryset is None:
            queryset = selectors.case_get_queryset(viewer=viewer)
        return queryset.get(uuid=case_uuid)
    except Case.DoesNotExist:
        policy.note_denied(viewer, Case, {"uuid": case_uuid})
        raise Http404 from None
    except (ValueError, ValidationError):
        raise Http404 from None


def post_only(request: HttpRequest) -> HttpResponse | None:
    """After the access check (so a stranger sees the same 404 for every method)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def done(request: HttpRequest, message: str, to: str, *args: Any) -> HttpResponse:
    messages.success(request, message)
    return redirect(to, *args)


def may_coordinate(viewer: Viewer, case: Case) -> bool:
    return policy.is_coordinator_of(viewer, case)
