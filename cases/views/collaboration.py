"""The collaboration itself: lists, the caseload, opening, the hub page, closing."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from access import policy
from cases import selectors, selectors_hub, services
from cases.forms import CaseOpenForm, ChildSearchForm, CloseForm, ContactForm, LevelForm
from cases.models import Case
from cases.views._base import case_or_404, done, may_coordinate, post_only, require_staff, viewer_of
from portal.panels import panels


def case_list(request: HttpRequest) -> HttpResponse:
    viewer = require_staff(request)
    show_closed = request.GET.get("avslutade") == "1"
    cases = list(selectors.case_list(viewer=viewer, include_closed=show_closed))
    return render(request, "cases/case_list.html", {"cases": cases, "show_closed": show_closed})


def caseload(request: HttpRequest) -> HttpResponse:
    viewer = require_staff(request)
    sort = request.GET.get("sortera", "kontakt")
    if sort not in selectors.CASELOAD_SORTS:
        sort = "kontakt"
    order = request.GET.get("ordning")
    descending = {"fallande": True, "stigande": False}.get(
        order or "", sort in selectors.CASELOAD_DESCENDING_BY_DEFAULT
    )
    rows = caseload_lines(selectors.caseload(viewer=viewer, sort=sort, descending=descending))
    columns = [
        ("barn", _("Barn")),
        ("mote", _("Nästa möte")),
        ("samtycken", _("Samtycken som väntar")),
        ("forsenade", _("Försenade insatser")),
        ("kontakt", _("Dagar sedan kontakt")),
    ]
    return render(
        request,
        "cases/caseload.html",
        {"rows": rows, "sort": sort, "descending": descending, "columns": columns},
    )


@dataclass(frozen=True)
class CaseloadLine:
    """A caseload row with what its line shows worked out once for the page: the link, the
    phase and level in words, the next meeting's time (the template only lays them out)."""

    row: selectors.CaseloadRow
    url: str
    phase: str
    level: str
    next_meeting: str


_NO_UUID = UUID(int=0)


def caseload_lines(rows: list[selectors.CaseloadRow]) -> list[CaseloadLine]:
    """The rows' words as `get_phase_display`, `{% url 'cases:detail' %}` and
    `|date:"DATETIME_FORMAT"` give them: each choice translated once, one URL reversed."""
    phases = {value: str(label) for value, label in Case._meta.get_field("phase").flatchoices}
    levels = {value: str(label) for value, label in Case._meta.get_field("level").flatchoices}
    url = reverse("cases:detail", args=[_NO_UUID])
    return [
        CaseloadLine(
            row=row,
            url=url.replace(str(_NO_UUID), str(row.case.uuid)),
            phase=phases.get(row.case.phase, row.case.phase),
            level=levels.get(row.case.level, row.case.level),
            next_meeting=formats.date_format(timezone.localtime(row.next_meeting), "DATETIME_FORMAT")
            if row.next_meeting
            else "",
        )
        for row in rows
    ]


def case_open(request: HttpRequest) -> HttpResponse:
    """Open a collaboration: search the child by personal identity number (exact match,
    only among children the viewer may already see), then describe the need."""
    viewer = require_staff(request)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    search = ChildSearchForm(request.POST if step == "search" else None)
    known_child = None
    form = None
    status = 200
    if step == "search":
        if search.is_valid():
            try:
                known_child = services.child_find(viewer=viewer, personal_number=search.cleaned_data["personal_number"])
            except services.CaseError as error:
                search.add_error("personal_number", str(error))
                status = 400
            else:
                number = search.cleaned_data["personal_number"]
                form = CaseOpenForm(known_child=known_child is not None, initial={"personal_number": number})
        else:
            status = 400
    elif step == "open":
        number = request.POST.get("personal_number", "")
        try:
            known_child = services.child_find(viewer=viewer, personal_number=number)
        except services.CaseError:
            known_child = None
        form = CaseOpenForm(request.POST, known_child=known_child is not None)
        search = ChildSearchForm(initial={"personal_number": number})
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    viewer=viewer,
                    personal_number=data["personal_number"],
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    language=data.get("language", ""),
                    interpreter_needed=data.get("interpreter_needed", False),
                    protected_identity=data.get("protected_identity", False),
                    need_description=data["need_description"],
                    level=data["level"],
                    stress_at_start=int(data["stress_at_start"]) if data.get("stress_at_start") else None,
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(
                    request,
                    _("Samverkan är öppnad. Nästa steg: fråga barnet vem hen önskar som samordnare."),
                    "cases:detail",
                    case.uuid,
                )
        status = 400
    return render(
        request,
        "cases/case_open.html",
        {"search": search, "form": form, "known_child": known_child},
        status=status,
    )


def case_detail(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """The hub of the collaboration: team, coordinator, consents, shared items, plan, and
    the panels other apps fill. A fixed number of queries."""
    viewer = require_staff(request)
    # The panels' reads of cases' own tables ride in the case's query (selectors_hub),
    # compiled once per process and kind of viewer; as case_or_404 for the rest.
    try:
        case = selectors_hub.case_hub_get(case_uuid, viewer=viewer)
    except ValueError:
        raise Http404 from None
    if case is None:
        policy.note_denied(viewer, Case, {"uuid": case_uuid})
        raise Http404
    reads = selectors_hub.hub_reads(case, viewer=viewer)
    guardianships = reads.guardianships
    current = reads.appointment
    context = {
        "case": case,
        "is_coordinator": may_coordinate(viewer, case),
        "may_appoint": services.may_appoint(viewer, case),
        "family": [(g, policy.can_see_contact_details(viewer, g.guardian)) for g in guardianships],
        "family_members": reads.family_members,
        "team": reads.team,
        "externals": reads.externals,
        "appointment": current,
        "handover_pending": current is not None and current.handed_over_at is None,
        "shared_items": reads.shared_items,
        "plan_counts": selectors.hub_plan_counts(case),
        **steering_forms(case.level),
        "is_owner_agency": viewer.agency_id == case.owner_agency_id,
        # The consent cards take what was read above: the guardians with custody and the
        # child's maturity level (read with the case).
        **panels(
            "case_detail",
            viewer,
            case=case,
            guardianships=guardianships,
            assessments={case.child_id: case.maturity_level},  # type: ignore[attr-defined]
        ),
    }
    return render(request, "cases/case_detail.html", context)


_STEERING: dict[tuple[str, str], dict[str, str]] = {}


def steering_forms(level: str) -> dict[str, str]:
    """The coordinator's two forms on the page (level, contact) as HTML, rendered once per
    language and level: unbound forms whose HTML depends on nothing else."""
    key = (get_language(), level)
    forms = _STEERING.get(key)
    if forms is None:
        forms = _STEERING[key] = {
            "level_form": LevelForm(initial={"level": level}).render(),
            "contact_form": ContactForm().render(),
        }
    return forms


def case_level(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = LevelForm(request.POST)
    if form.is_valid():
        try:
            services.case_level_set(viewer=viewer, case=case, level=form.cleaned_data["level"])
        except services.CaseError as error:
            from django.contrib import messages

            messages.error(request, str(error))
            return redirect("cases:detail", case.uuid)
        return done(request, _("Samverkansnivån är ändrad."), "cases:detail", case.uuid)
    return redirect("cases:detail", case.uuid)


def case_contact(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = ContactForm(request.POST)
    from django.contrib import messages

    if not form.is_valid():
        messages.error(request, _("Skriv ett datum för kontakten."))
        return redirect("cases:detail", case.uuid)
    try:
        services.case_contact_record(viewer=viewer, case=case, on=form.cleaned_data["on"])
    except services.CaseError as error:
        messages.error(request, str(error))
        return redirect("cases:detail", case.uuid)
    return done(request, _("Kontakten med familjen är antecknad."), "cases:detail", case.uuid)


def case_close(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if not may_coordinate(viewer, case):
        raise Http404
    form = CloseForm(request.POST or None, initial={"stress_at_start": case.stress_at_start or ""})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.case_close(viewer=viewer, case=case, **form.service_kwargs())
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(
                    request,
                    _("Samverkan är avslutad. All delning genom samtycke har upphört."),
                    "cases:detail",
                    case.uuid,
                )
        status = 400
    return render(request, "cases/case_close.html", {"case": case, "form": form}, status=status)
