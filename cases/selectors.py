"""Reads of collaborations. Every function takes the viewer and returns only what the
policy allows: the scoped managers restrict each query (the middleware, or the caller,
has entered the viewer's scope). Each runs a fixed number of queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from access.policy import visible_to
from access.scoping import Viewer, system_scope
from cases.models import (
    Case,
    CoordinatorAppointment,
    ExternalContact,
    FamilyMember,
    Guardianship,
    LifeArea,
    MappingEntry,
    Plan,
    PlanAction,
    PlanChange,
    PlanGoal,
    SharedItem,
    TeamMember,
)
from consent.models import CategoryDefault, InformationCategory

# --------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------


def case_list(*, viewer: Viewer, include_closed: bool = False) -> QuerySet[Case]:
    """Every collaboration the viewer may see (never with personal identity numbers)."""
    queryset = Case.objects.select_related("child", "owner_agency", "coordinator", "coordinator_agency")
    if not include_closed:
        queryset = queryset.filter(status=Case.Status.OPEN)
    return queryset.order_by("-opened_at")


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
    from meetings.models import Meeting

    now = timezone.now()
    today = timezone.localdate()
    next_meeting = (
        Meeting.objects.filter(case_id=OuterRef("pk"), starts_at__gte=now, status=Meeting.Status.PLANNED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    overdue = (
        PlanAction.objects.filter(case_id=OuterRef("pk"), due_date__lt=today, status__in=PlanAction.OPEN_STATUSES)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Case.objects.filter(mine_q(viewer), status=Case.Status.OPEN)
        .select_related("child", "owner_agency__principal")
        .annotate(
            next_meeting=Subquery(next_meeting),
            overdue_actions=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
            last_contact=Coalesce("last_contact_at", "opened_at"),
            maturity_level=Subquery(_newest_maturity_level()),
        )
    )


def _newest_maturity_level() -> QuerySet[Any]:
    """The level of the newest maturity assessment of the outer case's child (scoped: the
    policy restricts it as it restricts a read of the assessments)."""
    from consent.models import MaturityAssessment

    return (
        MaturityAssessment.objects.filter(child_id=OuterRef("child_id"))
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


# --------------------------------------------------------------------------------------
# The collaboration page (hub)
# --------------------------------------------------------------------------------------


def case_get_queryset(*, viewer: Viewer) -> QuerySet[Case]:
    return visible_to(Case, viewer).select_related(
        "child", "owner_agency__principal", "coordinator", "coordinator_agency", "opened_by"
    )


def case_hub_queryset(*, viewer: Viewer) -> QuerySet[Case]:
    """The collaboration for its page, in the one query that finds it: also the counts of
    the plan's actions the viewer may see (`plan_counts`), the child's newest maturity
    assessment level (`maturity_level`, for the consent cards) and the page's panel reads
    (`cases.selectors_hub`). All are subqueries of the scoped managers, so the policy
    restricts them as it restricts their own reads."""
    from cases.selectors_hub import hub_annotations

    today = timezone.localdate()
    open_statuses = list(PlanAction.OPEN_STATUSES)
    counts = (
        PlanAction.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(
            counts=JSONObject(
                total=Count("pk"),
                done=Count("pk", filter=Q(status=PlanAction.Status.DONE)),
                open=Count("pk", filter=Q(status__in=open_statuses)),
                overdue=Count("pk", filter=Q(status__in=open_statuses, due_date__lt=today)),
            )
        )
        .values("counts")
    )
    return case_get_queryset(viewer=viewer).annotate(
        plan_counts_json=Subquery(counts, output_field=JSONField()),
        maturity_level=Subquery(_newest_maturity_level()),
        **hub_annotations(viewer=viewer),
    )


PLAN_COUNT_KEYS = ("total", "done", "open", "overdue")


def hub_plan_counts(case: Case) -> dict[str, int]:
    """`plan_counts` of a case read through `case_hub_queryset` (no query)."""
    counts = getattr(case, "plan_counts_json", None) or {}
    return {key: int(counts.get(key) or 0) for key in PLAN_COUNT_KEYS}


def appointments(case: Case, *, viewer: Viewer) -> list[CoordinatorAppointment]:
    """The whole appointment history, oldest first."""
    return list(
        visible_to(CoordinatorAppointment, viewer)
        .filter(case=case)
        .select_related("coordinator", "coordinator_agency", "wished_person", "appointed_by", "handed_over_by")
    )


def guardianships(case: Case, *, viewer: Viewer) -> list[Guardianship]:
    return list(
        visible_to(Guardianship, viewer)
        .filter(child_id=case.child_id)
        .select_related("guardian")
        .order_by("-has_custody", "guardian__first_name", "id")
    )


def team(case: Case, *, viewer: Viewer, include_left: bool = False) -> list[TeamMember]:
    queryset = visible_to(TeamMember, viewer).filter(case=case).select_related("agency__principal", "contact__user")
    if not include_left:
        queryset = queryset.filter(left_at__isnull=True)
    return list(queryset.order_by("added_at", "id"))


def external_contacts(case: Case, *, viewer: Viewer) -> list[ExternalContact]:
    return list(visible_to(ExternalContact, viewer).filter(case=case, removed_at__isnull=True))


def family_members(case: Case, *, viewer: Viewer) -> list[FamilyMember]:
    return list(visible_to(FamilyMember, viewer).filter(case=case).select_related("author_agency"))


def shared_items(case: Case, *, viewer: Viewer) -> list[SharedItem]:
    return list(visible_to(SharedItem, viewer).filter(case=case).select_related("category", "author_agency"))


def plan_counts(case: Case, *, viewer: Viewer) -> dict[str, int]:
    today = timezone.localdate()
    actions = visible_to(PlanAction, viewer).filter(case=case)
    return actions.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=PlanAction.Status.DONE)),
        open=Count("pk", filter=Q(status__in=PlanAction.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=PlanAction.OPEN_STATUSES, due_date__lt=today)),
    )


# --------------------------------------------------------------------------------------
# Mapping and plan
# --------------------------------------------------------------------------------------


def mapping_entries(case: Case, *, viewer: Viewer) -> list[MappingEntry]:
    """The mapping rows of `case` the viewer may see: each row is read under its
    own category, so a row of a category the viewer's agency has no consent for is simply
    absent (no count, no placeholder)."""
    return list(
        visible_to(MappingEntry, viewer)
        .filter(case=case)
        .select_related("author_agency", "written_by_guardian", "category")
    )


def mapping_category_defaults() -> list[tuple[str, str, InformationCategory | None]]:
    """(area, area label, default category) for every life area, for the writer to see."""
    table = CategoryDefault.table(CategoryDefault.LIFE_AREA)
    return [(value, str(label), table.get(value)) for value, label in LifeArea.choices]


def active_categories() -> list[InformationCategory]:
    return list(InformationCategory.objects.filter(is_active=True))


@dataclass
class PlanOverview:
    plan: Plan | None
    goals: list[PlanGoal]
    actions: list[PlanAction]
    # Actions by the principal responsible (SIP: which principal does what).
    by_principal: list[tuple[str, list[PlanAction]]]
    # Actions by others: external actors, the family, named persons.
    by_others: list[PlanAction]
    goal_of: dict[int, PlanGoal]


def plan_overview(case: Case, *, viewer: Viewer) -> PlanOverview:
    """The plan as the viewer may see it (goals and actions each pass the policy; an
    action's goal is looked up among the visible goals, never followed)."""
    plan = visible_to(Plan, viewer).filter(case=case).select_related("overall_principal").first()
    goals = list(visible_to(PlanGoal, viewer).filter(case=case).select_related("written_by_guardian"))
    actions = list(
        visible_to(PlanAction, viewer)
        .filter(case=case)
        .select_related("responsible_agency__principal", "responsible_external", "written_by_guardian", "author_agency")
    )
    by_principal: dict[str, list[PlanAction]] = defaultdict(list)
    others = []
    for action in actions:
        if action.responsible_agency_id is not None:
            by_principal[action.responsible_agency.principal.name].append(action)  # type: ignore[union-attr]
        else:
            others.append(action)
    goal_of = {goal.pk: goal for goal in goals}
    return PlanOverview(
        plan=plan,
        goals=goals,
        actions=actions,
        by_principal=sorted(by_principal.items()),
        by_others=others,
        goal_of=goal_of,
    )


def plan_changes(case: Case, *, viewer: Viewer, limit: int = 200) -> list[PlanChange]:
    return list(visible_to(PlanChange, viewer).filter(case=case).select_related("author_agency")[:limit])


# --------------------------------------------------------------------------------------
# Choices for forms (staff names and agencies are not child data)
# --------------------------------------------------------------------------------------


def coordinator_candidates(case: Case) -> list[Any]:
    """Who can be appointed or named as the child's wish: anyone with the coordinator role,
    and the staff of the agencies in the team. Read in the system scope after the caller
    has checked that the viewer may appoint (memberships of other agencies are otherwise
    invisible to staff)."""
    from agencies.models import Membership

    with system_scope():
        team_agencies = list(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True).values_list("agency_id", flat=True)
        )
        return list(
            Membership.objects.filter(
                Q(role=Membership.Role.COORDINATOR) | Q(agency_id__in=team_agencies),
                is_active=True,
                agency__is_active=True,
                user__is_active=True,
            )
            .select_related("user", "agency")
            .order_by("agency__name", "user__full_name")
        )


def agency_staff(agency_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Active staff of the given agencies, for choosing a contact person."""
    from agencies.models import Membership

    result: dict[int, list[Any]] = defaultdict(list)
    ids = list(agency_ids)
    if not ids:
        return result
    with system_scope():
        for membership in (
            Membership.objects.filter(agency_id__in=ids, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        ):
            result[membership.agency_id].append(membership)
    return result
