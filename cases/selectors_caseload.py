"""The coordinator's caseload (cases.selectors re-exports these names): the viewer's open
collaborations with their next meeting, consents in force and waiting, overdue actions and
days since contact. Every read is for the viewer through `policy.visible_to`, and the page
costs a fixed number of queries whatever the number of collaborations.

The next meeting is the meetings app's: it provides the subquery (cases.sources, from
meetings.apps), so cases imports nothing of meetings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.policy import visible_to
from access.scoping import Viewer
from cases import sources
from cases.models import Case, Guardianship, PlanAction


def mine_q(viewer: Viewer) -> Q:
    """The viewer's own collaborations: those they coordinate, and those they opened as
    Barnets bästa-ansvarig and no one coordinates yet."""
    return Q(coordinator_id=viewer.user_id, coordinator_agency_id=viewer.agency_id) | Q(
        coordinator__isnull=True, opened_by_id=viewer.user_id, owner_agency_id=viewer.agency_id
    )


# --------------------------------------------------------------------------------------
# Consent summary (pure rules over a fixed set of reads)
# --------------------------------------------------------------------------------------


@dataclass
class ConsentSummary:
    in_force: int = 0
    waiting: int = 0


def consent_summaries(
    cases: Iterable[Case], *, viewer: Viewer, assessments: dict[int, str | None] | None = None
) -> dict[int, ConsentSummary]:
    """For each case: consents in force now, and consents waiting for an answer (the
    version in force has not ended, no party has said no, and someone whose answer is
    needed has not answered). Four queries for any number of cases, three when the caller
    has read each child's newest maturity level (`assessments`); the decision itself is
    `consent.rules`, the same pure rules the consent services use."""
    from consent import rules
    from consent.models import Consent, ConsentDecision, MaturityAssessment

    cases = list(cases)
    result = {case.pk: ConsentSummary() for case in cases}
    if not cases:
        return result
    case_ids = [case.pk for case in cases]
    child_ids = {case.child_id for case in cases}
    newest: dict[Any, Any] = {}
    for consent in (
        visible_to(Consent, viewer)
        .filter(case_id__in=case_ids)
        .values("pk", "case_id", "series", "version", "valid_from", "valid_until")
    ):
        if consent["series"] not in newest or newest[consent["series"]]["version"] < consent["version"]:
            newest[consent["series"]] = consent
    if not newest:
        return result
    decisions: dict[int, dict[str, str]] = defaultdict(dict)
    for answer in (
        visible_to(ConsentDecision, viewer)
        .filter(consent_id__in=[r["pk"] for r in newest.values()])
        .order_by("decided_at", "id")
        .values("consent_id", "guardian_id", "is_child", "decision")
    ):
        key = rules.CHILD_PARTY if answer["is_child"] else f"g:{answer['guardian_id']}"
        decisions[answer["consent_id"]][key] = answer["decision"]
    custodial: dict[int, set[int]] = defaultdict(set)
    guardianships = visible_to(Guardianship, viewer).filter(child_id__in=child_ids, has_custody=True)
    for child_id, guardian_id in guardianships.values_list("child_id", "guardian_id"):
        custodial[child_id].add(guardian_id)
    assessment: dict[int, str | None] = {}
    if assessments is not None and child_ids <= assessments.keys():
        assessment = assessments
    else:
        for child_id, level in (
            visible_to(MaturityAssessment, viewer)
            .filter(child_id__in=child_ids)
            .order_by("recorded_at", "id")
            .values_list("child_id", "level")
        ):
            assessment[child_id] = level
    now = timezone.now()
    today = timezone.localdate()
    by_id = {case.pk: case for case in cases}
    for row in newest.values():
        case = by_id[row["case_id"]]
        principal = case.owner_agency.principal
        band_list = rules.bands(
            born=case.child.date_of_birth,
            asked_age=principal.child_asked_from_age,
            decides_age=principal.child_decides_from_age,
            assessment=assessment.get(case.child_id),
        )
        guardians = frozenset(custodial[case.child_id])
        answers = decisions[row["pk"]]
        if rules.is_effective_at(
            now,
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            decisions=answers,
            custodial_guardian_ids=guardians,
            band_list=band_list,
        ):
            result[case.pk].in_force += 1
            continue
        if row["valid_until"] < today or any(a in {"refused", "revoked"} for a in answers.values()):
            continue
        required = rules.required_parties(rules.level_at(now, band_list), guardians)
        if any(party not in answers for party in required):
            result[case.pk].waiting += 1
    return result


# --------------------------------------------------------------------------------------
# The coordinator's caseload
# --------------------------------------------------------------------------------------

CASELOAD_SORTS = {
    "barn": ("child__first_name", "child__last_name"),
    "mote": ("next_meeting",),
    "samtycken": ("consents_waiting",),
    "forsenade": ("overdue_actions",),
    "kontakt": ("last_contact",),
}


@dataclass
class CaseloadRow:
    case: Case
    next_meeting: datetime | None
    overdue_actions: int
    consents_waiting: int
    consents_in_force: int
    days_since_contact: int
    contact_recorded: bool


def _caseload_queryset(viewer: Viewer) -> QuerySet[Case]:
    now = timezone.now()
    today = timezone.localdate()
    overdue = (
        visible_to(PlanAction, viewer)
        .filter(case_id=OuterRef("pk"), due_date__lt=today, status__in=PlanAction.OPEN_STATUSES)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        visible_to(Case, viewer)
        .filter(mine_q(viewer), status=Case.Status.OPEN)
        .select_related("child", "owner_agency__principal")
        .annotate(
            next_meeting=sources.next_meeting(viewer, now),
            overdue_actions=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
            last_contact=Coalesce("last_contact_at", "opened_at"),
            maturity_level=Subquery(newest_maturity_level(viewer)),
        )
    )


def newest_maturity_level(viewer: Viewer) -> QuerySet[Any]:
    """The level of the newest maturity assessment of the outer case's child that the
    viewer may see, as a subquery (the caseload's and the collaboration page's)."""
    from consent.models import MaturityAssessment

    return (
        visible_to(MaturityAssessment, viewer)
        .filter(child_id=OuterRef("child_id"))
        .order_by("-recorded_at", "-id")
        .values("level")[:1]
    )


CASELOAD_DESCENDING_BY_DEFAULT = {"samtycken", "forsenade", "kontakt"}


def caseload(*, viewer: Viewer, sort: str = "kontakt", descending: bool | None = None) -> list[CaseloadRow]:
    """All the viewer's open collaborations with next meeting, consents waiting, overdue
    actions and days since last contact. Four queries for any number of cases.

    `descending` None sorts each column the useful way first: most waiting, most overdue,
    longest since contact; names A–Ö; the soonest meeting first."""
    if not viewer.is_staff:
        return []
    cases = list(_caseload_queryset(viewer).order_by("opened_at", "id"))
    summaries = consent_summaries(
        cases,
        viewer=viewer,
        assessments={case.child_id: case.maturity_level for case in cases},  # type: ignore[attr-defined]
    )
    now = timezone.now()
    rows = [
        CaseloadRow(
            case=case,
            next_meeting=case.next_meeting,  # type: ignore[attr-defined]
            overdue_actions=case.overdue_actions,  # type: ignore[attr-defined]
            consents_waiting=summaries[case.pk].waiting,
            consents_in_force=summaries[case.pk].in_force,
            days_since_contact=max((now - case.last_contact).days, 0),  # type: ignore[attr-defined]
            contact_recorded=case.last_contact_at is not None,
        )
        for case in cases
    ]
    key_of = {
        "barn": lambda r: (r.case.child.first_name.lower(), r.case.child.last_name.lower()),
        # No meeting booked sorts last (ascending): the ones with a meeting soonest first.
        "mote": lambda r: (r.next_meeting is None, r.next_meeting or now),
        "samtycken": lambda r: (r.consents_waiting, r.days_since_contact),
        "forsenade": lambda r: (r.overdue_actions, r.days_since_contact),
        "kontakt": lambda r: (r.days_since_contact, r.overdue_actions),
    }
    if sort not in key_of:
        sort = "kontakt"
    if descending is None:
        descending = sort in CASELOAD_DESCENDING_BY_DEFAULT
    rows.sort(key=key_of[sort], reverse=descending)
    return rows


@dataclass
class CaseloadSummary:
    open_cases: int = 0
    overdue_actions: int = 0
    consents_waiting: int = 0
    without_contact_30_days: int = 0
    next_meetings: list[CaseloadRow] = field(default_factory=list)


def caseload_summary(*, viewer: Viewer) -> CaseloadSummary:
    rows = caseload(viewer=viewer)
    upcoming = sorted((r for r in rows if r.next_meeting), key=lambda r: r.next_meeting)  # type: ignore[arg-type,return-value]
    return CaseloadSummary(
        open_cases=len(rows),
        overdue_actions=sum(r.overdue_actions for r in rows),
        consents_waiting=sum(r.consents_waiting for r in rows),
        without_contact_30_days=sum(1 for r in rows if r.days_since_contact >= 30),
        next_meetings=upcoming[:3],
    )
