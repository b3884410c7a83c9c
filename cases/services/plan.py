"""The mapping (kartläggning) and the joint plan: goals and the SIP elements
(actions: `cases.services.actions`).

Every change of the plan appends an immutable `PlanChange` (who, when, what) and raises
the plan's version, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.scoping import Viewer, system_scope
from cases.models import Case, LifeArea, MappingEntry, Plan, PlanChange, PlanGoal
from cases.services._common import (
    CaseError,
    check_family_author,
    clean_text,
    require_coordinator,
    require_open,
)
from consent.models import CategoryDefault, InformationCategory
from portal import audit

PLAN_ONLY_COORDINATOR = gettext_noop("Bara samordnaren kan ändra den gemensamma planen.")


def _require_plan_coordinator(viewer: Viewer, case: Case) -> None:
    require_coordinator(viewer, case, _(PLAN_ONLY_COORDINATOR))


# --------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------


def _mapping_fields(area: str, current_state: str, desired_state: str) -> tuple[str, str, str]:
    if area not in LifeArea.values:
        raise CaseError(_("Välj ett område."))
    current_state, desired_state = clean_text(current_state), clean_text(desired_state)
    if not current_state:
        raise CaseError(_("Skriv hur det är nu, med familjens egna ord."))
    return area, current_state, desired_state


def mapping_category(area: str, code: str = "") -> InformationCategory:
    """The category of a mapping row: the one the writer chose (`code`), else the default
    of its life area (`consent.CategoryDefault`, `life_area:<area>`). An unknown or
    retired code raises CaseError."""
    if code:
        category = InformationCategory.objects.filter(code=code, is_active=True).first()
        if category is None:
            raise CaseError(_("Välj en av kategorierna i listan."))
        return category
    return CategoryDefault.category_for(CategoryDefault.LIFE_AREA, area, fallback=MappingEntry.FALLBACK_CATEGORY)


def mapping_entry_create(
    *,
    viewer: Viewer,
    case: Case,
    area: str,
    current_state: str,
    desired_state: str = "",
    is_priority: bool = False,
    category: str = "",
    written_by_guardian_id: int | None = None,
    written_by_child: bool = False,
) -> MappingEntry:
    """Map one life area: how it is now, how the family wants it, and whether it matters
    most right now (seed 004). Several entries per area are fine (the child's and a
    parent's view). The row gets the category `category` (a code) or, when empty, the
    default of its life area; another agency reads it only under a consent for that
    category."""
    require_coordinator(viewer, case, _("Bara samordnaren kan ändra kartläggningen."))
    require_open(case)
    area, current_state, desired_state = _mapping_fields(area, current_state, desired_state)
    check_family_author(case, written_by_guardian_id)
    chosen = mapping_category(area, category)
    with transaction.atomic():
        entry = MappingEntry.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            area=area,
            category=chosen,
            current_state=current_state,
            desired_state=desired_state,
            is_priority=bool(is_priority),
            written_by_guardian_id=written_by_guardian_id,
            written_by_child=bool(written_by_child),
        )
        audit.record(
            viewer=viewer,
            action="mapping.entry_created",
            obj=entry,
            case_id=case.pk,
            data={"area": area, "category": chosen.code},
        )
    return entry


def mapping_entry_update(
    *,
    viewer: Viewer,
    entry: MappingEntry,
    area: str,
    current_state: str,
    desired_state: str = "",
    is_priority: bool = False,
    category: str | None = None,
) -> MappingEntry:
    """Change an entry the viewer's agency wrote (consent never gives write access).
    `category`: a code; "" for the default of the (new) life area; None keeps the row's
    category unless the life area changes, when the new area's default applies."""
    with system_scope():
        case = Case.objects.get(pk=entry.case_id)
    require_coordinator(viewer, case, _("Bara samordnaren kan ändra kartläggningen."))
    require_open(case)
    if not policy.can_edit(viewer, entry):
        raise CaseError(_("Du kan bara ändra det som din verksamhet har skrivit."))
    area, current_state, desired_state = _mapping_fields(area, current_state, desired_state)
    if category is None and area == entry.area:
        chosen = InformationCategory.objects.get(pk=entry.category_id)
    else:
        chosen = mapping_category(area, category or "")
    with transaction.atomic():
        entry.area, entry.current_state, entry.desired_state = area, current_state, desired_state
        entry.category = chosen
        entry.is_priority = bool(is_priority)
        entry.updated_at = timezone.now()
        entry.save(update_fields=["area", "category", "current_state", "desired_state", "is_priority", "updated_at"])
        audit.record(
            viewer=viewer,
            action="mapping.entry_updated",
            obj=entry,
            case_id=case.pk,
            data={"area": area, "category": chosen.code},
        )
    return entry


# --------------------------------------------------------------------------------------
# Versioning
# --------------------------------------------------------------------------------------


def _plan_locked(case: Case, viewer: Viewer) -> Plan:
    """The case's plan row, locked for the version bump (created on first change)."""
    with system_scope():
        plan = Plan.objects.select_for_update().filter(case_id=case.pk).first()
        if plan is None:
            Plan.objects.get_or_create(
                case_id=case.pk, defaults={"author_agency_id": viewer.agency_id, "created_by_id": viewer.user_id}
            )
            plan = Plan.objects.select_for_update().get(case_id=case.pk)
    return plan


def record_change(
    *,
    viewer: Viewer,
    case: Case,
    target: str,
    target_uuid: Any,
    change: str,
    summary: str,
    fields: dict[str, list[Any]],
) -> PlanChange:
    """Append one immutable change row and raise the plan's version. Call inside the
    transaction of the change itself."""
    plan = _plan_locked(case, viewer)
    plan.version += 1
    plan.updated_at = timezone.now()
    with system_scope():
        Plan.objects.filter(pk=plan.pk).update(version=plan.version, updated_at=plan.updated_at)
        name = viewer.user.full_name if viewer.user is not None else ""
        if not name and viewer.user_id:
            from portal.models import User

            name = User.objects.filter(pk=viewer.user_id).values_list("full_name", flat=True).first() or ""
        return PlanChange.objects.create(
            case_id=case.pk,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            version=plan.version,
            target=target,
            target_uuid=target_uuid,
            change=change,
            summary=summary[:300],
            fields=fields,
            changed_by_name=name,
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _diff(obj: Any, new: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [_jsonable(getattr(obj, field)), _jsonable(value)]
        for field, value in new.items()
        if getattr(obj, field) != value
    }


# --------------------------------------------------------------------------------------
# The plan text and phase
# --------------------------------------------------------------------------------------


def plan_update(
    *,
    viewer: Viewer,
    case: Case,
    support_needed: str = "",
    others_do: str = "",
    overall_principal_id: int | None = None,
    coordinator_will: str = "",
    coordinator_will_not: str = "",
) -> Plan:
    """Write the SIP elements: the support needed, what others do, which principal holds
    overall responsibility, and what the coordinator will and will not do (seed 003)."""
    from agencies.models import Principal

    _require_plan_coordinator(viewer, case)
    require_open(case)
    if overall_principal_id is not None and not Principal.objects.filter(pk=overall_principal_id).exists():
        raise CaseError(_("Välj en huvudman."))
    new = {
        "support_needed": clean_text(support_needed),
        "others_do": clean_text(others_do),
        "overall_principal_id": overall_principal_id,
        "coordinator_will": clean_text(coordinator_will),
        "coordinator_will_not": clean_text(coordinator_will_not),
    }
    with system_scope():
        existing = Plan.objects.filter(case_id=case.pk).first()
    if existing is not None and not policy.can_view(viewer, existing):
        raise CaseError(
            _("Planen är skriven av en annan verksamhet. Du behöver familjens samtycke till planen för att ändra den.")
        )
    with transaction.atomic():
        plan = _plan_locked(case, viewer)
        changed = _diff(plan, new)
        if not changed:
            return plan
        for field, value in new.items():
            setattr(plan, field, value)
        with system_scope():
            Plan.objects.filter(pk=plan.pk).update(**new)
        labels = {
            "support_needed": _("vilket stöd som behövs"),
            "others_do": _("vad andra gör"),
            "overall_principal_id": _("huvudman med övergripande ansvar"),
            "coordinator_will": _("vad samordnaren gör"),
            "coordinator_will_not": _("vad samordnaren inte gör"),
        }
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.PLAN,
            target_uuid=plan.uuid,
            change=PlanChange.Change.UPDATED,
            summary=_("Ändrade %(what)s") % {"what": ", ".join(str(labels[f]) for f in changed)},
            fields=changed,
        )
        plan.refresh_from_db(fields=["version", "updated_at"])
        audit.record(viewer=viewer, action="plan.updated", obj=plan, case_id=case.pk, data={"fields": sorted(changed)})
    return plan


def plan_phase_set(*, viewer: Viewer, case: Case, phase: str) -> Case:
    """Move the work through clarify → plan → carry out (closing the collaboration moves
    it to close)."""
    _require_plan_coordinator(viewer, case)
    require_open(case)
    if phase not in Case.Phase.values:
        raise CaseError(_("Välj en fas."))
    if phase == Case.Phase.CLOSE:
        raise CaseError(_("Avsluta samverkan för att gå till fasen Avsluta."))
    if phase == case.phase:
        return case
    with transaction.atomic():
        before = case.phase
        with system_scope():
            Case.objects.filter(pk=case.pk).update(phase=phase)
        case.phase = phase
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.PHASE,
            target_uuid=None,
            change=PlanChange.Change.UPDATED,
            summary=_("Fas: %(before)s → %(after)s")
            % {"before": Case.Phase(before).label, "after": Case.Phase(phase).label},
            fields={"phase": [before, phase]},
        )
        audit.record(viewer=viewer, action="plan.phase_changed", obj=case, case_id=case.pk, data={"to": phase})
    return case


# --------------------------------------------------------------------------------------
# Goals
# --------------------------------------------------------------------------------------


def goal_create(
    *,
    viewer: Viewer,
    case: Case,
    text: str,
    area: str = "",
    written_by_guardian_id: int | None = None,
    written_by_child: bool = False,
    from_mapping: MappingEntry | None = None,
) -> PlanGoal:
    """A goal of the plan, usually taken from a life area of the mapping."""
    _require_plan_coordinator(viewer, case)
    require_open(case)
    text = clean_text(text)
    if not text:
        raise CaseError(_("Skriv målet."))
    if area and area not in LifeArea.values:
        raise CaseError(_("Välj ett område."))
    if from_mapping is not None:
        if from_mapping.case_id != case.pk or not policy.can_view(viewer, from_mapping):
            raise CaseError(_("Kartläggningen finns inte."))
        area = area or from_mapping.area
    check_family_author(case, written_by_guardian_id)
    with transaction.atomic():
        goal = PlanGoal.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            text=text,
            area=area,
            written_by_guardian_id=written_by_guardian_id,
            written_by_child=bool(written_by_child),
        )
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.GOAL,
            target_uuid=goal.uuid,
            change=PlanChange.Change.CREATED,
            summary=_("Nytt mål: %(text)s") % {"text": text[:200]},
            fields={"text": [None, text], "area": [None, area]}
            | ({"from_mapping": [None, str(from_mapping.uuid)]} if from_mapping is not None else {}),
        )
        audit.record(viewer=viewer, action="plan.goal_created", obj=goal, case_id=case.pk)
    return goal


def goal_update(*, viewer: Viewer, goal: PlanGoal, text: str, area: str = "", status: str = "") -> PlanGoal:
    with system_scope():
        case = Case.objects.get(pk=goal.case_id)
    _require_plan_coordinator(viewer, case)
    require_open(case)
    if not policy.can_view(viewer, goal):
        raise CaseError(_("Målet finns inte."))
    text = clean_text(text)
    if not text:
        raise CaseError(_("Skriv målet."))
    if area and area not in LifeArea.values:
        raise CaseError(_("Välj ett område."))
    status = status or goal.status
    if status not in PlanGoal.Status.values:
        raise CaseError(_("Välj hur det går med målet."))
    new = {"text": text, "area": area, "status": status}
    changed = _diff(goal, new)
    if not changed:
        return goal
    with transaction.atomic():
        for field, value in new.items():
            setattr(goal, field, value)
        goal.updated_at = timezone.now()
        with system_scope():
            PlanGoal.objects.filter(pk=goal.pk).update(**new, updated_at=goal.updated_at)
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.GOAL,
            target_uuid=goal.uuid,
            change=PlanChange.Change.UPDATED,
            summary=_("Ändrade målet: %(text)s") % {"text": text[:200]},
            fields=changed,
        )
        audit.record(viewer=viewer, action="plan.goal_updated", obj=goal, case_id=case.pk)
    return goal
