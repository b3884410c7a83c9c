"""Mapping, the joint plan with its goals, actions and history, shared items, the
family's own members and external contacts, for every collaboration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agencies.models import Agency
from benchdata.bulk import insert
from benchdata.county import County
from cases.models import ExternalContact, FamilyMember, MappingEntry, Plan, PlanAction, PlanChange, PlanGoal, SharedItem
from consent.models import CategoryDefault, InformationCategory

# --------------------------------------------------------------------------------------
# Mapping, plan, shared items, the family's own members, external contacts
# --------------------------------------------------------------------------------------

AREAS = ["school", "health", "leisure", "family", "parent_work", "parent_health"]


def seed(county: County) -> None:
    rng, now, today = county.rng, county.now, county.today
    mapping, plans, goals, family, externals, shared = [], [], [], [], [], []
    area_category = {area: category.pk for area, category in CategoryDefault.table(CategoryDefault.LIFE_AREA).items()}
    fallback_category = InformationCategory.objects.get(code=MappingEntry.FALLBACK_CATEGORY).pk
    for case in county.cases:
        author = case.coordinator_agency_id
        created = case.opened_at + timedelta(days=10)
        for k, area in enumerate(rng.sample(AREAS, 3)):
            mapping.append(
                MappingEntry(
                    case_id=case.id,
                    author_agency_id=author,
                    created_by_id=case.coordinator_id,
                    created_at=created,
                    area=area,
                    category_id=area_category.get(area, fallback_category),
                    current_state="Det fungerar inte så bra just nu.",
                    desired_state="Vi vill att det ska kännas lugnare.",
                    is_priority=k == 0,
                    updated_at=created,
                )
            )
        plans.append(
            Plan(
                case_id=case.id,
                author_agency_id=author,
                created_by_id=case.coordinator_id,
                created_at=created,
                support_needed="Stöd i skolan och hemma, och en väg in till BUP.",
                others_do="Försäkringskassan: omvårdnadsbidrag.",
                coordinator_will="Kalla till möten och hålla ihop planen.",
                coordinator_will_not="Ta över vårdnadshavarnas ansvar.",
                version=0,
                updated_at=created,
            )
        )
        for k in range(2):
            goals.append(
                PlanGoal(
                    case_id=case.id,
                    author_agency_id=author,
                    created_by_id=case.coordinator_id,
                    created_at=created + timedelta(days=k),
                    area=AREAS[k],
                    text="Gå till skolan varje dag." if k == 0 else "Få en utredning på BUP.",
                    updated_at=created,
                )
            )
        if case.id % 3 == 0:
            family.append(
                FamilyMember(
                    case_id=case.id,
                    author_agency_id=author,
                    created_at=created,
                    relation=FamilyMember.Relation.PARENT,
                    name="Mamma",
                    needs="Behöver stöd för att orka och komma tillbaka till arbetet.",
                )
            )
        if case.id % 4 == 0:
            externals.append(
                ExternalContact(
                    case_id=case.id,
                    organisation="Försäkringskassan",
                    name="Handläggare",
                    email=f"fk{case.id}@skala.example",
                )
            )
        # What the agencies share with the team: the opener's summary, and social services'.
        for agency_id in case.team[:1] + tuple(a for a in case.team if county.agency_kind[a] == Agency.Kind.SOCIAL):
            kind = county.agency_kind[agency_id]
            code = {"school": "school", "healthcare": "health", "social": "social"}.get(kind, "basic")
            staff = county.staff_of(agency_id)
            shared.append(
                SharedItem(
                    case_id=case.id,
                    author_agency_id=agency_id,
                    created_by_id=staff[case.id % len(staff)].user_id if staff else None,
                    created_at=created + timedelta(days=rng.randint(1, 60)),
                    category_id=county.categories[code],
                    title="Sammanfattning inför samverkan",
                    body="En kort sammanfattning av vad vi ser och vilket stöd vi ger i dag.",
                )
            )
    insert(MappingEntry, mapping)
    insert(PlanGoal, goals)
    insert(FamilyMember, family)
    insert(ExternalContact, externals)
    insert(SharedItem, shared)

    goal_of: dict[int, list[PlanGoal]] = {}
    for goal in goals:
        goal_of.setdefault(goal.case_id, []).append(goal)
    actions = []
    for case in county.cases:
        for k in range(rng.randint(1, 4)):
            due = today + timedelta(days=rng.randint(-60, 120))
            status = rng.choice(["planned", "in_progress", "done", "done", "cancelled" if k == 3 else "planned"])
            responsible = rng.choice(case.team) if k < 3 else None
            actions.append(
                PlanAction(
                    case_id=case.id,
                    author_agency_id=case.coordinator_agency_id,
                    created_by_id=case.coordinator_id,
                    created_at=case.opened_at + timedelta(days=12 + k),
                    description=["Anpassad studiegång", "Utredning på BUP", "Föräldrastöd", "Fritidsaktivitet"][k],
                    goal_id=goal_of[case.id][k % 2].pk,
                    responsible_agency_id=responsible,
                    responsible_person="" if responsible else "Vårdnadshavare",
                    due_date=due,
                    status=status,
                    completed_at=now - timedelta(days=rng.randint(1, 30)) if status == "done" else None,
                    updated_at=now - timedelta(days=rng.randint(1, 30)),
                )
            )
    insert(PlanAction, actions)
    county.actions = [(a.pk, a.uuid, a.case_id, a.responsible_agency_id, a.due_date, a.status) for a in actions]

    # The plan's change history: one version per goal and action added.
    changes = []
    versions: dict[int, int] = {}
    items: list[tuple[int, int, Any, Any, str, Any]] = [
        (g.case_id, g.author_agency_id, PlanChange.Target.GOAL, g.uuid, g.text, g.created_at) for g in goals
    ] + [
        (a.case_id, a.author_agency_id, PlanChange.Target.ACTION, a.uuid, a.description, a.created_at) for a in actions
    ]
    for case_id, agency_id, target, uuid, text, at in items:
        versions[case_id] = versions.get(case_id, 0) + 1
        changes.append(
            PlanChange(
                case_id=case_id,
                author_agency_id=agency_id,
                created_at=at,
                version=versions[case_id],
                target=target,
                target_uuid=uuid,
                change=PlanChange.Change.CREATED,
                summary=text[:300],
                changed_by_name="Samordnare",
            )
        )
    insert(PlanChange, changes)
    for plan in plans:
        plan.version = versions.get(plan.case_id, 0)
    insert(Plan, plans)
    county.counts.update(
        mapping_entries=len(mapping),
        plan_goals=len(goals),
        plan_actions=len(actions),
        plan_changes=len(changes),
        shared_items=len(shared),
    )
