"""Writes on consent. Each service runs in one transaction: it appends immutable rows,
rebuilds the case's `ConsentGrant` index, writes the audit event and the notifications,
and queues side effects (withdrawn invitations, closed live connections) after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consent import rules
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentGrant,
    ConsentScope,
    InformationCategory,
    MaturityAssessment,
)
from consent.scoping import Viewer, system_scope
from portal import audit


class ConsentError(Exception):
    """A request the consent services refuse; the message is shown as it is."""


@dataclass(frozen=True)
class Party:
    """A consent party: a guardian (by id) or the child."""

    guardian_id: int | None = None

    @property
    def is_child(self) -> bool:
        return self.guardian_id is None

    @property
    def key(self) -> str:
        return rules.CHILD_PARTY if self.guardian_id is None else f"g:{self.guardian_id}"


CHILD = Party()


# --------------------------------------------------------------------------------------
# Reading the facts a decision depends on (system scope: services check access first)
# --------------------------------------------------------------------------------------


def current_versions(case_id: int) -> list[Consent]:
    """The version in force of each consent series of the case."""
    with system_scope():
        newest = (
            Consent.objects.filter(case_id=case_id)
            .values("series")
            .annotate(v=Max("version"))
            .values_list("series", "v")
        )
        pairs = list(newest)
        if not pairs:
            return []
        from django.db.models import Q

        where = Q()
        for series, version in pairs:
            where |= Q(series=series, version=version)
        return list(Consent.objects.filter(where).order_by("created_at"))


def latest_decisions(consent: Consent) -> dict[str, ConsentDecision]:
    """Each party's newest decision on this version, by party key."""
    with system_scope():
        result: dict[str, ConsentDecision] = {}
        for decision in ConsentDecision.objects.filter(consent=consent).order_by("decided_at", "id"):
            key = rules.CHILD_PARTY if decision.is_child else f"g:{decision.guardian_id}"
            result[key] = decision
        return result


def custodial_guardian_ids(child_id: int) -> frozenset[int]:
    from cases.models import Guardianship

    with system_scope():
        return frozenset(
            Guardianship.objects.filter(child_id=child_id, has_custody=True).values_list("guardian_id", flat=True)
        )


def child_bands(case) -> list[rules.Band]:  # type: ignore[no-untyped-def]
    with system_scope():
        child = case.child
        principal = case.owner_agency.principal
        assessment = (
            MaturityAssessment.objects.filter(child_id=child.pk)
            .order_by("-recorded_at", "-id")
            .values_list("level", flat=True)
            .first()
        )
    return rules.bands(
        born=child.date_of_birth,
        asked_age=principal.child_asked_from_age,
        decides_age=principal.child_decides_from_age,
        assessment=assessment,
    )


def required_parties_now(case) -> list[Party]:  # type: ignore[no-untyped-def]
    """The parties whose agreement a consent for this case needs today."""
    level = rules.level_at(timezone.now(), child_bands(case))
    keys = rules.required_parties(level, custodial_guardian_ids(case.child_id))
    return [CHILD if key == rules.CHILD_PARTY else Party(guardian_id=int(key[2:])) for key in sorted(keys)]


def party_may_decide(case, party: Party) -> bool:  # type: ignore[no-untyped-def]
    """A party who may record a decision now: a custodial guardian, or the child once asked."""
    if party.is_child:
        return rules.level_at(timezone.now(), child_bands(case)) in {rules.JOINT, rules.CHILD}
    return party.guardian_id in custodial_guardian_ids(case.child_id)


# --------------------------------------------------------------------------------------
# The grant index
# --------------------------------------------------------------------------------------


def _effective_agencies_now(case_id: int) -> set[int]:
    now = timezone.now()
    with system_scope():
        return set(
            ConsentGrant.objects.filter(case_id=case_id, starts_at__lte=now, ends_at__gt=now).values_list(
                "agency_id", flat=True
            )
        )


def grants_rebuild(case) -> set[int]:  # type: ignore[no-untyped-def]
    """Recompute the case's effective grants from the immutable consent history.

    Returns the agencies that had an effective grant before and have none now (their
    invitations are withdrawn and live connections closed after commit).
    """
    from cases.models import Case

    with system_scope():
        before = _effective_agencies_now(case.pk)
        ConsentGrant.objects.filter(case_id=case.pk).delete()
        rows: list[ConsentGrant] = []
        fresh = Case.objects.select_related("child", "owner_agency__principal").get(pk=case.pk)
        if fresh.status == Case.Status.OPEN:
            band_list = child_bands(fresh)
            guardians = custodial_guardian_ids(fresh.child_id)
            for consent in current_versions(fresh.pk):
                decisions = {key: d.decision for key, d in latest_decisions(consent).items()}
                periods = rules.effective_periods(
                    valid_from=consent.valid_from,
                    valid_until=consent.valid_until,
                    decisions=decisions,
                    custodial_guardian_ids=guardians,
                    band_list=band_list,
                )
                if not periods:
                    continue
                for scope_row in ConsentScope.objects.filter(consent=consent):
                    for starts, ends in periods:
                        rows.append(
                            ConsentGrant(
                                case_id=fresh.pk,
                                agency_id=scope_row.agency_id,
                                category_id=scope_row.category_id,
                                consent=consent,
                                starts_at=starts,
                                ends_at=ends,
                            )
                        )
        ConsentGrant.objects.bulk_create(rows)
        after = _effective_agencies_now(case.pk)
    lost = before - after
    if lost:
        case_id = case.pk
        transaction.on_commit(lambda: _access_lost(case_id, lost))
    return lost


def _access_lost(case_id: int, agency_ids: set[int]) -> None:
    """After commit: withdraw invitations and close live connections of agencies that
    lost access. Each step is called explicitly (no signals as glue)."""
    from meetings import services as meeting_services

    hook = getattr(meeting_services, "access_lost", None)
    if hook is not None:
        hook(case_id=case_id, agency_ids=sorted(agency_ids))


# --------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------


def _check_manages(viewer: Viewer, case) -> None:  # type: ignore[no-untyped-def]
    from consent import policy

    if not viewer.is_staff or not (policy.is_coordinator_of(viewer, case) or case.owner_agency_id == viewer.agency_id):
        raise ConsentError(_("Bara samordnaren eller barnets bästa-ansvarig kan hantera samtycken."))


def _notify_family(case, consent: Consent, kind: str) -> None:  # type: ignore[no-untyped-def]
    from cases.models import Child, Guardianship
    from notifications.services import notify

    with system_scope():
        users = list(
            Guardianship.objects.filter(
                child_id=case.child_id, has_custody=True, guardian__user__isnull=False
            ).values_list("guardian__user_id", flat=True)
        )
        child_user = Child.objects.filter(pk=case.child_id).values_list("user_id", flat=True).first()
    if child_user and party_may_decide(case, CHILD):
        users.append(child_user)
    notify(recipients=users, kind=kind, case=case, target_url=reverse("consent:family_detail", args=[consent.uuid]))


def _notify_managers(case, kind: str, consent: Consent) -> None:  # type: ignore[no-untyped-def]
    from notifications.services import notify

    recipients = [uid for uid in {case.coordinator_id, case.opened_by_id} if uid]
    agency_id = case.coordinator_agency_id or case.owner_agency_id
    notify(
        recipients=recipients,
        kind=kind,
        case=case,
        agency_id=agency_id,
        target_url=reverse("consent:staff_detail", args=[consent.uuid]),
    )


def _schedule_expiry_reminders(case, consent: Consent) -> None:  # type: ignore[no-untyped-def]
    from notifications.services import reminder_schedule

    ends = rules.local_midnight(consent.valid_until + timedelta(days=1))
    recipients = [uid for uid in {case.coordinator_id, case.opened_by_id} if uid]
    for days in (30, 7):
        due = ends - timedelta(days=days)
        if due > timezone.now():
            reminder_schedule(
                key=f"consent:{consent.series}:v{consent.version}:expiring:{days}",
                kind="consent.expiring",
                due_at=due,
                recipient_ids=recipients,
                case=case,
                agency_id=case.coordinator_agency_id or case.owner_agency_id,
                target_url=reverse("consent:staff_detail", args=[consent.uuid]),
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
    """The coordinator asks the family for a consent: recipients × categories, a purpose
    and a period (default: from today, 12 months or the principal's default)."""
    _check_manages(viewer, case)
    if not case.is_open:
        raise ConsentError(_("Samverkan är avslutad."))
    purpose = (purpose or "").strip()
    agencies = sorted(set(agency_ids))
    categories = sorted(set(category_ids))
    if not purpose:
        raise ConsentError(_("Skriv syftet med samtycket."))
    if not agencies or not categories:
        raise ConsentError(_("Välj minst en verksamhet och minst en sorts uppgifter."))
    from agencies.models import Agency

    if Agency.objects.filter(pk__in=agencies, is_active=True).count() != len(agencies):
        raise ConsentError(_("Okänd verksamhet."))
    if InformationCategory.objects.filter(pk__in=categories, is_active=True).count() != len(categories):
        raise ConsentError(_("Okänd sorts uppgifter."))
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_until is None:
        months = case.owner_agency.principal.consent_default_months
        valid_until = valid_from + relativedelta(months=months) - timedelta(days=1)
    if valid_until < valid_from:
        raise ConsentError(_("Slutdatum kan inte vara före startdatum."))
    with transaction.atomic(), system_scope():
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
            data={"agencies": agencies, "categories": categories},
        )
        _notify_family(case, consent, "consent.requested")
        _schedule_expiry_reminders(case, consent)
    return consent


def _ensure_current(consent: Consent) -> None:
    with system_scope():
        newer = Consent.objects.filter(series=consent.series, version__gt=consent.version).exists()
    if newer:
        raise ConsentError(_("Samtycket har ändrats. Öppna den senaste versionen."))


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
    """Record a party's decision (granted / refused / revoked).

    In the portal the party decides for themself (the caller has checked a fresh one-time
    code). On paper or orally, staff who manage the case record it, naming who received an
    oral consent. Effect is immediate: the grant index is rebuilt in the same transaction.
    """
    from cases.models import Case

    if decision not in ConsentDecision.Decision.values:
        raise ConsentError(_("Okänt beslut."))
    if method not in {ConsentDecision.Method.PORTAL, ConsentDecision.Method.PAPER, ConsentDecision.Method.ORAL}:
        raise ConsentError(_("Okänt sätt att lämna samtycke."))
    with system_scope():
        case = Case.objects.select_related("child", "owner_agency__principal").get(pk=consent.case_id)
    if method == ConsentDecision.Method.PORTAL:
        if not viewer.is_family:
            raise ConsentError(_("I portalen lämnar familjen själv sitt samtycke."))
        _check_is_party(viewer, case, party)
    else:
        _check_manages(viewer, case)
        if method == ConsentDecision.Method.ORAL and not oral_to_membership_id:
            raise ConsentError(_("Ange vem i personalen som tog emot det muntliga samtycket."))
    if not party_may_decide(case, party):
        raise ConsentError(_("Den här personen är inte part i samtycket."))
    _ensure_current(consent)
    previous = latest_decisions(consent).get(party.key)
    if decision == ConsentDecision.Decision.REVOKED and (previous is None or previous.decision != "granted"):
        raise ConsentError(_("Det finns inget givet samtycke att ta tillbaka."))
    if decision == ConsentDecision.Decision.GRANTED and not case.is_open:
        raise ConsentError(_("Samverkan är avslutad."))
    with transaction.atomic(), system_scope():
        if method == ConsentDecision.Method.ORAL:
            from agencies.models import Membership

            if not Membership.objects.filter(
                pk=oral_to_membership_id, agency_id=viewer.agency_id, is_active=True
            ).exists():
                raise ConsentError(_("Den som tog emot samtycket måste vara personal i din verksamhet."))
        row = ConsentDecision.objects.create(
            consent=consent,
            guardian_id=party.guardian_id,
            is_child=party.is_child,
            decision=decision,
            method=method,
            oral_to_id=oral_to_membership_id if method == ConsentDecision.Method.ORAL else None,
            recorded_by_id=viewer.user_id,
            note=note.strip()[:300],
        )
        grants_rebuild(case)
        audit.record(
            viewer=viewer,
            action=f"consent.{decision}",
            obj=consent,
            case_id=case.pk,
            data={"party": party.key, "method": method, "version": consent.version},
        )
        _notify_managers(case, f"consent.{decision}", consent)
    return row


def _check_is_party(viewer: Viewer, case, party: Party) -> None:  # type: ignore[no-untyped-def]
    from cases.models import Guardian

    with system_scope():
        if party.is_child:
            ok = case.child.user_id is not None and case.child.user_id == viewer.user_id
        else:
            ok = Guardian.objects.filter(pk=party.guardian_id, user_id=viewer.user_id).exists()
    if not ok:
        raise ConsentError(_("Du kan bara svara för dig själv."))


def party_for_viewer(viewer: Viewer, case) -> Party | None:  # type: ignore[no-untyped-def]
    """The consent party the signed-in family member is, for this case."""
    from cases.models import Guardian

    if not viewer.is_family:
        return None
    if viewer.role == "child":
        return CHILD if case.child.user_id == viewer.user_id else None
    with system_scope():
        guardian_id = Guardian.objects.filter(user_id=viewer.user_id).values_list("pk", flat=True).first()
    if guardian_id is None or guardian_id not in custodial_guardian_ids(case.child_id):
        return None
    return Party(guardian_id=guardian_id)


def consent_narrow(
    *,
    viewer: Viewer,
    consent: Consent,
    remove: Iterable[tuple[int, int]],
    party: Party | None = None,
) -> Consent:
    """Narrow a consent (e.g. the school may not see health information): a new version
    without the removed (agency, category) pairs. Narrowing never widens, so the parties'
    decisions carry over to the new version."""
    from cases.models import Case

    remove_set = set(remove)
    with system_scope():
        case = Case.objects.select_related("child", "owner_agency__principal").get(pk=consent.case_id)
        scopes = list(ConsentScope.objects.filter(consent=consent).values_list("agency_id", "category_id"))
    if viewer.is_family:
        party = party_for_viewer(viewer, case)
        if party is None:
            raise ConsentError(_("Du kan bara ändra samtycken för ditt eget barn."))
    else:
        _check_manages(viewer, case)
    _ensure_current(consent)
    keep = [pair for pair in scopes if pair not in remove_set]
    if not remove_set & set(scopes):
        raise ConsentError(_("Välj något att ta bort."))
    if not keep:
        raise ConsentError(_("Om inget ska delas: ta tillbaka samtycket i stället."))
    with transaction.atomic(), system_scope():
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
        ConsentDecision.objects.bulk_create(
            [
                ConsentDecision(
                    consent=new,
                    guardian_id=old.guardian_id,
                    is_child=old.is_child,
                    decision=old.decision,
                    method=ConsentDecision.Method.CARRIED,
                    recorded_by_id=viewer.user_id,
                    decided_at=timezone.now(),
                    note=f"v{consent.version}",
                )
                for old in latest_decisions(consent).values()
            ]
        )
        grants_rebuild(case)
        audit.record(
            viewer=viewer,
            action="consent.narrowed",
            obj=new,
            case_id=case.pk,
            data={
                "removed": sorted(remove_set & set(scopes)),
                "version": new.version,
                "party": party.key if party else None,
            },
        )
        _notify_managers(case, "consent.narrowed", new)
    return new


def maturity_assess(*, viewer: Viewer, child, level: str, reason: str) -> MaturityAssessment:  # type: ignore[no-untyped-def]
    """Staff record an individual maturity assessment; it replaces the age defaults."""
    from cases.models import Case

    if level not in MaturityAssessment.Level.values:
        raise ConsentError(_("Okänd nivå."))
    if not reason.strip():
        raise ConsentError(_("Skriv en motivering till bedömningen."))
    with system_scope():
        cases = list(Case.objects.filter(child=child, status=Case.Status.OPEN))
    if not viewer.is_staff or not any(
        c.owner_agency_id == viewer.agency_id or c.coordinator_agency_id == viewer.agency_id for c in cases
    ):
        raise ConsentError(_("Bara samordnaren eller barnets bästa-ansvarig kan göra bedömningen."))
    with transaction.atomic(), system_scope():
        row = MaturityAssessment.objects.create(
            child=child,
            level=level,
            reason=reason.strip(),
            recorded_by_id=viewer.user_id,
            recorded_by_agency_id=viewer.agency_id,
        )
        for case in cases:
            grants_rebuild(case)
        audit.record(viewer=viewer, action="consent.maturity_assessed", obj=row, data={"level": level})
    return row


def record_expired(*, now: datetime | None = None) -> int:
    """Write a `consent.expired` audit event once for each version in force whose period
    has ended (scheduled hourly). Access already stops by time in the grant index."""
    from portal.models import AuditEvent

    now = now or timezone.now()
    count = 0
    with system_scope():
        ended_before = timezone.localdate(now)
        candidates = Consent.objects.filter(valid_until__lt=ended_before)
        for consent in candidates.iterator():
            if Consent.objects.filter(series=consent.series, version__gt=consent.version).exists():
                continue
            if AuditEvent.objects.filter(action="consent.expired", object_id=str(consent.uuid)).exists():
                continue
            audit.record(
                viewer=None,
                action="consent.expired",
                obj=consent,
                case_id=consent.case_id,
                data={"version": consent.version},
            )
            count += 1
    return count
