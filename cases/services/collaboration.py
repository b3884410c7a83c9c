"""Opening, steering and closing a collaboration."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.scoping import Viewer, system_scope
from cases import personnummer
from cases.models import Case, Child, TeamMember
from cases.services._common import (
    CaseError,
    clean_text,
    notify_family,
    require_coordinator,
    require_open,
    require_staff,
)
from portal import audit


def _stress(value: int | None, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 10:
        raise CaseError(_("%(what)s anges från 1 (ingen stress) till 10 (mycket stor stress).") % {"what": label})
    return number


def child_find(*, viewer: Viewer, personal_number: str) -> Child | None:
    """Exact-match search by personal identity number among the children the viewer may
    see. A child who exists but is invisible to the viewer is answered exactly like one
    who does not exist. Raises CaseError for a malformed number."""
    try:
        number = personnummer.normalize(personal_number)
    except personnummer.PersonnummerError as error:
        raise CaseError(str(error)) from None
    return policy.visible_to(Child, viewer).filter(personal_number=number).first()


def case_open(
    *,
    viewer: Viewer,
    personal_number: str,
    need_description: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    interpreter_needed: bool = False,
    protected_identity: bool = False,
    level: str = Case.Level.LIGHT,
    stress_at_start: int | None = None,
) -> Case:
    """A staff member, as Barnets bästa-ansvarig, opens a collaboration in their agency.

    DESIGN rule 17, a write never discloses: the child is bound to an existing record only
    when the viewer can already see a child with this personal identity number (through a
    collaboration of their own or a consent). Otherwise a new record is registered for this
    collaboration with exactly the names the viewer typed — also when another agency already
    works with the child — so the answer, and every page after it, is the same whether the
    number was known elsewhere or not. The family, who sees both, may ask to join them
    (`cases.services.joining`).
    """
    require_staff(viewer)
    try:
        number = personnummer.normalize(personal_number)
    except personnummer.PersonnummerError as error:
        raise CaseError(str(error)) from None
    need_description = clean_text(need_description)
    if not need_description:
        raise CaseError(_("Beskriv behovet med familjens egna ord."))
    if level not in Case.Level.values:
        raise CaseError(_("Välj en samverkansnivå."))
    stress = _stress(stress_at_start, _("Familjens stress"))
    first_name, last_name = clean_text(first_name)[:100], clean_text(last_name)[:100]
    with transaction.atomic():
        visible = policy.visible_to(Child, viewer).filter(personal_number=number).order_by("pk").first()
        if visible is None and not (first_name and last_name):
            raise CaseError(_("Skriv barnets förnamn och efternamn."))
        if (
            visible is not None
            and policy.visible_to(Case, viewer).filter(child=visible, status=Case.Status.OPEN).exists()
        ):
            raise CaseError(_("Det finns redan en pågående samverkan för barnet som du kan se. Öppna den i stället."))
        with system_scope():
            child = visible
            if child is None:
                child = Child.objects.create(
                    first_name=first_name,
                    last_name=last_name,
                    personal_number=number,
                    date_of_birth=personnummer.born_on(number),
                    language=clean_text(language)[:60] or "svenska",
                    interpreter_needed=bool(interpreter_needed),
                    protected_identity=bool(protected_identity),
                    registered_by_agency_id=viewer.agency_id,
                )
            case = Case.objects.create(
                child=child,
                owner_agency_id=viewer.agency_id,
                opened_by_id=viewer.user_id,
                need_description=need_description,
                level=level,
                stress_at_start=stress,
            )
            TeamMember.objects.create(
                case=case,
                agency_id=viewer.agency_id,
                contact_id=viewer.membership_id,
                role_description=_("Barnets bästa-ansvarig"),
            )
        audit.record(viewer=viewer, action="case.opened", obj=case, case_id=case.pk, data={"level": level})
    return case


def case_level_set(*, viewer: Viewer, case: Case, level: str) -> Case:
    """Change how closely the team works together (light contact → joint planning → SIP)."""
    require_coordinator(viewer, case)
    require_open(case)
    if level not in Case.Level.values:
        raise CaseError(_("Välj en samverkansnivå."))
    if level == case.level:
        return case
    with transaction.atomic():
        before = case.level
        case.level = level
        with system_scope():
            Case.objects.filter(pk=case.pk).update(level=level)
        audit.record(
            viewer=viewer, action="case.level_changed", obj=case, case_id=case.pk, data={"from": before, "to": level}
        )
    return case


def case_contact_record(*, viewer: Viewer, case: Case, on: date | datetime | None = None) -> Case:
    """Note a contact with the family (for 'days since last contact' on the caseload).
    Meetings held may call this too. An older date never moves the last contact back."""
    require_coordinator(viewer, case)
    require_open(case)
    now = timezone.now()
    if on is None:
        at = now
    elif isinstance(on, datetime):
        at = on
    else:
        at = timezone.make_aware(datetime.combine(on, time(12, 0)))
    if at > now + timedelta(minutes=5):
        raise CaseError(_("Kontakten kan inte ligga i framtiden."))
    if case.last_contact_at is not None and case.last_contact_at >= at:
        return case
    with transaction.atomic():
        case.last_contact_at = at
        with system_scope():
            Case.objects.filter(pk=case.pk).update(last_contact_at=at)
        audit.record(viewer=viewer, action="case.contact_recorded", obj=case, case_id=case.pk)
    return case


def case_close(
    *,
    viewer: Viewer,
    case: Case,
    reason: str,
    note: str = "",
    stress_at_start: int | None = None,
    stress_at_close: int | None = None,
    parent_back_to_work: bool | None = None,
) -> Case:
    """Close the collaboration with a reason and the family-reported outcomes.

    Closing ends all consent-based sharing at once: the consent grant index is rebuilt in
    the same transaction (grants exist only for open collaborations).
    """
    from consent import services as consent_services

    require_coordinator(viewer, case, _("Bara samordnaren kan avsluta samverkan."))
    require_open(case)
    if reason not in Case.ClosureReason.values:
        raise CaseError(_("Välj ett skäl till att samverkan avslutas."))
    note = clean_text(note)
    if reason == Case.ClosureReason.OTHER and not note:
        raise CaseError(_("Beskriv skälet till att samverkan avslutas."))
    start = _stress(stress_at_start, _("Stress vid start"))
    close = _stress(stress_at_close, _("Stress vid avslut"))
    if parent_back_to_work not in (None, True, False):
        raise CaseError(_("Svara ja, nej eller vet inte."))
    with transaction.atomic():
        with system_scope():
            fresh = Case.objects.select_for_update().get(pk=case.pk)
            if not fresh.is_open:
                raise CaseError(_("Samverkan är redan avslutad."))
            previous_phase = fresh.phase
            fresh.status = Case.Status.CLOSED
            fresh.closed_at = timezone.now()
            fresh.closed_by_id = viewer.user_id
            fresh.closure_reason = reason
            fresh.closure_note = note
            fresh.phase = Case.Phase.CLOSE
            if start is not None:
                fresh.stress_at_start = start
            fresh.stress_at_close = close
            fresh.parent_back_to_work = parent_back_to_work
            fresh.save()
        # Every consent ends now, in this transaction, for everyone to see (rule 18).
        consent_services.consents_end_on_close(viewer=viewer, case=fresh)
        if previous_phase != Case.Phase.CLOSE:
            from cases.services.plan import record_change

            record_change(
                viewer=viewer,
                case=fresh,
                target="phase",
                target_uuid=None,
                change="updated",
                summary=_("Fas: %(before)s → %(after)s")
                % {"before": Case.Phase(previous_phase).label, "after": Case.Phase.CLOSE.label},
                fields={"phase": [previous_phase, Case.Phase.CLOSE]},
            )
        audit.record(
            viewer=viewer,
            action="case.closed",
            obj=fresh,
            case_id=fresh.pk,
            data={
                "reason": reason,
                "stress_at_start": fresh.stress_at_start,
                "stress_at_close": close,
                "parent_back_to_work": parent_back_to_work,
            },
        )
        notify_family(fresh, "case.closed")
    for field in ("status", "closed_at", "closed_by_id", "closure_reason", "closure_note", "phase"):
        setattr(case, field, getattr(fresh, field))
    case.stress_at_start, case.stress_at_close = fresh.stress_at_start, fresh.stress_at_close
    case.parent_back_to_work = fresh.parent_back_to_work
    return case
