"""The people around the child: the family, the coordinator and handover, the team."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access import policy
from cases import selectors, services
from cases.forms import (
    AppointForm,
    ExternalContactForm,
    FamilyMemberForm,
    GuardianForm,
    GuardianshipForm,
    HandoverForm,
    TeamAddForm,
)
from cases.models import ExternalContact, Guardianship, TeamMember
from cases.views._base import case_or_404, done, may_coordinate, post_only, viewer_of

# --------------------------------------------------------------------------------------
# Family
# --------------------------------------------------------------------------------------


def _family_page(request: HttpRequest, case, guardian_form=None, member_form=None, status=200) -> HttpResponse:  # type: ignore[no-untyped-def]
    viewer = viewer_of(request)
    guardianships = selectors.guardianships(case, viewer=viewer)
    if member_form is None:
        member_form = FamilyMemberForm()
    member_form.set_family(guardianships)
    return render(
        request,
        "cases/family.html",
        {
            "case": case,
            "is_coordinator": may_coordinate(viewer, case),
            "family": [
                (
                    g,
                    policy.can_see_contact_details(viewer, g.guardian),
                    GuardianshipForm(
                        prefix=str(g.guardian.uuid),
                        initial={
                            "has_custody": "yes" if g.has_custody else "no",
                            "lives_with_child": g.lives_with_child,
                        },
                    ),
                )
                for g in guardianships
            ],
            "family_members": selectors.family_members(case, viewer=viewer),
            "guardian_form": guardian_form or GuardianForm(),
            "member_form": member_form,
        },
        status=status,
    )


def family(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """The child and the family: guardians (custody, protected identity) and others whose
    own needs matter."""
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if request.method != "POST":
        return _family_page(request, case)
    form = GuardianForm(request.POST)
    if form.is_valid():
        try:
            services.guardian_add(viewer=viewer, case=case, **form.service_kwargs())
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Vårdnadshavaren är tillagd."), "cases:family", case.uuid)
    return _family_page(request, case, guardian_form=form, status=400)


def family_member_add(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = FamilyMemberForm(request.POST)
    form.set_family(selectors.guardianships(case, viewer=viewer))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.family_member_add(
                viewer=viewer,
                case=case,
                relation=data["relation"],
                name=data.get("name", ""),
                guardian_id=int(data["guardian"]) if data.get("guardian") else None,
                lives_with_child=data.get("lives_with_child", False),
                needs=data.get("needs", ""),
                **form.written_by_kwargs(),
            )
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Familjemedlemmen är tillagd."), "cases:family", case.uuid)
    return _family_page(request, case, member_form=form, status=400)


def guardianship_edit(request: HttpRequest, case_uuid: str, guardian_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    try:
        guardianship = Guardianship.objects.select_related("guardian").get(
            child_id=case.child_id, guardian__uuid=guardian_uuid
        )
    except (Guardianship.DoesNotExist, ValueError):
        raise Http404 from None
    if (response := post_only(request)) is not None:
        return response
    form = GuardianshipForm(request.POST, prefix=str(guardianship.guardian.uuid))
    if form.is_valid():
        try:
            services.guardianship_update(
                viewer=viewer,
                case=case,
                guardianship=guardianship,
                has_custody=form.cleaned_data["has_custody"] == "yes",
                lives_with_child=form.cleaned_data["lives_with_child"],
            )
        except services.CaseError as error:
            messages.error(request, str(error))
            return redirect("cases:family", case.uuid)
        return done(request, _("Uppgifterna om vårdnad är ändrade."), "cases:family", case.uuid)
    messages.error(request, _("Välj om personen har vårdnad."))
    return redirect("cases:family", case.uuid)


# --------------------------------------------------------------------------------------
# Coordinator: the child's wish, the appointment, the handover
# --------------------------------------------------------------------------------------


def appoint(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """Ask the child first, then appoint; a deviation from the child's wish needs a reason
    the family can read. A change keeps the whole history."""
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    appointments = selectors.appointments(case, viewer=viewer)
    may = services.may_appoint(viewer, case)
    current = next((a for a in reversed(appointments) if a.ended_at is None), None)
    form = None
    status = 200
    if may and case.is_open:
        candidates = selectors.coordinator_candidates(case)
        form = AppointForm(request.POST or None, candidates=candidates, changing=current is not None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.coordinator_appoint(viewer=viewer, case=case, **form.service_kwargs())
                except services.CaseError as error:
                    form.add_error(None, str(error))
                else:
                    return done(
                        request,
                        _("Samordnaren är utsedd. Registrera överlämningen när familjen har fått veta."),
                        "cases:handover",
                        case.uuid,
                    )
            status = 400
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "cases/appoint.html",
        {"case": case, "form": form, "appointments": appointments, "current": current},
        status=status,
    )


def handover(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    current = services.current_appointment(case)
    if current is None:
        messages.info(request, _("Utse en samordnare först."))
        return redirect("cases:appoint", case.uuid)
    form = HandoverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.handover_record(
                    viewer=viewer,
                    appointment=current,
                    guardians_informed_at=form.cleaned_data["guardians_informed_at"],
                    child_informed_at=form.cleaned_data.get("child_informed_at"),
                    note=form.cleaned_data.get("note", ""),
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Överlämningen är registrerad."), "cases:detail", case.uuid)
        status = 400
    appointments = selectors.appointments(case, viewer=viewer)
    current = next((a for a in appointments if a.pk == current.pk), current)
    return render(request, "cases/handover.html", {"case": case, "form": form, "appointment": current}, status=status)


# --------------------------------------------------------------------------------------
# The team
# --------------------------------------------------------------------------------------


def _team_page(request: HttpRequest, case, add_form=None, external_form=None, status=200) -> HttpResponse:  # type: ignore[no-untyped-def]
    from agencies.models import Agency

    viewer = viewer_of(request)
    members = selectors.team(case, viewer=viewer)
    staff = selectors.agency_staff(m.agency_id for m in members)
    in_team = {m.agency_id for m in members}
    agencies = [a for a in Agency.objects.filter(is_active=True).order_by("name") if a.pk not in in_team]
    is_coordinator = may_coordinate(viewer, case)
    return render(
        request,
        "cases/team.html",
        {
            "case": case,
            "is_coordinator": is_coordinator,
            "members": [
                (m, staff.get(m.agency_id, []), is_coordinator or m.agency_id == viewer.agency_id) for m in members
            ],
            "externals": selectors.external_contacts(case, viewer=viewer),
            "add_form": add_form or TeamAddForm(agencies=agencies),
            "external_form": external_form or ExternalContactForm(),
        },
        status=status,
    )


def team(request: HttpRequest, case_uuid: str) -> HttpResponse:
    from agencies.models import Agency

    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if request.method != "POST":
        return _team_page(request, case)
    form = TeamAddForm(request.POST, agencies=list(Agency.objects.filter(is_active=True)))
    if form.is_valid():
        try:
            services.team_member_add(
                viewer=viewer,
                case=case,
                agency_id=int(form.cleaned_data["agency"]),
                role_description=form.cleaned_data.get("role_description", ""),
            )
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Verksamheten är med i teamet."), "cases:team", case.uuid)
    return _team_page(request, case, add_form=form, status=400)


def _member_or_404(case, member_uuid: str) -> TeamMember:  # type: ignore[no-untyped-def]
    try:
        return TeamMember.objects.get(case=case, uuid=member_uuid)
    except (TeamMember.DoesNotExist, ValueError):
        raise Http404 from None


def team_contact(request: HttpRequest, case_uuid: str, member_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    member = _member_or_404(case, member_uuid)
    if (response := post_only(request)) is not None:
        return response
    raw = request.POST.get("contact", "")
    try:
        services.team_contact_set(
            viewer=viewer, case=case, member=member, contact_membership_id=int(raw) if raw.isdigit() else None
        )
    except services.CaseError as error:
        messages.error(request, str(error))
        return redirect("cases:team", case.uuid)
    return done(request, _("Kontaktpersonen är sparad."), "cases:team", case.uuid)


def team_remove(request: HttpRequest, case_uuid: str, member_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    member = _member_or_404(case, member_uuid)
    if (response := post_only(request)) is not None:
        return response
    try:
        services.team_member_remove(viewer=viewer, case=case, member=member)
    except services.CaseError as error:
        messages.error(request, str(error))
        return redirect("cases:team", case.uuid)
    return done(request, _("Verksamheten har lämnat teamet."), "cases:team", case.uuid)


def external_add(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = ExternalContactForm(request.POST)
    if form.is_valid():
        try:
            services.external_contact_add(viewer=viewer, case=case, **form.cleaned_data)
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Kontakten är tillagd."), "cases:team", case.uuid)
    return _team_page(request, case, external_form=form, status=400)


def external_remove(request: HttpRequest, case_uuid: str, contact_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    try:
        contact = ExternalContact.objects.get(case=case, uuid=contact_uuid)
    except (ExternalContact.DoesNotExist, ValueError):
        raise Http404 from None
    if (response := post_only(request)) is not None:
        return response
    try:
        services.external_contact_remove(viewer=viewer, case=case, contact=contact)
    except services.CaseError as error:
        messages.error(request, str(error))
        return redirect("cases:team", case.uuid)
    return done(request, _("Kontakten är borttagen."), "cases:team", case.uuid)
