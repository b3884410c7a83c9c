"""Appointing the coordinator: the child's wish first, a reason for any deviation, the
handover from the Barnets bästa-ansvarig, and a history that survives every change."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import events, policy
from access.scoping import Viewer, system_scope
from cases.models import Case, CoordinatorAppointment, TeamMember
from cases.services._common import (
    CaseError,
    active_membership,
    clean_text,
    notify_family,
    require_open,
    require_staff,
)
from portal import audit


def may_appoint(viewer: Viewer, case: Case) -> bool:
    """Who may appoint or change the coordinator: the coordinator, a colleague in the
    coordinating agency (cover during leave), the Barnets bästa-ansvarig who opened the
    collaboration, and before any appointment the opener's agency."""
    if not viewer.is_staff:
        return False
    return (
        policy.is_coordinator_of(viewer, case)
        or (case.coordinator_agency_id is not None and viewer.agency_id == case.coordinator_agency_id)
        or (viewer.user_id == case.opened_by_id and viewer.agency_id == case.owner_agency_id)
    )


def current_appointment(case: Case) -> CoordinatorAppointment | None:
    with system_scope():
        return CoordinatorAppointment.objects.filter(case_id=case.pk, ended_at__isnull=True).first()


def coordinator_appoint(
    *,
    viewer: Viewer,
    case: Case,
    wish: str,
    coordinator_membership_id: int | None,
    wished_membership_id: int | None = None,
    wished_person_text: str = "",
    child_words: str = "",
    deviation_reason: str = "",
    end_reason: str = "",
) -> CoordinatorAppointment:
    """Appoint a coordinator. The child's wish is recorded first (seed 003: the child is
    asked whom they want). Appointing someone other than the person the child named needs
    a reason, which the family sees. A change ends the current appointment with a reason
    and asks the child again; every earlier appointment is kept.
    """
    require_staff(viewer)
    if not may_appoint(viewer, case):
        raise CaseError(_("Du kan inte utse samordnare för den här samverkan."))
    require_open(case)
    if wish not in CoordinatorAppointment.Wish.values:
        raise CaseError(_("Fråga barnet först och fyll i barnets önskan."))
    wished_person_text = clean_text(wished_person_text)
    child_words = clean_text(child_words)
    deviation_reason = clean_text(deviation_reason)
    end_reason = clean_text(end_reason)
    wished = None
    if wish == CoordinatorAppointment.Wish.PERSON:
        wished = active_membership(wished_membership_id) if wished_membership_id else None
        if wished_membership_id and wished is None:
            raise CaseError(_("Den önskade personen finns inte i portalen. Skriv namnet i stället."))
        if wished is None and not wished_person_text:
            raise CaseError(_("Skriv vem barnet önskar."))
    else:
        wished_person_text = ""
    coordinator = active_membership(coordinator_membership_id)
    if coordinator is None:
        raise CaseError(_("Välj vem som blir samordnare."))
    follows_wish = wished is not None and wished.user_id == coordinator.user_id
    is_deviation = wish == CoordinatorAppointment.Wish.PERSON and not follows_wish
    if is_deviation and not deviation_reason:
        raise CaseError(
            _(
                "Barnet önskade någon annan. Avsteg från barnets önskan får bara göras av särskilda skäl: "
                "skriv skälet. Familjen kan läsa det."
            )
        )
    if not is_deviation:
        deviation_reason = ""
    current = current_appointment(case)
    if current is not None:
        if current.coordinator_id == coordinator.user_id and current.coordinator_agency_id == coordinator.agency_id:
            raise CaseError(_("%(name)s är redan samordnare.") % {"name": coordinator.user.full_name})
        if not end_reason:
            raise CaseError(_("Skriv varför samordnaren byts, till exempel föräldraledighet eller ny tjänst."))
    now = timezone.now()
    with transaction.atomic():
        with system_scope():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if current is not None:
                CoordinatorAppointment.objects.filter(pk=current.pk, ended_at__isnull=True).update(
                    ended_at=now, end_reason=end_reason[:200]
                )
            appointment = CoordinatorAppointment.objects.create(
                case_id=case.pk,
                wish=wish,
                wished_person_id=wished.user_id if wished is not None else None,
                wished_person_text=wished_person_text[:200],
                child_words=child_words,
                coordinator_id=coordinator.user_id,
                coordinator_agency_id=coordinator.agency_id,
                deviation_reason=deviation_reason,
                appointed_by_id=viewer.user_id,
                appointed_at=now,
            )
            locked.coordinator_id = coordinator.user_id
            locked.coordinator_agency_id = coordinator.agency_id
            locked.save(update_fields=["coordinator", "coordinator_agency"])
            member = TeamMember.objects.filter(case_id=case.pk, agency_id=coordinator.agency_id).first()
            if member is None:
                TeamMember.objects.create(
                    case_id=case.pk,
                    agency_id=coordinator.agency_id,
                    contact_id=coordinator.pk,
                    role_description=_("Samordnare"),
                )
            else:
                member.left_at = None
                member.contact_id = coordinator.pk
                member.save(update_fields=["left_at", "contact"])
        audit.record(
            viewer=viewer,
            action="case.coordinator_appointed",
            obj=appointment,
            case_id=case.pk,
            data={
                "wish": wish,
                "deviation": is_deviation,
                "coordinator": coordinator.user_id,
                "agency": coordinator.agency_id,
                "previous": str(current.uuid) if current is not None else None,
            },
        )
        events.announce(
            events.notice,
            sender="cases",
            recipients=[coordinator.user_id],
            kind="case.coordinator_appointed",
            case=case,
            agency_id=coordinator.agency_id,
            target_url=reverse("cases:detail", args=[case.uuid]),
        )
        notify_family(case, "case.coordinator_appointed")
    case.coordinator_id = coordinator.user_id
    case.coordinator_agency_id = coordinator.agency_id
    return appointment


def handover_record(
    *,
    viewer: Viewer,
    appointment: CoordinatorAppointment,
    guardians_informed_at: datetime | None,
    child_informed_at: datetime | None = None,
    note: str = "",
) -> CoordinatorAppointment:
    """Record the handover to the new coordinator and when the guardians and the child
    (by age and maturity) were told who now coordinates (seed 003).

    Recorded by the one handing over (the Barnets bästa-ansvarig, or the previous
    coordinator) or by the new coordinator.
    """
    require_staff(viewer)
    with system_scope():
        case = Case.objects.get(pk=appointment.case_id)
        previous = (
            CoordinatorAppointment.objects.filter(case_id=case.pk, appointed_at__lt=appointment.appointed_at)
            .order_by("-appointed_at", "-id")
            .first()
        )
    handing_over_user = previous.coordinator_id if previous is not None else case.opened_by_id
    allowed = (
        (viewer.user_id == appointment.coordinator_id and viewer.agency_id == appointment.coordinator_agency_id)
        or viewer.user_id == handing_over_user
        or (previous is None and viewer.agency_id == case.owner_agency_id)
        or (previous is not None and viewer.agency_id == previous.coordinator_agency_id)
    )
    if not allowed:
        raise CaseError(_("Bara den som lämnar över eller den nya samordnaren kan registrera överlämningen."))
    require_open(case)
    if appointment.ended_at is not None:
        raise CaseError(_("Den här samordnaren har redan bytts ut."))
    if appointment.handed_over_at is not None:
        raise CaseError(_("Överlämningen är redan registrerad."))
    now = timezone.now()
    if guardians_informed_at is None:
        raise CaseError(_("Skriv när vårdnadshavarna fick veta vem som är samordnare."))
    for moment in (guardians_informed_at, child_informed_at):
        if moment is not None and moment > now + timedelta(minutes=5):
            raise CaseError(_("Tidpunkten kan inte ligga i framtiden."))
    with transaction.atomic():
        with system_scope():
            updated = CoordinatorAppointment.objects.filter(
                pk=appointment.pk, handed_over_at__isnull=True, ended_at__isnull=True
            ).update(
                handed_over_by_id=handing_over_user,
                handed_over_at=now,
                guardians_informed_at=guardians_informed_at,
                child_informed_at=child_informed_at,
                handover_note=clean_text(note),
            )
        if not updated:
            raise CaseError(_("Överlämningen är redan registrerad."))
        audit.record(
            viewer=viewer,
            action="case.handed_over",
            obj=appointment,
            case_id=case.pk,
            data={"child_informed": child_informed_at is not None},
        )
    appointment.handed_over_by_id = handing_over_user
    appointment.handed_over_at = now
    appointment.guardians_informed_at = guardians_informed_at
    appointment.child_informed_at = child_informed_at
    appointment.handover_note = clean_text(note)
    return appointment
