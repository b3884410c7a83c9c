"""Writes on consent. Each service runs in one transaction that first locks the case row
(so two decisions on one case never interleave), appends immutable rows, rebuilds the
case's `ConsentGrant` index, writes the audit event and the notifications, and queues
side effects (withdrawn invitations, closed live connections) after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import in_force
from access.scoping import Viewer, system_scope
from consent import rules
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentGrant,
    ConsentScope,
    InformationCategory,
    MaturityAssessment,
)
from portal import audit

logger = logging.getLogger(__name__)

BASIC = "basic"


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

    @classmethod
    def from_key(cls, key: str) -> Party:
        return CHILD if key == rules.CHILD_PARTY else cls(guardian_id=int(key[2:]))


CHILD = Party()


# --------------------------------------------------------------------------------------
# Reading the facts a decision depends on (system scope: services check access first)
# --------------------------------------------------------------------------------------


def newest_versions_q() -> Any:
    """Filter for the version in force of each series (no newer version exists)."""
    return ~Exists(Consent._base_manager.filter(series=OuterRef("series"), version__gt=OuterRef("version")))


def current_versions(case_id: int) -> list[Consent]:
    """The version in force of each consent series of the case (one query)."""
    with system_scope():
        return list(Consent.objects.filter(newest_versions_q(), case_id=case_id).order_by("created_at", "id"))


def decisions_by_consent(consent_ids: Iterable[int]) -> dict[int, dict[str, ConsentDecision]]:
    """Each party's newest decision per consent version, by party key (one query)."""
    result: dict[int, dict[str, ConsentDecision]] = {}
    ids = list(consent_ids)
    if not ids:
        return result
    with system_scope():
        # Append-only: the highest id is the newest answer (decided_at may be back-dated on paper).
        rows = ConsentDecision.objects.filter(consent_id__in=ids).order_by("id")
        for decision in rows:
            key = rules.CHILD_PARTY if decision.is_child else f"g:{decision.guardian_id}"
            result.setdefault(decision.consent_id, {})[key] = decision
    return result


def latest_decisions(consent: Consent) -> dict[str, ConsentDecision]:
    """Each party's newest decision on this version, by party key."""
    return decisions_by_consent([consent.pk]).get(consent.pk, {})


def custodial_guardian_ids(child_id: int) -> frozenset[int]:
    from cases.models import Guardianship

    with system_scope():
        return frozenset(
            Guardianship.objects.filter(child_id=child_id, has_custody=True).values_list("guardian_id", flat=True)
        )


def child_bands(case) -> list[rules.Band]:  # type: ignore[no-untyped-def]
    """The child's levels of say over time (age defaults of the case's principal, or the
    newest staff maturity assessment)."""
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


def level_now(case) -> str:  # type: ignore[no-untyped-def]
    return rules.level_at(timezone.now(), child_bands(case))


def parties_now(case) -> rules.Parties:  # type: ignore[no-untyped-def]
    return rules.parties(level_now(case), custodial_guardian_ids(case.child_id))


def required_parties_now(case) -> list[Party]:  # type: ignore[no-untyped-def]
    """The parties whose agreement a consent for this case needs today."""
    return [Party.from_key(key) for key in sorted(parties_now(case).required)]


def party_may_decide(case, party: Party) -> bool:  # type: ignore[no-untyped-def]
    """A party whose answer counts now: a custodial guardian (until the child decides
    alone), or the child once they are asked."""
    return party.key in parties_now(case).all


def is_expired(consent: Consent) -> bool:
    return consent.valid_until < timezone.localdate()


# --------------------------------------------------------------------------------------
# The grant index
# --------------------------------------------------------------------------------------


def _effective_now(case_id: int) -> dict[int, set[str]]:
    """Agency id -> category codes it may see in the case right now."""
    now = timezone.now()
    result: dict[int, set[str]] = {}
    with system_scope():
        rows = ConsentGrant.objects.filter(in_force(now), case_id=case_id).values_list("agency_id", "category__code")
        for agency_id, code in rows:
            result.setdefault(agency_id, set()).add(code)
    return result


def grants_rebuild(case, *, reason: str = "consent") -> set[int]:  # type: ignore[no-untyped-def]
    """Recompute the case's effective grants from the immutable consent history.

    Call inside the caller's transaction, after locking the case. Returns the agencies
    that lost access to the collaboration (they held a grant and now hold none, or lost
    the basic category that gives the collaboration itself); an `AccessLoss` row for them
    is written in the caller's transaction, and carried out after commit. A version that
    has ended (the collaboration closed) grants nothing, even if the case were reopened.
    """
    from cases.models import Case

    with system_scope():
        before = _effective_now(case.pk)
        ConsentGrant.objects.filter(case_id=case.pk).delete()
        rows: list[ConsentGrant] = []
        fresh = Case.objects.select_related("child", "owner_agency__principal").get(pk=case.pk)
        if fresh.status == Case.Status.OPEN:
            band_list = child_bands(fresh)
            guardians = custodial_guardian_ids(fresh.child_id)
            consents = current_versions(fresh.pk)
            decisions = decisions_by_consent(c.pk for c in consents)
            scopes: dict[int, list[tuple[int, int]]] = {}
            for consent_id, agency_id, category_id in ConsentScope.objects.filter(
                consent_id__in=[c.pk for c in consents]
            ).values_list("consent_id", "agency_id", "category_id"):
                scopes.setdefault(consent_id, []).append((agency_id, category_id))
            for consent in consents:
                if consent.ended_at is not None:
                    continue
                periods = rules.effective_periods(
                    valid_from=consent.valid_from,
                    valid_until=consent.valid_until,
                    decisions={key: d.decision for key, d in decisions.get(consent.pk, {}).items()},
                    custodial_guardian_ids=guardians,
                    band_list=band_list,
                )
                for agency_id, category_id in scopes.get(consent.pk, []):
                    for starts, ends in periods:
                        rows.append(
                            ConsentGrant(
                                case_id=fresh.pk,
                                agency_id=agency_id,
                                category_id=category_id,
                                consent=consent,
                                starts_at=starts,
                                ends_at=ends,
                            )
                        )
        ConsentGrant.objects.bulk_create(rows)
        after = _effective_now(case.pk)
    lost = {
        agency_id
        for agency_id, codes in before.items()
        if not after.get(agency_id) or (BASIC in codes and BASIC not in after[agency_id])
    }
    if lost:
        announce_access_lost(case.pk, lost, reason=reason)
    return lost


def announce_access_lost(case_id: int, agency_ids: Iterable[int], *, reason: str = "consent") -> None:
    """Agencies lost access: write the `AccessLoss` row in the caller's transaction (their
    invitations are withdrawn and live connections closed right after commit, retried by
    the beat until done — see `consent.hooks`). Called explicitly (no signals as glue)."""
    from consent import hooks

    hooks.access_loss_record(case_id, agency_ids, reason=reason)


# --------------------------------------------------------------------------------------
# Who may manage consents of a case
# --------------------------------------------------------------------------------------


def manages(viewer: Viewer, case) -> bool:  # type: ignore[no-untyped-def]
    """The case's coordinator, or staff of the agency that opened it (Barnets bästa)."""
    from access import policy

    return viewer.is_staff and (policy.is_coordinator_of(viewer, case) or case.owner_agency_id == viewer.agency_id)


def _check_manages(viewer: Viewer, case) -> None:  # type: ignore[no-untyped-def]
    if not manages(viewer, case):
        raise ConsentError(_("Bara samordnaren eller barnets bästa-ansvarig kan hantera samtycken."))


def _lock_case(case_id: int):  # type: ignore[no-untyped-def]
    """Lock the case row for the rest of the transaction: consent writes on one case
    serialise, so a revocation can never be overwritten by a concurrent grant."""
    from cases.models import Case

    with system_scope():
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("child", "owner_agency__principal")
            .get(pk=case_id)
        )


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
    from notifications.services import notify

    users = family_user_ids(case, include_child=party_may_decide(case, CHILD))
    notify(
        recipients=[u for u in users if u != exclude],
        kind=kind,
        case=case,
        target_url=reverse("consent:family_detail", args=[consent.uuid]),
    )


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
    """Due rows 30 and 7 days before the consent runs out (delivered by notifications).
    Keyed by series: a narrowed version keeps the period and so the same reminders."""
    from notifications.services import reminder_schedule

    _start, ends = rules.period_of(consent.valid_from, consent.valid_until)
    recipients = [uid for uid in {case.coordinator_id, case.opened_by_id} if uid]
    for days in (30, 7):
        due = ends - timedelta(days=days)
        if due > timezone.now():
            reminder_schedule(
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
    from notifications.services import reminder_cancel

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
            reminder_cancel(key_prefix=f"consent:{end.series}:")
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
