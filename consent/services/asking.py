"""Asking the family for a consent and recording their answers, with the notifications
and expiry reminders written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import events
from access.scoping import Viewer, system_scope
from consent import rules
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentScope,
    InformationCategory,
)
from consent.services.facts import (
    CHILD,
    ConsentError,
    Party,
    _check_manages,
    _lock_case,
    custodial_guardian_ids,
    grants_rebuild,
    is_expired,
    latest_decisions,
    party_may_decide,
)
from portal import audit

# --------------------------------------------------------------------------------------
# Notifications and reminders (rows in the same transaction; delivery after commit)
# --------------------------------------------------------------------------------------


def family_user_ids(case, *, include_child: bool) -> list[int]:  # type: ignore[no-untyped-def]
    from cases.models import Guardianship

    with system_scope():
        users = list(
            Guardianship.objects.filter(
                child_id=case.child_id, has_custody=True, guardian__user__isnull=False
            ).values_list("guardian__user_id", flat=True)
        )
    if include_child and case.child.user_id:
        users.append(case.child.user_id)
    return users


def _notify_family(case, consent: Consent, kind: str, *, exclude: int | None = None) -> None:  # type: ignore[no-untyped-def]
    users = family_user_ids(case, include_child=party_may_decide(case, CHILD))
    events.announce(
        events.notice,
        sender="consent",
        recipients=[u for u in users if u != exclude],
        kind=kind,
        case=case,
        target_url=reverse("consent:family_detail", args=[consent.uuid]),
    )


def _notify_managers(case, kind: str, consent: Consent) -> None:  # type: ignore[no-untyped-def]
    recipients = [uid for uid in {case.coordinator_id, case.opened_by_id} if uid]
    agency_id = case.coordinator_agency_id or case.owner_agency_id
    events.announce(
        events.notice,
        sender="consent",
        recipients=recipients,
        kind=kind,
        case=case,
        agency_id=agency_id,
        target_url=reverse("consent:staff_detail", args=[consent.uuid]),
    )


def _schedule_expiry_reminders(case, consent: Consent) -> None:  # type: ignore[no-untyped-def]
    """Due rows 30 and 7 days before the consent runs out (delivered by notifications).
    Keyed by series: a narrowed version keeps the period and so the same reminders."""
    _start, ends = rules.period_of(consent.valid_from, consent.valid_until)
    recipients = [uid for uid in {case.coordinator_id, case.opened_by_id} if uid]
    for days in (30, 7):
        due = ends - timedelta(days=days)
        if due > timezone.now():
            events.announce(
                events.reminder_scheduled,
                sender="consent",
                key=f"consent:{consent.series}:expiring:{days}",
                kind="consent.expiring",
                due_at=due,
                recipient_ids=recipients,
                case=case,
                agency_id=case.coordinator_agency_id or case.owner_agency_id,
                target_url=reverse("consent:staff_detail", args=[consent.uuid]),
            )


# --------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------


def team_agency_ids(case) -> set[int]:  # type: ignore[no-untyped-def]
    """Agencies currently in the case's team: the only possible consent recipients."""
    from cases.models import TeamMember

    with system_scope():
        return set(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True, agency__is_active=True).values_list(
                "agency_id", flat=True
            )
        )


def consent_request(
    *,
    viewer: Viewer,
    case,  # type: ignore[no-untyped-def]
    purpose: str,
    agency_ids: Iterable[int],
    category_ids: Iterable[int],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Consent:
    """The coordinator asks the family for a consent: recipients (agencies in the team) ×
    information categories, a purpose and a period (default: from today for the
    principal's default, 12 months). The family is notified in the portal."""
    _check_manages(viewer, case)
    purpose = (purpose or "").strip()
    agencies = sorted(set(agency_ids))
    categories = sorted(set(category_ids))
    if not purpose:
        raise ConsentError(_("Skriv syftet med samtycket."))
    if not agencies or not categories:
        raise ConsentError(_("Välj minst en verksamhet och minst en sorts uppgifter."))
    if not set(agencies) <= team_agency_ids(case):
        raise ConsentError(_("Samtycke kan bara gälla verksamheter som är med i samverkan."))
    with system_scope():
        known = InformationCategory.objects.filter(pk__in=categories, is_active=True).count()
    if known != len(categories):
        raise ConsentError(_("Okänd sorts uppgifter."))
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_until is None:
        months = case.owner_agency.principal.consent_default_months
        valid_until = valid_from + relativedelta(months=months) - timedelta(days=1)
    if valid_until < valid_from:
        raise ConsentError(_("Slutdatum kan inte vara före startdatum."))
    if valid_until < today:
        raise ConsentError(_("Slutdatum har redan passerat."))
    if valid_until > valid_from + relativedelta(years=3):
        raise ConsentError(_("Ett samtycke kan gälla i högst tre år."))
    with transaction.atomic(), system_scope():
        case = _lock_case(case.pk)
        if not case.is_open:
            raise ConsentError(_("Samverkan är avslutad."))
        consent = Consent.objects.create(
            case=case,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by_id=viewer.user_id,
            created_by_agency_id=viewer.agency_id,
        )
        ConsentScope.objects.bulk_create(
            [ConsentScope(consent=consent, agency_id=a, category_id=c) for a in agencies for c in categories]
        )
        audit.record(
            viewer=viewer,
            action="consent.requested",
            obj=consent,
            case_id=case.pk,
            data={"agencies": agencies, "categories": categories, "version": 1},
        )
        _notify_family(case, consent, "consent.requested")
        _schedule_expiry_reminders(case, consent)
    return consent


def ended_message() -> str:
    return _("Samverkan är avslutad och samtycket har upphört. Det går inte att svara på det längre.")


def check_not_ended(case, consent: Consent) -> None:  # type: ignore[no-untyped-def]
    """Refuse any answer or change once the collaboration has closed (DESIGN rule 18):
    its consents have ended, and a pending request was withdrawn at the close."""
    if not case.is_open or consent.ended_at is not None:
        raise ConsentError(ended_message())


def _ensure_current(consent: Consent) -> None:
    with system_scope():
        newer = Consent.objects.filter(series=consent.series, version__gt=consent.version).exists()
    if newer:
        raise ConsentError(_("Samtycket har ändrats. Öppna den senaste versionen."))


def _check_is_party(viewer: Viewer, case, party: Party) -> None:  # type: ignore[no-untyped-def]
    from cases.models import Guardian

    with system_scope():
        if party.is_child:
            ok = viewer.role == "child" and case.child.user_id is not None and case.child.user_id == viewer.user_id
        else:
            ok = (
                viewer.role == "guardian"
                and Guardian.objects.filter(pk=party.guardian_id, user_id=viewer.user_id).exists()
            )
    if not ok:
        raise ConsentError(_("Du kan bara svara för dig själv."))


def decision_record(
    *,
    viewer: Viewer,
    consent: Consent,
    party: Party,
    decision: str,
    method: str,
    oral_to_membership_id: int | None = None,
    note: str = "",
) -> ConsentDecision:
    """Record a party's decision (granted / refused / revoked) on the version in force.

    In the portal the party decides for themself (the caller has checked a fresh one-time
    code before a grant or refusal). On paper or orally, staff who manage the case record
    it, naming the staff member who received an oral answer. The effect is immediate: the
    grant index is rebuilt in the same transaction, so a revocation holds on the next
    request in every process.
    """
    if decision not in ConsentDecision.Decision.values:
        raise ConsentError(_("Okänt beslut."))
    if method not in {ConsentDecision.Method.PORTAL, ConsentDecision.Method.PAPER, ConsentDecision.Method.ORAL}:
        raise ConsentError(_("Okänt sätt att lämna samtycke."))
    with transaction.atomic(), system_scope():
        case = _lock_case(consent.case_id)
        if method == ConsentDecision.Method.PORTAL:
            if not viewer.is_family:
                raise ConsentError(_("I portalen lämnar familjen själv sitt svar."))
            _check_is_party(viewer, case, party)
        else:
            _check_manages(viewer, case)
            if method == ConsentDecision.Method.ORAL:
                from agencies.models import Membership

                if not oral_to_membership_id:
                    raise ConsentError(_("Ange vem i personalen som tog emot det muntliga svaret."))
                if not Membership.objects.filter(
                    pk=oral_to_membership_id, agency_id=viewer.agency_id, is_active=True
                ).exists():
                    raise ConsentError(_("Den som tog emot svaret måste vara personal i din verksamhet."))
        check_not_ended(case, consent)
        if not party_may_decide(case, party):
            raise ConsentError(_("Den här personen är inte part i samtycket just nu."))
        _ensure_current(consent)
        previous = latest_decisions(consent).get(party.key)
        if previous is not None and previous.decision == decision:
            raise ConsentError(_("Det svaret är redan registrerat."))
        if decision == ConsentDecision.Decision.REVOKED:
            if previous is None or previous.decision != ConsentDecision.Decision.GRANTED:
                raise ConsentError(_("Det finns inget givet samtycke att ta tillbaka."))
        else:
            if not case.is_open:
                raise ConsentError(_("Samverkan är avslutad."))
            if is_expired(consent):
                raise ConsentError(_("Samtycket har gått ut. Samordnaren kan be om ett nytt."))
        row = ConsentDecision.objects.create(
            consent=consent,
            guardian_id=party.guardian_id,
            is_child=party.is_child,
            decision=decision,
            method=method,
            oral_to_id=oral_to_membership_id if method == ConsentDecision.Method.ORAL else None,
            recorded_by_id=viewer.user_id,
            note=(note or "").strip()[:300],
        )
        lost = grants_rebuild(case)
        if decision != ConsentDecision.Decision.GRANTED:
            from consent.reminders import family_reminders_cancel

            family_reminders_cancel(consent.series)
        audit.record(
            viewer=viewer,
            action=f"consent.{decision}",
            obj=consent,
            case_id=case.pk,
            data={
                "party": party.key,
                "method": method,
                "version": consent.version,
                "agencies_lost": sorted(lost),
            },
        )
        _notify_managers(case, f"consent.{decision}", consent)
    return row


def party_for_viewer(viewer: Viewer, case) -> Party | None:  # type: ignore[no-untyped-def]
    """The consent party the signed-in family member is for this case (whether or not
    their answer counts right now), or None."""
    from cases.models import Guardian

    if not viewer.is_family:
        return None
    if viewer.role == "child":
        return CHILD if case.child.user_id == viewer.user_id else None
    # A person may have several guardian records (one per collaboration an agency
    # registered on its own, DESIGN rule 17): the party is the one of this child.
    custodial = custodial_guardian_ids(case.child_id)
    with system_scope():
        guardian_id = (
            Guardian.objects.filter(user_id=viewer.user_id, pk__in=custodial).values_list("pk", flat=True).first()
        )
    if guardian_id is None:
        return None
    return Party(guardian_id=guardian_id)
