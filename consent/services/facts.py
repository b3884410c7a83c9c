"""The facts a consent decision depends on (parties, the child's say, the versions in
force), the grant index, and who may manage the consents of a case."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
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
    MaturityAssessment,
)

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
    the beat until done — see `consent.hooks`). Called explicitly."""
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
