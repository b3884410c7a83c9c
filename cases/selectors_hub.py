"""The collaboration page's own reads, folded into the query that finds the case.

Each read below is the query its selector would run (`cases.selectors.guardianships`,
`team`, …) — a scoped queryset the policy restricts for the viewer — put as one JSON
column of the case's query (`portal.folded`), and turned back into model instances noted
for the access log as that read would have noted them. One query instead of seven.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery

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
