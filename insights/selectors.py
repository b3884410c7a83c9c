"""Reads of systemic gaps and who may see reports.

Management sees aggregates only, computed in the system scope and published through
`insights.suppression`: no function here returns a child's row, and every count a
report returns has already been through small-count suppression.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404

from access.scoping import Viewer
from agencies.models import Principal
from insights import periods
from insights.models import GapCategory, ManagementRole, ServiceArea, SystemGap
from insights.suppression import Figure, PublishedTable, Table, protect_tables

# --------------------------------------------------------------------------------------
# Who may see what
# --------------------------------------------------------------------------------------


def management_principals(*, viewer: Viewer) -> QuerySet[Principal]:
    """The principals the viewer holds a management role for (staff with TOTP only)."""
    if not viewer.is_staff or viewer.user_id is None:
        return Principal.objects.none()
    return Principal.objects.filter(
        pk__in=ManagementRole.objects.filter(user_id=viewer.user_id).values("principal_id")
    ).order_by("name")


# The answer of `is_management`, kept on the request's user object for the request (as
# Django keeps a user's permissions in `_perm_cache`): the menu and the home page's panel
# both ask, and a role granted meanwhile shows from the next request. The resolver reads
# it with the viewer's memberships (web.viewer_sources), so a staff
# page asks no query of its own for it.
MANAGEMENT_CACHE = "_insights_is_management"


def is_management(viewer: Viewer) -> bool:
    """The viewer holds a management role for some principal. At most one query per
    request (none when the resolver read it with the memberships)."""
    if not viewer.is_staff or viewer.user_id is None:
        return False
    user = viewer.user if viewer.user is not None and viewer.user.pk == viewer.user_id else None
    cached = getattr(user, MANAGEMENT_CACHE, None)
    if cached is not None:
        return bool(cached)
    answer = ManagementRole.objects.filter(user_id=viewer.user_id).exists()
    if user is not None:
        setattr(user, MANAGEMENT_CACHE, answer)
    return answer


def principal_for_report(
    *, viewer: Viewer, principal_uuid: str | None, principals: list[Principal] | None = None
) -> Principal:
    """The principal a management viewer asked for (or their first). Http404 when the
    viewer has no management role for it — the same answer as a principal that doesn't
    exist. `principals`: the viewer's management principals, if already fetched."""
    if principals is None:
        principals = list(management_principals(viewer=viewer))
    if not principals:
        raise Http404
    if not principal_uuid:
        return principals[0]
    for principal in principals:
        if str(principal.uuid) == str(principal_uuid):
            return principal
    raise Http404


def can_record_gaps(viewer: Viewer) -> bool:
    """Coordinators (samordningsperson/koordinator) record gaps for their agency."""
    return viewer.is_coordinator and viewer.agency_id is not None


# --------------------------------------------------------------------------------------
# The coordinator's own agency's records
# --------------------------------------------------------------------------------------


def gap_list(*, viewer: Viewer) -> QuerySet[SystemGap]:
    """Gaps recorded by the viewer's agency (its coordinators see them to avoid recording
    the same thing twice). Nobody else sees single records, management included."""
    if not can_record_gaps(viewer):
        return SystemGap.objects.none()
    return (
        SystemGap.objects.filter(recorded_by_agency_id=viewer.agency_id)
        .select_related("category", "service_area")
        .prefetch_related("agencies_concerned")
        .order_by("-year", "-month", "category__ordering", "id")
    )


# --------------------------------------------------------------------------------------
# The improvement report
# --------------------------------------------------------------------------------------


@dataclass
class GapYear:
    year: int
    by_category: PublishedTable
    by_service: PublishedTable

    @property
    def quarter_totals(self) -> list[Figure]:
        return self.by_category.col_totals


@dataclass
class GapReport:
    principal: Principal
    year: GapYear
    trend: list[tuple[periods.Quarter, Figure]]
    years: list[GapYear]


def _gap_year(year: int, counts: dict, categories: list, services: list) -> GapYear:
    cols = [(q, f"Kv {q}") for q in periods.QUARTERS]
    by_cat: dict = {}
    by_service: dict = {}
    for (cat_id, service_id, y, q), n in counts.items():
        if y != year:
            continue
        by_cat[(cat_id, q)] = by_cat.get((cat_id, q), 0) + n
        by_service[(service_id, q)] = by_service.get((service_id, q), 0) + n
    used_cats = {c for (c, _q) in by_cat}
    used_services = {s for (s, _q) in by_service}
    cat_rows = [(c.pk, c.name) for c in categories if c.is_active or c.pk in used_cats]
    service_rows = [(s.pk, s.name) for s in services if s.is_active or s.pk in used_services]
    cat_table = Table("kategori", cat_rows, cols, by_cat, prefix="category")
    service_table = Table("tjanst", service_rows, cols, by_service, prefix="service")
    published_cat, published_service = protect_tables([cat_table, service_table])
    return GapYear(year=year, by_category=published_cat, by_service=published_service)


def gap_report(*, viewer: Viewer, principal: Principal, year: int) -> GapReport:
    """Gaps for `principal` in `year` per category × quarter and per service × quarter,
    with a trend over this and the previous year. Four queries however many gaps.

    Both tables of a year are protected together (they share the quarter totals and the
    year total); each year is protected on its own and never combined with another.
    """
    if (
        not viewer.is_staff
        or viewer.user_id is None
        or not ManagementRole.objects.filter(user_id=viewer.user_id, principal=principal).exists()
    ):
        raise Http404
    years = [year - 1, year]
    rows = (
        SystemGap.objects.filter(principal=principal, year__in=years)
        .values_list("category_id", "service_area_id", "year", "quarter")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(c, s, y, q): n for c, s, y, q, n in rows}
    categories = list(GapCategory.objects.all())
    services = list(ServiceArea.objects.all())
    published = [_gap_year(y, counts, categories, services) for y in years]
    trend = [
        (periods.Quarter(gy.year, q), fig)
        for gy in published
        for q, fig in zip(periods.QUARTERS, gy.quarter_totals, strict=True)
    ]
    return GapReport(principal=principal, year=published[-1], trend=trend, years=published)
