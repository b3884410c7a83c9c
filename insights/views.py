"""Pages of the improvement work: recording a gap (coordinators), the gap report and the
follow-up statistics (municipal management, aggregates only), and their CSV exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from insights import charts, export, followup, selectors, services
from insights.forms import GapForm, ReportFilterForm, parse_year


def _viewer(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.viewer  # type: ignore[attr-defined]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    principals = list(selectors.management_principals(viewer=viewer))
    can_record = selectors.can_record_gaps(viewer)
    if not principals and not can_record:
        raise Http404
    return render(request, "insights/index.html", {"principals": principals, "can_record": can_record})


# --------------------------------------------------------------------------------------
# Coordinators: record a gap
# --------------------------------------------------------------------------------------


@login_required
def gap_create(request: HttpRequest) -> HttpResponse:
    """The gap form. Reached from the collaboration page, but carries nothing about it:
    the record gets the coordinator's agency and principal only."""
    viewer = _viewer(request)
    if not selectors.can_record_gaps(viewer):
        raise Http404
    form = GapForm(request.POST or None)
    findings = []
    if request.method == "POST" and form.is_valid():
        year, month = form.cleaned_data["period"]
        try:
            services.gap_record(
                viewer=viewer,
                category=form.cleaned_data["category"],
                service_area=form.cleaned_data["service_area"],
                description=form.cleaned_data["description"],
                year=year,
                month=month,
                agencies_concerned=form.cleaned_data["agencies_concerned"],
                other_actor=form.cleaned_data["other_actor"],
                confirmed_no_personal_data=form.cleaned_data["confirm"],
            )
        except services.PersonalDataWarning as warning:
            findings = warning.findings
        except services.GapError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "Tack! Bristen är registrerad. Den syns bara som antal i kommunens rapport, "
                    "utan koppling till familjen."
                ),
            )
            return redirect("insights:gap_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "insights/gap_form.html", {"form": form, "findings": findings}, status=status)


@login_required
def gap_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if not selectors.can_record_gaps(viewer):
        raise Http404
    gaps = list(selectors.gap_list(viewer=viewer)[:200])
    return render(request, "insights/gap_list.html", {"gaps": gaps})


# --------------------------------------------------------------------------------------
# Management: the reports
# --------------------------------------------------------------------------------------


def _selection(request: HttpRequest):  # type: ignore[no-untyped-def]
    viewer = _viewer(request)
    principals = list(selectors.management_principals(viewer=viewer))
    principal = selectors.principal_for_report(
        viewer=viewer, principal_uuid=request.GET.get("huvudman"), principals=principals
    )
    year = parse_year(request.GET.get("ar"))
    form = ReportFilterForm(initial={"huvudman": str(principal.uuid), "ar": year}, principals=principals)
    return principal, year, form


@login_required
def gap_report(request: HttpRequest) -> HttpResponse:
    principal, year, form = _selection(request)
    report = selectors.gap_report(viewer=_viewer(request), principal=principal, year=year)
    chart = charts.bar_chart(
        _("Registrerade brister per kvartal"),
        _("Stapeldiagram över antal registrerade brister per kvartal för %(principal)s, %(first)s–%(last)s.")
        % {"principal": principal.name, "first": year - 1, "last": year},
        [q.label for q, _fig in report.trend],
        [(_("Brister"), [fig for _q, fig in report.trend])],
    )
    return render(
        request,
        "insights/gap_report.html",
        {"report": report, "principal": principal, "year": year, "form": form, "chart": chart},
    )


@login_required
def gap_report_csv(request: HttpRequest) -> HttpResponse:
    principal, year, _form = _selection(request)
    report = selectors.gap_report(viewer=_viewer(request), principal=principal, year=year)
    return _csv(export.gaps_csv(principal, report.year), f"brister-{principal.code or 'huvudman'}-{year}.csv")


@login_required
def followup_report(request: HttpRequest) -> HttpResponse:
    principal, year, form = _selection(request)
    report = followup.followup_report(viewer=_viewer(request), principal=principal, year=year)
    started_part = report.started.partitions[0]
    closed_part = report.closed.partitions[0]
    chart = charts.bar_chart(
        _("Startade och avslutade samverkningar per kvartal"),
        _("Stapeldiagram: startade och avslutade samverkningar per kvartal %(year)s.") % {"year": year},
        [label for _k, label, _fig in started_part.groups],
        [
            (_("Startade"), [fig for _k, _l, fig in started_part.groups]),
            (_("Avslutade"), [fig for _k, _l, fig in closed_part.groups]),
        ],
    )
    return render(
        request,
        "insights/followup_report.html",
        {"report": report, "principal": principal, "year": year, "form": form, "chart": chart},
    )


@login_required
def followup_csv(request: HttpRequest) -> HttpResponse:
    principal, year, _form = _selection(request)
    report = followup.followup_report(viewer=_viewer(request), principal=principal, year=year)
    return _csv(export.followup_csv(report), f"uppfoljning-{principal.code or 'huvudman'}-{year}.csv")


def _csv(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
