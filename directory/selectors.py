"""Reads of the support directory.

Published entries are public (anyone, signed in or not). An agency admin also reads
their own agency's unpublished entries. Plan action links are child data: they are read
through their scoped manager, so the policy decides (like the plan itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from access import policy
from access.scoping import Viewer
from agencies.models import Principal
from directory.models import NeedKind, PlanActionLink, SupportEntry


@dataclass(frozen=True)
class Filters:
    """What a visitor searches for; every part optional."""

    text: str = ""
    area: Principal | None = None
    age: int | None = None
    need: NeedKind | None = None

    @property
    def any(self) -> bool:
        return bool(self.text or self.area or self.age is not None or self.need)


def areas() -> list[Principal]:
    """Municipalities and regions to filter by, municipalities first."""
    return list(Principal.objects.order_by("-kind", "name"))


def need_kinds() -> list[NeedKind]:
    return list(NeedKind.objects.all())


def entry_search(*, filters: Filters) -> QuerySet[SupportEntry]:
    """Published entries matching `filters`, by name. Two queries to evaluate (entries
    with their principal, and their needs), however many entries match."""
    through_municipality = SupportEntry.municipalities.through
    through_need = SupportEntry.needs.through
    queryset = SupportEntry.objects.published()
    for word in filters.text.lower().split()[:8]:
        queryset = queryset.filter(search_text__contains=word)
    if filters.area is not None:
        area = filters.area
        if area.kind == Principal.Kind.MUNICIPALITY:
            available = Exists(
                through_municipality.objects.filter(supportentry_id=OuterRef("pk"), principal_id=area.pk)
            )
            queryset = queryset.filter(Q(nationwide=True) | Q(principal=area) | Q(available))
        else:
            queryset = queryset.filter(Q(nationwide=True) | Q(principal=area))
    if filters.age is not None:
        queryset = queryset.filter(age_min__lte=filters.age, age_max__gte=filters.age)
    if filters.need is not None:
        queryset = queryset.filter(
            Exists(through_need.objects.filter(supportentry_id=OuterRef("pk"), needkind_id=filters.need.pk))
        )
    return queryset.select_related("principal").prefetch_related("needs").order_by("name", "id")


def entry_get(*, uuid: UUID | str) -> SupportEntry:
    """One published entry (Http404 for missing, unpublished or a malformed id)."""
    try:
        return (
            SupportEntry.objects.published()
            .select_related("principal", "agency")
            .prefetch_related("needs", "municipalities")
            .get(uuid=uuid)
        )
    except (SupportEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_entries(*, viewer: Viewer) -> QuerySet[SupportEntry]:
    """The entries the viewer's agency keeps (agency admins only; nothing for others)."""
    if not viewer.is_agency_admin:
        return SupportEntry.objects.none()
    assert viewer.agency_id is not None  # an agency admin is staff, so acts for an agency
    return SupportEntry.objects.filter(agency_id=viewer.agency_id).select_related("principal").order_by("name")


def own_entry_or_404(*, viewer: Viewer, uuid: UUID | str) -> SupportEntry:
    """An entry of the viewer's own agency. Another agency's entry and a missing one
    give the same 404."""
    try:
        return own_entries(viewer=viewer).prefetch_related("needs", "municipalities").get(uuid=uuid)
    except (SupportEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def links_for_case(*, viewer: Viewer, case_id: int) -> dict[int, list[PlanActionLink]]:
    """The viewer's visible links of one case's plan, per action id (one query). The
    policy filters them by consent like the plan itself."""
    result: dict[int, list[PlanActionLink]] = {}
    links = policy.visible_to(PlanActionLink, viewer).filter(case_id=case_id)
    for link in links.select_related("entry").order_by("created_at", "id"):
        result.setdefault(link.action_id, []).append(link)
    return result
