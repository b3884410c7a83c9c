"""The mapping and the joint plan: the staff pages and the family's read-only plan."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.forms import (
    ActionForm,
    ActionStatusForm,
    GoalForm,
    GoalUpdateForm,
    MappingEntryForm,
    PhaseForm,
    PlanForm,
)
from cases.models import Case, LifeArea, MappingEntry, PlanAction, PlanGoal
from cases.views._base import case_or_404, done, may_coordinate, post_only, viewer_of
from portal.panels import panels

# --------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------


def mapping(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """Current and desired state per life area, in the family's words (seed 004)."""
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    guardianships = selectors.guardianships(case, viewer=viewer)
    categories = selectors.active_categories()
    form = MappingEntryForm(request.POST or None)
    form.set_family(guardianships)
    form.set_categories(categories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.mapping_entry_create(
                    viewer=viewer,
                    case=case,
                    area=data["area"],
                    current_state=data["current_state"],
                    desired_state=data.get("desired_state", ""),
                    is_priority=data.get("is_priority", False),
                    category=data.get("category", ""),
                    **form.written_by_kwargs(),
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Området är tillagt i kartläggningen."), "cases:mapping", case.uuid)
        status = 400
    entries = selectors.mapping_entries(case, viewer=viewer)
    by_area: dict[str, list[MappingEntry]] = {}
    for entry in entries:
        by_area.setdefault(entry.area, []).append(entry)
    areas = [(value, label, by_area.get(value, [])) for value, label in LifeArea.choices]
    return render(
        request,
        "cases/mapping.html",
        {
            "case": case,
            "is_coordinator": may_coordinate(viewer, case),
            "areas": areas,
            "priorities": [e for e in entries if e.is_priority],
            "has_entries": bool(entries),
            "category_defaults": selectors.mapping_category_defaults(),
            "form": form,
            "goal_form": GoalForm(),
        },
        status=status,
    )


def mapping_edit(request: HttpRequest, case_uuid: str, entry_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    try:
        entry = MappingEntry.objects.select_related("category").get(case=case, uuid=entry_uuid)
    except (MappingEntry.DoesNotExist, ValueError):
        raise Http404 from None
    form = MappingEntryForm(
        request.POST or None,
        initial={
            "area": entry.area,
            "current_state": entry.current_state,
            "desired_state": entry.desired_state,
            "is_priority": entry.is_priority,
            "category": entry.category.code,
        },
    )
    del form.fields["written_by"]
    form.set_categories(selectors.active_categories())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.mapping_entry_update(
                    viewer=viewer,
                    entry=entry,
                    area=data["area"],
                    current_state=data["current_state"],
                    desired_state=data.get("desired_state", ""),
                    is_priority=data.get("is_priority", False),
                    category=data.get("category", ""),
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Kartläggningen är ändrad."), "cases:mapping", case.uuid)
        status = 400
    return render(
        request,
        "cases/mapping_edit.html",
        {"case": case, "entry": entry, "form": form, "category_defaults": selectors.mapping_category_defaults()},
        status=status,
    )


# --------------------------------------------------------------------------------------
# The plan (staff)
# --------------------------------------------------------------------------------------


def _plan_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    from agencies.models import Principal

    viewer = viewer_of(request)
    overview = selectors.plan_overview(case, viewer=viewer)
    is_coordinator = may_coordinate(viewer, case)
    context: dict[str, Any] = {
        "case": case,
        "overview": overview,
        "is_coordinator": is_coordinator,
        "actions": [
            (
                action,
                overview.goal_of.get(action.goal_id) if action.goal_id else None,
                services.may_set_action_status(viewer, case, action) and case.is_open,
            )
            for action in overview.actions
        ],
        "status_choices": PlanAction.Status.choices,
        "today": timezone.localdate(),
        **panels("plan", viewer, case=case),
    }
    if is_coordinator and case.is_open:
        guardianships = selectors.guardianships(case, viewer=viewer)
        members = selectors.team(case, viewer=viewer)
        externals = selectors.external_contacts(case, viewer=viewer)
        plan = overview.plan
        plan_form = forms.get("plan_form") or PlanForm(
            principals=list(Principal.objects.order_by("name")),
            initial={
                "support_needed": plan.support_needed if plan else "",
                "others_do": plan.others_do if plan else "",
                "overall_principal": str(plan.overall_principal_id or "") if plan else "",
                "coordinator_will": plan.coordinator_will if plan else "",
                "coordinator_will_not": plan.coordinator_will_not if plan else "",
            },
        )
        goal_form = forms.get("goal_form") or GoalForm()
        goal_form.set_family(guardianships)
        action_form = forms.get("action_form") or ActionForm(
            agencies=[m.agency for m in members], externals=externals, goals=overview.goals
        )
        action_form.set_family(guardianships)
        context.update(
            plan_form=plan_form,
            goal_form=goal_form,
            action_form=action_form,
            phase_form=PhaseForm(initial={"phase": case.phase}),
        )
    return context


def plan(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """The joint plan: SIP elements, goals, actions by principal, and what the coordinator
    will and will not do. The coordinator edits; others read what consent allows."""
    from agencies.models import Principal

    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if request.method != "POST":
        return render(request, "cases/plan.html", _plan_context(request, case))
    form = PlanForm(request.POST, principals=list(Principal.objects.order_by("name")))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(
                viewer=viewer,
                case=case,
                support_needed=data.get("support_needed", ""),
                others_do=data.get("others_do", ""),
                overall_principal_id=int(data["overall_principal"]) if data.get("overall_principal") else None,
                coordinator_will=data.get("coordinator_will", ""),
                coordinator_will_not=data.get("coordinator_will_not", ""),
            )
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Planen är sparad."), "cases:plan", case.uuid)
    return render(request, "cases/plan.html", _plan_context(request, case, plan_form=form), status=400)


def plan_phase(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            services.plan_phase_set(viewer=viewer, case=case, phase=form.cleaned_data["phase"])
        except services.CaseError as error:
            messages.error(request, str(error))
            return redirect("cases:plan", case.uuid)
        return done(request, _("Fasen är ändrad."), "cases:plan", case.uuid)
    messages.error(request, _("Välj en fas."))
    return redirect("cases:plan", case.uuid)


def goal_add(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = GoalForm(request.POST)
    form.set_family(selectors.guardianships(case, viewer=viewer))
    source = None
    if request.POST.get("from_mapping"):
        try:
            source = MappingEntry.objects.get(case=case, uuid=request.POST["from_mapping"])
        except (MappingEntry.DoesNotExist, ValueError, ValidationError):  # missing, or not a uuid
            raise Http404 from None
    if form.is_valid():
        try:
            services.goal_create(
                viewer=viewer,
                case=case,
                text=form.cleaned_data["text"],
                area=form.cleaned_data.get("area", ""),
                from_mapping=source,
                **form.written_by_kwargs(),
            )
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Målet är tillagt i planen."), "cases:plan", case.uuid)
    return render(request, "cases/plan.html", _plan_context(request, case, goal_form=form), status=400)


def goal_edit(request: HttpRequest, case_uuid: str, goal_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    try:
        goal = PlanGoal.objects.get(case=case, uuid=goal_uuid)
    except (PlanGoal.DoesNotExist, ValueError):
        raise Http404 from None
    form = GoalUpdateForm(request.POST or None, initial={"text": goal.text, "area": goal.area, "status": goal.status})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.goal_update(viewer=viewer, goal=goal, **form.cleaned_data)
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Målet är ändrat."), "cases:plan", case.uuid)
        status = 400
    return render(request, "cases/goal_edit.html", {"case": case, "goal": goal, "form": form}, status=status)


def _action_form(request: HttpRequest, case: Case, data: Any = None, initial: Any = None) -> ActionForm:
    viewer = viewer_of(request)
    members = selectors.team(case, viewer=viewer)
    overview_goals = list(PlanGoal.objects.filter(case=case))
    form = ActionForm(
        data,
        initial=initial,
        agencies=[m.agency for m in members],
        externals=selectors.external_contacts(case, viewer=viewer),
        goals=overview_goals,
    )
    form.set_family(selectors.guardianships(case, viewer=viewer))
    return form


def action_add(request: HttpRequest, case_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = _action_form(request, case, request.POST)
    if form.is_valid():
        try:
            services.plan_action_create(viewer=viewer, case=case, **form.service_kwargs(), **form.written_by_kwargs())
        except services.CaseError as error:
            form.add_error(None, str(error))
        else:
            return done(request, _("Insatsen är tillagd i planen."), "cases:plan", case.uuid)
    return render(request, "cases/plan.html", _plan_context(request, case, action_form=form), status=400)


def _action_or_404(case: Case, action_uuid: str) -> PlanAction:
    try:
        return PlanAction.objects.get(case=case, uuid=action_uuid)
    except (PlanAction.DoesNotExist, ValueError):
        raise Http404 from None


def action_edit(request: HttpRequest, case_uuid: str, action_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    action = _action_or_404(case, action_uuid)
    if action.responsible_agency_id:
        responsible = f"a:{action.responsible_agency_id}"
    elif action.responsible_external_id:
        responsible = f"e:{action.responsible_external_id}"
    else:
        responsible = ""
    form = _action_form(
        request,
        case,
        request.POST or None,
        initial={
            "description": action.description,
            "responsible": responsible,
            "responsible_person": action.responsible_person,
            "due_date": action.due_date,
            "goal": str(action.goal_id or ""),
        },
    )
    del form.fields["written_by"]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.plan_action_update(viewer=viewer, action=action, **form.service_kwargs())
            except services.CaseError as error:
                form.add_error(None, str(error))
            else:
                return done(request, _("Insatsen är ändrad."), "cases:plan", case.uuid)
        status = 400
    return render(
        request,
        "cases/action_edit.html",
        {"case": case, "action": action, "form": form, "is_coordinator": may_coordinate(viewer, case)},
        status=status,
    )


def action_status(request: HttpRequest, case_uuid: str, action_uuid: str) -> HttpResponse:
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid)
    action = _action_or_404(case, action_uuid)
    if (response := post_only(request)) is not None:
        return response
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Välj ett läge."))
        return redirect("cases:plan", case.uuid)
    try:
        services.plan_action_status_set(viewer=viewer, action=action, status=form.cleaned_data["status"])
    except services.CaseError as error:
        messages.error(request, str(error))
        return redirect("cases:plan", case.uuid)
    return done(request, _("Läget är ändrat."), "cases:plan", case.uuid)


def plan_history(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """Every change of the plan: who, when, what (immutable)."""
    case = case_or_404(request, case_uuid)
    changes = selectors.plan_changes(case, viewer=viewer_of(request))
    return render(request, "cases/plan_history.html", {"case": case, "changes": changes})


# --------------------------------------------------------------------------------------
# The family's plan (read-only, plain language)
# --------------------------------------------------------------------------------------


def family_plan(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """The plan as the family reads it: plain Swedish, read-only, what the family wrote
    marked as theirs. Staff who see the collaboration can open it to see what the family
    sees (each row still passes the policy for the one looking)."""
    viewer = viewer_of(request)
    case = case_or_404(request, case_uuid, staff_only=False)
    overview = selectors.plan_overview(case, viewer=viewer)
    appointments = selectors.appointments(case, viewer=viewer)
    current = next((a for a in reversed(appointments) if a.ended_at is None), None)
    return render(
        request,
        "cases/family_plan.html",
        {
            "case": case,
            "overview": overview,
            "mapping": selectors.mapping_entries(case, viewer=viewer),
            "appointment": current,
            "actions": [
                (action, overview.goal_of.get(action.goal_id) if action.goal_id else None)
                for action in overview.actions
            ],
            "is_family": viewer.is_family,
            **panels("plan", viewer, case=case),
        },
    )
