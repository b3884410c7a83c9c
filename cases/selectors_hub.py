"""The collaboration page's own reads, folded into the query that finds the case.

Each read below is the query its selector would run (`cases.selectors.guardianships`,
`team`, …) — a scoped queryset the policy restricts for the viewer — put as one JSON
column of the case's query (`portal.folded`), and turned back into model instances noted
for the access log as that read would have noted them. One query instead of seven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.query import MAX_GET_RESULTS
from django.utils import timezone

from access.policy import visible_to
from access.scoping import Viewer
from cases.models import (
    Case,
    CoordinatorAppointment,
    ExternalContact,
    FamilyMember,
    Guardianship,
    SharedItem,
    TeamMember,
)
from portal import prepared
from portal.folded import Fold, hydrate, rows_json

# The folded reads, in the order the page read them one by one: name -> (how, filter).
_FOLDS: dict[str, tuple[Fold, dict[str, Any]]] = {
    "hub_guardianships": (
        Fold(Guardianship, ("guardian",), ("-has_custody", "guardian__first_name", "id"), "child_id"),
        {"child_id": OuterRef("child_id")},
    ),
    "hub_appointment": (
        Fold(CoordinatorAppointment, (), ("-appointed_at", "-id"), None),
        {"case_id": OuterRef("pk"), "ended_at__isnull": True},
    ),
    "hub_family_members": (
        Fold(FamilyMember, (), ("created_at", "id")),
        {"case_id": OuterRef("pk")},
    ),
    "hub_team": (
        Fold(TeamMember, ("agency", "contact__user"), ("added_at", "id")),
        {"case_id": OuterRef("pk"), "left_at__isnull": True},
    ),
    "hub_externals": (
        Fold(ExternalContact, (), ("organisation", "name")),
        {"case_id": OuterRef("pk"), "removed_at__isnull": True},
    ),
    "hub_shared_items": (
        Fold(SharedItem, ("category", "author_agency"), ("-created_at",)),
        {"case_id": OuterRef("pk")},
    ),
}


def hub_annotations(*, viewer: Viewer) -> dict[str, Subquery]:
    """The page's reads as annotations of the case's query, each restricted by the policy."""
    return {
        name: rows_json(fold, visible_to(fold.model, viewer).filter(**where)) for name, (fold, where) in _FOLDS.items()
    }


def _hub_query(viewer: Viewer, values: Mapping[str, Any]) -> QuerySet[Case]:
    """The page's case query as `case_hub_queryset(...).get(uuid=...)` runs it."""
    from cases.selectors import case_hub_queryset

    queryset = case_hub_queryset(viewer=viewer, today=values["today"]).filter(uuid=values["uuid"]).order_by()
    queryset.query.set_limits(high=MAX_GET_RESULTS)
    return queryset


def case_hub_get(case_uuid: Any, *, viewer: Viewer) -> Case | None:
    """The collaboration for its page as `cases.selectors.case_hub_queryset` reads it, or
    None when the viewer may not see it (or there is none). One query, its SQL compiled
    once per process and kind of viewer (`portal.prepared`); the case noted for the log
    as the queryset's `get` would have. Raises ValueError for a malformed uuid."""
    if not isinstance(case_uuid, UUID):
        case_uuid = UUID(str(case_uuid))
    rows = prepared.rows(
        "cases.hub", _hub_query, viewer=viewer, values={"uuid": case_uuid, "today": timezone.localdate()}
    )
    return rows[0] if len(rows) == 1 else None


@dataclass
class HubReads:
    guardianships: list[Guardianship]
    appointment: CoordinatorAppointment | None
    family_members: list[FamilyMember]
    team: list[TeamMember]
    externals: list[ExternalContact]
    shared_items: list[SharedItem]


def hub_reads(case: Case, *, viewer: Viewer) -> HubReads:
    """The rows read with `case` (through `cases.selectors.case_hub_queryset`), no query;
    each read noted for the access log in the order the page read them before."""
    rows = {name: hydrate(viewer, fold, getattr(case, name)) for name, (fold, _where) in _FOLDS.items()}
    appointment = rows["hub_appointment"]
    return HubReads(
        guardianships=rows["hub_guardianships"],
        appointment=appointment[0] if appointment else None,
        family_members=rows["hub_family_members"],
        team=rows["hub_team"],
        externals=rows["hub_externals"],
        shared_items=rows["hub_shared_items"],
    )
