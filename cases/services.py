"""Writes on collaborations. Keyword-only, the actor first, one transaction, audit and
notifications inside it; side effects after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, PlanAction
from consent import policy
from consent.scoping import Viewer, system_scope
from portal import audit


class CaseError(Exception):
    """A request the case services refuse; the message is shown to the user as it is."""


def _require_coordinator(viewer: Viewer, case: Case) -> None:
    if not policy.is_coordinator_of(viewer, case):
        raise CaseError(_("Bara samordnaren kan ändra den gemensamma planen."))


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
) -> PlanAction:
    """Add an action to the joint plan (by the coordinator; e.g. from a meeting decision).

    The action belongs to the coordinator's agency (category "plan"); the responsible
    agency is notified. `source` (ids only) records where it came from, e.g. a decision.
    """
    _require_coordinator(viewer, case)
    description = (description or "").strip()
    if not description:
        raise CaseError(_("Beskriv vad som ska göras."))
    if due_date is None:
        raise CaseError(_("Ange när det ska vara klart."))
    if not (responsible_agency_id or responsible_external_id or responsible_person.strip()):
        raise CaseError(_("Ange vem som ansvarar."))
    with transaction.atomic():
        action = PlanAction.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            description=description,
            due_date=due_date,
            responsible_agency_id=responsible_agency_id,
            responsible_external_id=responsible_external_id,
            responsible_person=responsible_person.strip(),
            written_by_guardian_id=written_by_guardian_id,
            written_by_child=written_by_child,
        )
        audit.record(viewer=viewer, action="plan.action_created", obj=action, case_id=case.pk, data=source or {})
        if responsible_agency_id and responsible_agency_id != viewer.agency_id:
            _notify_agency(case, responsible_agency_id, "action.assigned")
    return action


def _notify_agency(case: Case, agency_id: int, kind: str) -> None:
    """Tell the responsible agency's team contact (or its staff in the team) about the case."""
    from agencies.models import Membership
    from cases.models import TeamMember
    from notifications.services import notify

    with system_scope():
        contact = (
            TeamMember.objects.filter(case=case, agency_id=agency_id, contact__isnull=False)
            .values_list("contact__user_id", flat=True)
            .first()
        )
        recipients = (
            [contact]
            if contact
            else list(
                Membership.objects.filter(agency_id=agency_id, is_active=True).values_list("user_id", flat=True)[:20]
            )
        )
    notify(
        recipients=recipients,
        kind=kind,
        case=case,
        agency_id=agency_id,
        target_url=reverse("cases:detail", args=[case.uuid]),
    )
