"""Writes on consent. Each service runs in one transaction that first locks the case row
(so two decisions on one case never interleave), appends immutable rows, rebuilds the
case's `ConsentGrant` index, writes the audit event and the notifications, and queues
side effects (withdrawn invitations, closed live connections) after commit.

The package re-exports every service: callers import `from consent import services`.
Its private helpers too (`as` aliases), as before the split: consent.stepup uses some.
"""

from __future__ import annotations

from consent.services.asking import _check_is_party as _check_is_party
from consent.services.asking import _ensure_current as _ensure_current
from consent.services.asking import _notify_family as _notify_family
from consent.services.asking import _notify_managers as _notify_managers
from consent.services.asking import _schedule_expiry_reminders as _schedule_expiry_reminders
from consent.services.asking import (
    check_not_ended,
    consent_request,
    decision_record,
    ended_message,
    family_user_ids,
    party_for_viewer,
    team_agency_ids,
)
from consent.services.changing import _carried as _carried
from consent.services.changing import (
    consent_narrow,
    consents_end_on_close,
    maturity_assess,
    record_expired,
)
from consent.services.facts import (
    BASIC,
    CHILD,
    ConsentError,
    Party,
    announce_access_lost,
    child_bands,
    current_versions,
    custodial_guardian_ids,
    decisions_by_consent,
    grants_rebuild,
    is_expired,
    latest_decisions,
    level_now,
    manages,
    newest_versions_q,
    parties_now,
    party_may_decide,
    required_parties_now,
)
from consent.services.facts import _check_manages as _check_manages
from consent.services.facts import _effective_now as _effective_now
from consent.services.facts import _lock_case as _lock_case

__all__ = [
    "BASIC",
    "CHILD",
    "ConsentError",
    "Party",
    "announce_access_lost",
    "check_not_ended",
    "child_bands",
    "consent_narrow",
    "consent_request",
    "consents_end_on_close",
    "current_versions",
    "custodial_guardian_ids",
    "decision_record",
    "decisions_by_consent",
    "ended_message",
    "family_user_ids",
    "grants_rebuild",
    "is_expired",
    "latest_decisions",
    "level_now",
    "manages",
    "maturity_assess",
    "newest_versions_q",
    "parties_now",
    "party_for_viewer",
    "party_may_decide",
    "record_expired",
    "required_parties_now",
    "team_agency_ids",
]
