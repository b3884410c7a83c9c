"""Items an agency shares with the team, and the concern-report page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from access import policy
from cases import services
from cases.forms import ConcernForm, SharedItemForm
from cases.models import Case, ConcernReport, SharedItem
from cases.views._base import case_or_404, done, require_staff, viewer_of
from consent.models import InformationCategory
from portal.texts import editable_text


def shared_item_create(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """An agency shares information with the team, authored by the viewer's agency, in
    one information category. Who else sees it is for consent to decide."""
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if not case.is_open:
        raise Http404
    categories = list(InformationCategory.objects.filter(is_active=True))
    form = SharedItemForm(request.POST or None, categories=categories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.shared_item_create(
                    viewer=viewer,
                    case=case,
                    category_id=int(form.cleaned_data["category"]),
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(
                    request, _("Uppgiften är delad med teamet."), "cases:shared_item_detail", case.uuid, item.uuid
                )
        status = 400
    return render(request, "cases/shared_item_form.html", {"case": case, "form": form}, status=status)


def shared_item_detail(request: HttpRequest, case_uuid: str, item_uuid: str) -> HttpResponse:
    """One shared item, while the policy allows it (author agency, or an effective consent
    for the viewer's agency and the item's category). Otherwise 404."""
    viewer = require_staff(request)
    item = policy.get_or_404(SharedItem, viewer, uuid=item_uuid, case__uuid=case_uuid)
    # The collaboration itself may be outside what consent gives this agency: show its
    # name only if the case passes the policy too (a related object is not policy-checked).
    case = Case.objects.select_related("child").filter(pk=item.case_id).first()
    return render(
        request,
        "cases/shared_item_detail.html",
        {
            "item": item,
            "case": case,
            "category": InformationCategory.objects.filter(pk=item.category_id).first(),
            "author_agency_name": _agency_name(item.author_agency_id),
        },
    )


def _agency_name(agency_id: int) -> str:
    from agencies.models import Agency

    return Agency.objects.filter(pk=agency_id).values_list("name", flat=True).first() or ""


def concern(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """The duty to report concern and the local routine (editable text), and a record that
    a report was made — by whom, when, to which municipality — never its content. It asks
    for no consent and gives no one access."""
    from agencies.models import Agency, Principal

    viewer = require_staff(request)
    case = case_or_404(request, case_uuid)
    principal_id = Agency.objects.filter(pk=viewer.agency_id or 0).values_list("principal_id", flat=True).first()
    municipalities = list(Principal.objects.filter(kind=Principal.Kind.MUNICIPALITY).order_by("name"))
    form = ConcernForm(request.POST or None, municipalities=municipalities)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.concern_report_record(
                    viewer=viewer,
                    case=case,
                    reported_on=form.cleaned_data["reported_on"],
                    municipality_id=int(form.cleaned_data["municipality"]),
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Det är antecknat att du har gjort en orosanmälan."), "cases:concern", case.uuid)
        status = 400
    records = list(ConcernReport.objects.filter(case=case).select_related("created_by", "municipality"))
    return render(
        request,
        "cases/concern.html",
        {
            "case": case,
            "text": editable_text("concern-report-duty", principal_id=principal_id),
            "form": form,
            "records": records,
        },
        status=status,
    )
