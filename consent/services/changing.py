"""Narrowing a consent, ending every consent when the collaboration closes, maturity
assessments and the expiry sweep."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import events
from access.scoping import Viewer, system_scope
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentScope,
    MaturityAssessment,
)
from consent.services.asking import (
    _ensure_current,
    _notify_family,
    _notify_managers,
    check_not_ended,
    party_for_viewer,
)
from consent.services.facts import (
    ConsentError,
    Party,
    _check_manages,
    _effective_now,
    _lock_case,
    announce_access_lost,
    current_versions,
    decisions_by_consent,
    grants_rebuild,
    latest_decisions,
    manages,
    newest_versions_q,
    party_may_decide,
)
from portal import audit


def _carried(
    decisions: Iterable[ConsentDecision], *, to: Consent, by_user_id: int | None, at, version: int
) -> list[ConsentDecision]:  # type: ignore[no-untyped-def]
    """The parties' latest answers carried over to a new version `to` of the consent."""
    return [
        ConsentDecision(
            consent=to,
            guardian_id=old.guardian_id,
            is_child=old.is_child,
            decision=old.decision,
            method=ConsentDecision.Method.CARRIED,
            recorded_by_id=by_user_id,
            decided_at=at,
            note=f"v{version}",
        )
        for old in decisions
    ]


def consent_narrow(
    *,
    viewer: Viewer,
    consent: Consent,
    remove: Iterable[tuple[int, int]],
    party: Party | None = None,
) -> Consent:
    """Narrow a consent (e.g. the school may not see health information): a new version
    without the removed (agency, category) pairs. Narrowing never widens, so the parties'
    decisions carry over to the new version. A family member narrows as a party whose
    answer counts; staff who manage the case narrow on the family's word."""
    remove_set = {(int(a), int(c)) for a, c in remove}
    with transaction.atomic(), system_scope():
        case = _lock_case(consent.case_id)
        if viewer.is_family:
            party = party_for_viewer(viewer, case)
            if party is None or not party_may_decide(case, party):
                raise ConsentError(_("Du kan bara ändra samtycken där ditt svar räknas."))
        else:
            _check_manages(viewer, case)
            party = None
        check_not_ended(case, consent)
        _ensure_current(consent)
        scopes = list(ConsentScope.objects.filter(consent=consent).values_list("agency_id", "category_id"))
        removed = sorted(remove_set & set(scopes))
        keep = [pair for pair in scopes if pair not in remove_set]
        if not removed:
            raise ConsentError(_("Välj något att ta bort."))
        if not keep:
            raise ConsentError(_("Om inget ska delas: ta tillbaka samtycket i stället."))
        new = Consent.objects.create(
            series=consent.series,
            version=consent.version + 1,
            case=case,
            purpose=consent.purpose,
            valid_from=consent.valid_from,
            valid_until=consent.valid_until,
            created_by_id=viewer.user_id,
            created_by_agency_id=viewer.agency_id,
            change_note=_("Begränsat"),
        )
        ConsentScope.objects.bulk_create([ConsentScope(consent=new, agency_id=a, category_id=c) for a, c in keep])
        now = timezone.now()
        ConsentDecision.objects.bulk_create(
            _carried(
                latest_decisions(consent).values(), to=new, by_user_id=viewer.user_id, at=now, version=consent.version
            )
        )
        lost = grants_rebuild(case)
        audit.record(
            viewer=viewer,
            action="consent.narrowed",
            obj=new,
            case_id=case.pk,
            data={
                "removed": [list(pair) for pair in removed],
                "version": new.version,
                "party": party.key if party else None,
                "agencies_lost": sorted(lost),
            },
        )
        _notify_managers(case, "consent.narrowed", new)
        _notify_family(case, new, "consent.narrowed", exclude=viewer.user_id)
    return new


def consents_end_on_close(*, viewer: Viewer, case) -> list[Consent]:  # type: ignore[no-untyped-def]
    """The collaboration has closed (DESIGN rule 18): every consent of it ends now.

    Call inside the closing transaction, after the case row is locked and marked closed.
    Each series whose version in force has not already ended or expired gets a last
    version with `ended_at` and `end_reason` "case_closed" — the same scope, the parties'
    answers carried over — so the ending is history, not an overwrite. A pending request
    (still waiting for answers) is withdrawn the same way, and open one-time codes for the
    case's consents die, so answering afterwards is refused and sends no code. Expiry
    reminders are cancelled, the grant index is rebuilt (the agencies that lose access get
    their `AccessLoss` row) and one `consent.ended` audit event is written per consent.
    Returns the ending versions.
    """
    from consent.models import DecisionCode

    if case.is_open:
        raise ConsentError(_("Samverkan är inte avslutad."))
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic(), system_scope():
        current = [c for c in current_versions(case.pk) if c.ended_at is None and c.valid_until >= today]
        ids = [c.pk for c in current]
        decisions = decisions_by_consent(ids)
        scopes: dict[int, list[tuple[int, int]]] = {}
        for consent_id, agency_id, category_id in ConsentScope.objects.filter(consent_id__in=ids).values_list(
            "consent_id", "agency_id", "category_id"
        ):
            scopes.setdefault(consent_id, []).append((agency_id, category_id))
        note = str(Consent.EndReason.CASE_CLOSED.label)
        ended: list[Consent] = []
        new_scopes: list[ConsentScope] = []
        carried: list[ConsentDecision] = []
        for consent in current:
            end = Consent.objects.create(
                series=consent.series,
                version=consent.version + 1,
                case_id=case.pk,
                purpose=consent.purpose,
                valid_from=consent.valid_from,
                valid_until=consent.valid_until,
                created_by_id=viewer.user_id,
                created_by_agency_id=viewer.agency_id,
                created_at=now,
                change_note=note,
                ended_at=now,
                end_reason=Consent.EndReason.CASE_CLOSED,
            )
            ended.append(end)
            new_scopes += [ConsentScope(consent=end, agency_id=a, category_id=c) for a, c in scopes.get(consent.pk, [])]
            carried += _carried(
                decisions.get(consent.pk, {}).values(),
                to=end,
                by_user_id=viewer.user_id,
                at=now,
                version=consent.version,
            )
        ConsentScope.objects.bulk_create(new_scopes)
        ConsentDecision.objects.bulk_create(carried)
        DecisionCode.objects.filter(consent__case_id=case.pk, used_at__isnull=True).update(used_at=now)
        for end in ended:
            events.announce(events.reminders_cancelled, sender="consent", key_prefix=f"consent:{end.series}:")
        lost = grants_rebuild(case, reason="closed")
        for end in ended:
            audit.record(
                viewer=viewer,
                action="consent.ended",
                obj=end,
                case_id=case.pk,
                data={
                    "reason": Consent.EndReason.CASE_CLOSED.value,
                    "version": end.version,
                    "agencies_lost": sorted(lost),
                },
            )
    return ended


def maturity_assess(*, viewer: Viewer, child, level: str, reason: str) -> MaturityAssessment:  # type: ignore[no-untyped-def]
    """Staff who manage one of the child's open collaborations record an individual
    maturity assessment; it replaces the age defaults from now on."""
    from cases.models import Case

    if level not in MaturityAssessment.Level.values:
        raise ConsentError(_("Okänd nivå."))
    reason = (reason or "").strip()
    if not reason:
        raise ConsentError(_("Skriv en motivering till bedömningen."))
    with system_scope():
        case_ids = list(Case.objects.filter(child=child, status=Case.Status.OPEN).values_list("pk", flat=True))
    with transaction.atomic(), system_scope():
        cases = [_lock_case(pk) for pk in sorted(case_ids)]
        if not any(manages(viewer, c) for c in cases):
            raise ConsentError(_("Bara samordnaren eller barnets bästa-ansvarig kan göra bedömningen."))
        row = MaturityAssessment.objects.create(
            child=child,
            level=level,
            reason=reason,
            recorded_by_id=viewer.user_id,
            recorded_by_agency_id=viewer.agency_id,
        )
        for case in cases:
            lost = grants_rebuild(case)
            audit.record(
                viewer=viewer,
                action="consent.maturity_assessed",
                obj=row,
                case_id=case.pk,
                data={"level": level, "agencies_lost": sorted(lost)},
            )
    return row


def record_expired(*, now: datetime | None = None) -> int:
    """Write a `consent.expired` audit event once for each version in force whose period
    has ended, and close live connections of agencies that so lost access (scheduled
    hourly). Access itself already stops by time in the grant index. Fixed queries per
    run plus one per newly expired consent."""
    from portal.models import AuditEvent

    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    with system_scope():
        candidates = list(Consent.objects.filter(newest_versions_q(), valid_until__lt=today))
        if not candidates:
            return 0
        done = set(
            AuditEvent.objects.filter(
                action="consent.expired", object_id__in=[str(c.uuid) for c in candidates]
            ).values_list("object_id", flat=True)
        )
        for consent in candidates:
            if str(consent.uuid) in done:
                continue
            with transaction.atomic():
                audit.record(
                    viewer=None,
                    action="consent.expired",
                    obj=consent,
                    case_id=consent.case_id,
                    data={"version": consent.version},
                )
                recipients = set(
                    ConsentScope.objects.filter(consent=consent).values_list("agency_id", flat=True)
                ) - set(_effective_now(consent.case_id))
                if recipients:
                    announce_access_lost(consent.case_id, recipients, reason="expired")
            count += 1
    return count
