"""The family brings two collaborations for the same child together (DESIGN rule 17)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access import policy
from cases import services
from cases.models import Case, CaseJoin
from cases.services import joining
from cases.views._base import viewer_of


def _case(viewer, value: str) -> Case:  # type: ignore[no-untyped-def]
    case = policy.visible_to(Case, viewer).filter(uuid=value).first() if _is_uuid(value) else None
    if case is None:
        raise Http404
    return case


def _is_uuid(value: str) -> bool:
    from uuid import UUID

    try:
        UUID(str(value))
    except (TypeError, ValueError):
        return False
    return True


def join(request: HttpRequest) -> HttpResponse:
    """A guardian's page: collaborations that could be brought together, and open requests."""
    viewer = viewer_of(request)
    if not (viewer.is_family and viewer.role == "guardian"):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "request":
                pair = request.POST.getlist("pair")[:2]
                keep_value = request.POST.get("keep", "")
                if len(pair) != 2 or keep_value not in pair:
                    raise Http404
                other = pair[1] if keep_value == pair[0] else pair[0]
                services.case_join_request(viewer=viewer, keep=_case(viewer, keep_value), absorb=_case(viewer, other))
                messages.success(request, _("Tack. Nu behöver alla vårdnadshavare svara ja."))
            elif action in {"agree", "withdraw"}:
                value = request.POST.get("join", "")
                found = policy.visible_to(CaseJoin, viewer).filter(uuid=value).first() if _is_uuid(value) else None
                if found is None:
                    raise Http404
                if action == "agree":
                    services.case_join_agree(viewer=viewer, join=found)
                    messages.success(request, _("Tack för ditt svar."))
                else:
                    services.case_join_withdraw(viewer=viewer, join=found)
                    messages.success(request, _("Samarbetena förs inte samman."))
            else:
                raise Http404
        except services.CaseError as error:
            messages.error(request, str(error))
        return redirect("cases:join")
    asked = list(
        policy.visible_to(CaseJoin, viewer)
        .filter(status=CaseJoin.Status.ASKED)
        .select_related("keep__child", "keep__owner_agency", "absorb__owner_agency")
        .prefetch_related("agreements")
    )
    open_requests = []
    for item in asked:
        agreed = {a.user_id for a in item.agreements.all()}
        required = joining.required_user_ids(item)
        open_requests.append(
            {
                "join": item,
                "i_agreed": viewer.user_id in agreed,
                "waiting": len(required - agreed),
            }
        )
    busy = {item.keep_id for item in asked} | {item.absorb_id for item in asked}
    groups = [group for group in services.join_candidates(viewer=viewer) if not busy.intersection(c.pk for c in group)]
    return render(request, "cases/join.html", {"groups": groups, "open_requests": open_requests})
