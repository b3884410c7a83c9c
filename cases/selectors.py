"""Reads of collaborations. Every function takes the viewer and returns only what the
policy allows: the scoped managers restrict each query (the middleware, or the caller,
has entered the viewer's scope). Each runs a fixed number of queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, JSONField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
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
from cases.selectors_caseload import (
    CASELOAD_DESCENDING_BY_DEFAULT as CASELOAD_DESCENDING_BY_DEFAULT,
)
from cases.selectors_caseload import CASELOAD_SORTS as CASELOAD_SORTS
from cases.selectors_caseload import CaseloadRow as CaseloadRow
from cases.selectors_caseload import CaseloadSummary as CaseloadSummary
from cases.selectors_caseload import ConsentSummary as ConsentSummary
from cases.selectors_caseload import caseload as caseload
from cases.selectors_caseload import caseload_summary as caseload_summary
from cases.selectors_caseload import consent_summaries as consent_summaries
from cases.selectors_caseload import mine_q as mine_q
from cases.selectors_caseload import newest_maturity_level
from consent.models import CategoryDefault, InformationCategory

# --------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------


def case_list(*, viewer: Viewer, include_closed: bool = False) -> QuerySet[Case]:
    """Every collaboration the viewer may see (never with personal identity numbers)."""
    queryset = visible_to(Case, viewer).select_related("child", "owner_agency", "coordinator", "coordinator_agency")
    if not include_closed:
        queryset = queryset.filter(status=Case.Status.OPEN)
    return queryset.order_by("-opened_at")


# --------------------------------------------------------------------------------------
# The collaboration page (hub)
# --------------------------------------------------------------------------------------


def case_get_queryset(*, viewer: Viewer) -> QuerySet[Case]:
    return visible_to(Case, viewer).select_related(
        "child", "owner_agency__principal", "coordinator", "coordinator_agency", "opened_by"
    )


def case_hub_queryset(*, viewer: Viewer, today: date | None = None) -> QuerySet[Case]:
    """The collaboration for its page, in the one query that finds it: also the counts of
    the plan's actions the viewer may see (`plan_counts`), the child's newest maturity
    assessment level (`maturity_level`, for the consent cards) and the page's panel reads
    (`cases.selectors_hub`). All are subqueries of the scoped managers, so the policy
    restricts them as it restricts their own reads. `today`: the day actions fall overdue
    after (default: today)."""
    from cases.selectors_hub import hub_annotations

    today = today or timezone.localdate()
    open_statuses = list(PlanAction.OPEN_STATUSES)
    counts = (
        visible_to(PlanAction, viewer)
        .filter(case_id=OuterRef("pk"))
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
        maturity_level=Subquery(newest_maturity_level(viewer)),
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
