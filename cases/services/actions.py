"""The joint plan's actions: who does what by when, and how it is going. Each change is
recorded on the plan (`record_change`) in the same transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import events, policy
from access.scoping import Viewer, system_scope
from cases.models import Case, ExternalContact, PlanAction, PlanChange, PlanGoal
from cases.services._common import (
    CaseError,
    CaseRefused,
    check_family_author,
    clean_text,
    notify_agency,
    require_open,
    require_staff,
)
from cases.services.plan import (
    _diff,
    _jsonable,
    _require_plan_coordinator,
    record_change,
)
from portal import audit


def _check_action_refs(
    viewer: Viewer,
    case: Case,
    *,
    responsible_agency_id: int | None,
    responsible_external_id: int | None,
    goal_id: int | None,
) -> None:
    from agencies.models import Agency

    if responsible_agency_id and not Agency.objects.filter(pk=responsible_agency_id, is_active=True).exists():
        raise CaseError(_("Välj en verksamhet."))
    if responsible_external_id:
        with system_scope():
            ok = ExternalContact.objects.filter(
                pk=responsible_external_id, case_id=case.pk, removed_at__isnull=True
            ).exists()
        if not ok:
            raise CaseError(_("Välj en av samverkans externa kontakter."))
    if goal_id:
        goal = policy.visible_to(PlanGoal, viewer).filter(pk=goal_id, case_id=case.pk).first()
        if goal is None:
            raise CaseError(_("Målet finns inte."))


def plan_action_create(
    *,
    viewer: Viewer,
    case: Case,
    description: str,
    due_date: date,
    responsible_agency_id: int | None = None,
    responsible_external_id: int | None = None,
    responsible_person: str = "",
    written_by_guardian_id: int | None = None,
    written_by_child: bool = False,
    source: dict[str, Any] | None = None,
    goal_id: int | None = None,
) -> PlanAction:
    """Add an action to the joint plan (by the coordinator; e.g. from a meeting decision).

    The action belongs to the coordinator's agency (category "plan"); the responsible
    agency is notified. `source` (ids only) records where it came from, e.g. a decision.
    The change is versioned like every other change of the plan.
    """
    _require_plan_coordinator(viewer, case)
    require_open(case)
    description = (description or "").strip()
    if not description:
        raise CaseError(_("Beskriv vad som ska göras."))
    if due_date is None:
        raise CaseError(_("Ange när det ska vara klart."))
    responsible_person = (responsible_person or "").strip()
    if not (responsible_agency_id or responsible_external_id or responsible_person):
        raise CaseError(_("Ange vem som ansvarar."))
    _check_action_refs(
        viewer,
        case,
        responsible_agency_id=responsible_agency_id,
        responsible_external_id=responsible_external_id,
        goal_id=goal_id,
    )
    check_family_author(case, written_by_guardian_id)
    with transaction.atomic():
        action = PlanAction.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            description=description,
            due_date=due_date,
            goal_id=goal_id,
            responsible_agency_id=responsible_agency_id,
            responsible_external_id=responsible_external_id,
            responsible_person=responsible_person[:200],
            written_by_guardian_id=written_by_guardian_id,
            written_by_child=written_by_child,
        )
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.ACTION,
            target_uuid=action.uuid,
            change=PlanChange.Change.CREATED,
            summary=_("Ny insats: %(text)s") % {"text": description[:200]},
            fields={
                "description": [None, description],
                "due_date": [None, _jsonable(due_date)],
                "responsible_agency_id": [None, responsible_agency_id],
                "responsible_external_id": [None, responsible_external_id],
                "responsible_person": [None, responsible_person],
            },
        )
        audit.record(viewer=viewer, action="plan.action_created", obj=action, case_id=case.pk, data=source or {})
        if responsible_agency_id and responsible_agency_id != viewer.agency_id:
            notify_agency(case, responsible_agency_id, "action.assigned")
    return action


def plan_action_update(
    *,
    viewer: Viewer,
    action: PlanAction,
    description: str,
    due_date: date,
    responsible_agency_id: int | None = None,
    responsible_external_id: int | None = None,
    responsible_person: str = "",
    goal_id: int | None = None,
) -> PlanAction:
    """The coordinator changes what, who or when."""
    with system_scope():
        case = Case.objects.get(pk=action.case_id)
    _require_plan_coordinator(viewer, case)
    require_open(case)
    if not policy.can_view(viewer, action):
        raise CaseError(_("Insatsen finns inte."))
    description = clean_text(description)
    responsible_person = clean_text(responsible_person)[:200]
    if not description:
        raise CaseError(_("Beskriv vad som ska göras."))
    if due_date is None:
        raise CaseError(_("Ange när det ska vara klart."))
    if not (responsible_agency_id or responsible_external_id or responsible_person):
        raise CaseError(_("Ange vem som ansvarar."))
    _check_action_refs(
        viewer,
        case,
        responsible_agency_id=responsible_agency_id,
        responsible_external_id=responsible_external_id,
        goal_id=goal_id,
    )
    new = {
        "description": description,
        "due_date": due_date,
        "responsible_agency_id": responsible_agency_id,
        "responsible_external_id": responsible_external_id,
        "responsible_person": responsible_person,
        "goal_id": goal_id,
    }
    changed = _diff(action, new)
    if not changed:
        return action
    reassigned = "responsible_agency_id" in changed and responsible_agency_id
    with transaction.atomic():
        for field, value in new.items():
            setattr(action, field, value)
        action.updated_at = timezone.now()
        with system_scope():
            PlanAction.objects.filter(pk=action.pk).update(**new, updated_at=action.updated_at)
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.ACTION,
            target_uuid=action.uuid,
            change=PlanChange.Change.UPDATED,
            summary=_("Ändrade insatsen: %(text)s") % {"text": description[:200]},
            fields=changed,
        )
        audit.record(
            viewer=viewer, action="plan.action_updated", obj=action, case_id=case.pk, data={"fields": sorted(changed)}
        )
        if reassigned and responsible_agency_id != viewer.agency_id:
            notify_agency(case, responsible_agency_id, "action.assigned")  # type: ignore[arg-type]
    return action


def may_set_action_status(viewer: Viewer, case: Case, action: PlanAction) -> bool:
    """The coordinator, and the agency responsible for the action (it owns the action in
    the plan and reports how it is going; it changes nothing else)."""
    if not viewer.is_staff:
        return False
    return policy.is_coordinator_of(viewer, case) or (
        action.responsible_agency_id is not None and action.responsible_agency_id == viewer.agency_id
    )


def plan_action_status_set(*, viewer: Viewer, action: PlanAction, status: str) -> PlanAction:
    """Report how an action is going."""
    require_staff(viewer)
    with system_scope():
        case = Case.objects.get(pk=action.case_id)
    if not policy.can_view(viewer, action):
        raise CaseError(_("Insatsen finns inte."))
    if not may_set_action_status(viewer, case, action):
        raise CaseRefused(_("Bara samordnaren eller den ansvariga verksamheten kan ändra läget."))
    require_open(case)
    if status not in PlanAction.Status.values:
        raise CaseError(_("Välj ett läge."))
    if status == action.status:
        return action
    with transaction.atomic():
        before = action.status
        action.status = status
        action.completed_at = timezone.now() if status == PlanAction.Status.DONE else None
        action.updated_at = timezone.now()
        with system_scope():
            PlanAction.objects.filter(pk=action.pk).update(
                status=status, completed_at=action.completed_at, updated_at=action.updated_at
            )
        record_change(
            viewer=viewer,
            case=case,
            target=PlanChange.Target.ACTION,
            target_uuid=action.uuid,
            change=PlanChange.Change.UPDATED,
            summary=_("%(text)s: %(before)s → %(after)s")
            % {
                "text": action.description[:120],
                "before": PlanAction.Status(before).label,
                "after": PlanAction.Status(status).label,
            },
            fields={"status": [before, status]},
        )
        audit.record(
            viewer=viewer, action="plan.action_status_changed", obj=action, case_id=case.pk, data={"to": status}
        )
        if case.coordinator_id and case.coordinator_id != viewer.user_id:
            from django.urls import reverse

            events.announce(
                events.notice,
                sender="cases",
                recipients=[case.coordinator_id],
                kind="action.status_changed",
                case=case,
                agency_id=case.coordinator_agency_id,
                target_url=reverse("cases:plan", args=[case.uuid]),
            )
    return action
