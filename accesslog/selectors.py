"""Reads of the access log: the family's "Vem har tittat?" and the agency admin's review.

The log's rows pass the policy like every other scoped model (agency admins: their own
agency's chain; the family: entries about their own child). Reading the log is not a
read of child data (`AccessLogEntry.NOT_LOGGED`); an export of it is, and is logged.
Pages are keyset-paged: no COUNT over the log, ever.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
    Window,
)
from django.db.models.functions import ExtractHour, RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.scoping import Viewer, system_scope
from accesslog.models import LABELS, AccessLogEntry
from accesslog.sittings import COLUMNS, find_visits
from accesslog.visits import VISIT_GAP, Day, by_day, group_visits
from accesslog.words import model_words

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAGE_SIZE = 50

# Unusual access (agency review). Reads at night, Stockholm time: 22.00–05.59.
NIGHT_FROM_HOUR = 22
NIGHT_UNTIL_HOUR = 6
# A burst: one person opening more than this many different children within the window.
BURST_CHILDREN = 10
BURST_WINDOW = timedelta(minutes=5)
# Actions that are reading (writes are never "unusual access" by themselves).
READ_ACTIONS = [AccessLogEntry.Action.VIEW, AccessLogEntry.Action.LIST, AccessLogEntry.Action.EXPORT,
                AccessLogEntry.Action.LIVE]  # fmt: skip


# --------------------------------------------------------------------------------------
# Keyset cursors: (time, id) of the last entry shown, opaque in the URL
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{int(self.at.timestamp() * 1_000_000)}.{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            micros, pk = raw.split(".")
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk))
        except (ValueError, UnicodeDecodeError, OverflowError):
            return None


def _after(queryset: QuerySet[AccessLogEntry], cursor: Cursor | None) -> QuerySet[AccessLogEntry]:
    if cursor is None:
        return queryset
    return queryset.filter(Q(at__lt=cursor.at) | Q(at=cursor.at, id__lt=cursor.id))


@dataclass
class Page:
    entries: list[AccessLogEntry]
    next_cursor: str | None


def _page(queryset: QuerySet[AccessLogEntry], cursor: Cursor | None, size: int) -> Page:
    return _cut(list(_after(queryset.order_by("-at", "-id"), cursor)[: size + 1]), size)


def _cut(rows: list[AccessLogEntry], size: int) -> Page:
    """`size` + 1 rows, newest first, to a page (the extra row says there are more)."""
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].at, rows[-1].pk).encode() if more and rows else None
    return Page(entries=rows, next_cursor=next_cursor)


# --------------------------------------------------------------------------------------
# Plain words for the family
# --------------------------------------------------------------------------------------

ROLE_WORDS = {
    "staff": gettext_lazy("personal"),
    "coordinator": gettext_lazy("samordningsperson"),
    "admin": gettext_lazy("administratör"),
    "guardian": gettext_lazy("vårdnadshavare"),
    "child": gettext_lazy("barnet"),
}


def thing_words(object_type: str, count: int = 1) -> str:
    """'samverkan', '3 insatser i planen' — the model's own Swedish names."""
    if object_type in LABELS:  # the log itself, under its label of today or of before
        return _("loggen över vem som tittat")
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return _("uppgifter")
    if count > 1:
        return f"{count} {model_words(model, count)}"
    return model_words(model)


def role_words(entry: AccessLogEntry) -> str:
    """The job title as written in a sentence ("psykolog", "BVC-sjuksköterska")."""
    if entry.title:
        title = entry.title
        if len(title) > 1 and title[0].isupper() and title[1].islower():
            title = title[0].lower() + title[1:]
        return title
    return str(ROLE_WORDS.get(entry.role, entry.role))


def person_words(entry: AccessLogEntry) -> str:
    name = entry.actor_name or _("okänd person")
    if entry.agency_name:
        return _("%(name)s, %(role)s på %(agency)s") % {
            "name": name,
            "role": role_words(entry),
            "agency": entry.agency_name,
        }
    return _("%(name)s (%(role)s)") % {"name": name, "role": role_words(entry)}


# --------------------------------------------------------------------------------------
# The family: "Vem har tittat?"
# --------------------------------------------------------------------------------------


def family_children(viewer: Viewer) -> list[Any]:
    """The viewer's own children (custodial guardian) or, for a child, themself."""
    from cases.models import Child

    if not viewer.is_family:
        return []
    return list(Child.objects.order_by("first_name", "pk"))


# The family's page is paged by visits. One query reads at most this many entries; a
# visit that may go on past the last of them waits for the next page.
FAMILY_ROWS = 2000
# The fields `group_visits` and `role_words` read, and the row's key (as `pk`, like a model).
VISIT_FIELDS = ("pk", *COLUMNS[1:])  # the columns the database grouping reads, "id" as "pk"


@dataclass
class VisitPage:
    days: list[Day]
    next_cursor: str | None


def family_visits(viewer: Viewer, *, child_id: int, cursor: Cursor | None, size: int = PAGE_SIZE) -> VisitPage:
    """Who at the agencies has looked at this child's information, one line per visit
    (`accesslog.visits`): newest first, at most `size` visits, in one query.

    The next page starts before the oldest visit shown (`Cursor` with id 0: strictly
    earlier entries), and a visit that reaches into the shown time is shown whole, so a
    visit is not split between pages (except past `FAMILY_ROWS` entries in one sitting)."""
    queryset = _after(_family_queryset(child_id).order_by("-at", "-id"), cursor)
    if connection.vendor == "postgresql":
        # Grouped and counted in the database (`accesslog.sittings`): a few rows per visit.
        found, truncated = find_visits(queryset, FAMILY_ROWS, role_words)
    else:
        # Up to 2,000 rows of only what a visit tells, as named tuples rather than models
        # (the log is not child data the access log notes, and a visit reads only attributes).
        rows: list[Any] = list(queryset.values_list(*VISIT_FIELDS, named=True)[: FAMILY_ROWS + 1])
        truncated = len(rows) > FAMILY_ROWS
        found = group_visits(rows[:FAMILY_ROWS], role_words)
    complete = found
    if truncated:
        # Unread older entries could still belong to a visit that starts near the end.
        oldest = min(v.start for v in found)
        complete = [v for v in found if v.start - oldest >= VISIT_GAP] or found
    shown = complete[:size]
    if not shown or not (truncated or len(complete) > size):
        return VisitPage(days=by_day(shown), next_cursor=None)
    boundary = min(v.start for v in shown)
    taken = {id(v) for v in shown}
    grown = True
    while grown:
        grown = False
        # Over every visit read, not only the complete ones: a long sitting that reaches
        # past the boundary is shown (its older part comes on the next page) rather than
        # skipped by the next page's cursor.
        for visit in found:
            if id(visit) not in taken and visit.end >= boundary:
                shown.append(visit)
                taken.add(id(visit))
                boundary = min(boundary, visit.start)
                grown = True
    shown.sort(key=lambda v: (v.start, v.end), reverse=True)
    return VisitPage(days=by_day(shown), next_cursor=Cursor(boundary, 0).encode())


def _family_queryset(child_id: int) -> QuerySet[AccessLogEntry]:
    # "family" and "family:<child id>" (accesslog.basis.family_chain).
    return AccessLogEntry.objects.filter(child_id=child_id, outcome=AccessLogEntry.Outcome.ALLOWED).exclude(
        chain__startswith="family"
    )


def family_entries(viewer: Viewer, *, child_id: int, cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """Who at the agencies has looked at this child's information: newest first, without
    the family's own reads and without refused attempts."""
    return _page(_family_queryset(child_id), cursor, size)


# --------------------------------------------------------------------------------------
# The agency admin's review
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilter:
    actor_id: int | None = None
    child_ids: tuple[int, ...] = ()
    child_searched: bool = False  # a personal number was given (it may match nothing)
    since: date | None = None
    until: date | None = None
    action: str = ""
    unusual_only: bool = False


def child_ids_for_personal_number(personal_number: str) -> list[int]:
    """The ids of the child records with exactly this personal number (one per
    collaboration cluster, DESIGN rule 17), or an empty list.

    Only ids, used to filter the agency's own log (which the admin may read whatever
    the child's cases show today); no name or other detail of the child leaves here.
    """
    from cases.models import Child

    with system_scope():
        return list(Child.objects.filter(personal_number=personal_number.strip()).values_list("pk", flat=True))


def _role_exists() -> Q:
    """The actor has an active role for the entry's child: coordinator or opener of an
    open collaboration, its team contact, or has written in it (logged writes)."""
    from cases.models import Case, TeamMember

    with system_scope():
        case_role = Case.objects.filter(child_id=OuterRef("child_id"), status=Case.Status.OPEN).filter(
            Q(coordinator_id=OuterRef("actor_id")) | Q(opened_by_id=OuterRef("actor_id"))
        )
        team_role = TeamMember.objects.filter(
            case__child_id=OuterRef("child_id"),
            case__status=Case.Status.OPEN,
            contact__user_id=OuterRef("actor_id"),
            contact__is_active=True,
            left_at__isnull=True,
        )
        author_role = AccessLogEntry.objects.filter(
            child_id=OuterRef("child_id"),
            actor_id=OuterRef("actor_id"),
            action__in=[AccessLogEntry.Action.CREATE, AccessLogEntry.Action.UPDATE],
        )
    return Q(Exists(case_role)) | Q(Exists(team_role)) | Q(Exists(author_role))


def _burst_children() -> Subquery:
    """Different children the same person opened in the window ending at this entry."""
    with system_scope():
        window = (
            AccessLogEntry.objects.filter(
                actor_id=OuterRef("actor_id"),
                at__lte=OuterRef("at"),
                at__gt=OuterRef("at") - BURST_WINDOW,
                action__in=[AccessLogEntry.Action.VIEW, AccessLogEntry.Action.EXPORT],
                child_id__isnull=False,
            )
            .order_by()
            .values("actor_id")
            .annotate(n=Count("child_id", distinct=True))
            .values("n")
        )
    return Subquery(window[:1])


def _flag_conditions() -> dict[str, Q]:
    """Each flag as a condition on an entry, over the aliases `local_hour` and
    `burst_children`. Cheap ones first: in "unusual only" the database stops at the first
    that holds."""
    reading = Q(action__in=READ_ACTIONS)
    return {
        "flag_no_basis": Q(basis=AccessLogEntry.Basis.NONE) | Q(outcome=AccessLogEntry.Outcome.DENIED),
        "flag_night": reading & (Q(local_hour__gte=NIGHT_FROM_HOUR) | Q(local_hour__lt=NIGHT_UNTIL_HOUR)),
        "flag_no_role": reading & Q(child_id__isnull=False) & Q(agency__isnull=False) & ~_role_exists(),
        "flag_burst": reading & Q(burst_children__gt=BURST_CHILDREN),
    }


def _flagged(queryset: QuerySet[AccessLogEntry], burst_children: Expression | None = None) -> QuerySet[AccessLogEntry]:
    """Each row with its flags. The burst count is selected once (`burst_children`, by
    default the subquery); `flags_of` derives the burst flag from it rather than running
    the subquery a second time."""
    conditions = _flag_conditions()
    del conditions["flag_burst"]
    return queryset.alias(local_hour=ExtractHour("at", tzinfo=STOCKHOLM)).annotate(
        burst_children=burst_children if burst_children is not None else _burst_children(),
        **{name: ExpressionWrapper(condition, output_field=BooleanField()) for name, condition in conditions.items()},
    )


def _unusual(queryset: QuerySet[AccessLogEntry]) -> QuerySet[AccessLogEntry]:
    """Only the rows with at least one flag: the flags in the WHERE clause, not selected."""
    either = Q()
    for condition in _flag_conditions().values():
        either |= condition
    return queryset.alias(local_hour=ExtractHour("at", tzinfo=STOCKHOLM), burst_children=_burst_children()).filter(
        either
    )


def _matching(viewer: Viewer, filters: ReviewFilter) -> QuerySet[AccessLogEntry]:
    """The admin's agency's entries matching `filters`, without the flags."""
    if not viewer.is_agency_admin:
        return AccessLogEntry.objects.none()
    queryset = AccessLogEntry.objects.all()
    if filters.actor_id is not None:
        queryset = queryset.filter(actor_id=filters.actor_id)
    if filters.child_searched:
        queryset = queryset.filter(child_id__in=filters.child_ids) if filters.child_ids else queryset.none()
    if filters.since is not None:
        start = datetime.combine(filters.since, datetime.min.time(), tzinfo=STOCKHOLM)
        queryset = queryset.filter(at__gte=start)
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), tzinfo=STOCKHOLM)
        queryset = queryset.filter(at__lt=end)
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.unusual_only:
        queryset = _unusual(queryset)
    return queryset


def review_queryset(viewer: Viewer, filters: ReviewFilter) -> QuerySet[AccessLogEntry]:
    """The admin's agency's entries matching `filters`, every row with its flags (the CSV
    export: all rows are read anyway)."""
    return _flagged(_matching(viewer, filters))


def review_page(viewer: Viewer, filters: ReviewFilter, *, cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """One page of the review, its rows with their flags.

    The flags are correlated subqueries. Computed in the query that finds the page, they
    would be planned for every matching row (PostgreSQL then hashes whole tables for the
    "no role" test); so one statement finds the page's ids first (keyset, `size` + 1 rows;
    in "unusual only" with the flags in its WHERE clause) and computes the flags for those
    rows only. The burst count depends only on the person and the time, which all the
    reads of one request share: it is counted for the first row of each such group and
    copied to the others (an export of the log is thousands of entries at one time).
    """
    matching = _matching(viewer, filters)
    ids = _after(matching.order_by("-at", "-id"), cursor).values("pk")[: size + 1]
    page = AccessLogEntry.objects.filter(pk__in=ids).annotate(
        nth_of_group=Window(RowNumber(), partition_by=[F("actor_id"), F("at")], order_by=F("id").desc())
    )
    first_counted = Case(When(nth_of_group=1, then=_burst_children()))
    rows = list(_flagged(page, first_counted).order_by("-at", "-id"))
    counts = {(e.actor_id, e.at): e.burst_children for e in rows if e.nth_of_group == 1}  # type: ignore[attr-defined]
    for entry in rows:
        entry.burst_children = counts[entry.actor_id, entry.at]  # type: ignore[attr-defined]
    return _cut(rows, size)


def _is_burst(entry: AccessLogEntry) -> bool:
    burst_children = getattr(entry, "burst_children", None) or 0
    return entry.action in READ_ACTIONS and burst_children > BURST_CHILDREN


def flags_of(entry: AccessLogEntry) -> list[str]:
    flags = []
    if getattr(entry, "flag_no_role", False):
        flags.append(_("ingen aktiv roll för barnet"))
    if _is_burst(entry):
        flags.append(
            ngettext(
                "många barn på kort tid (%(n)d barn på 5 min)",
                "många barn på kort tid (%(n)d barn på 5 min)",
                entry.burst_children or 0,  # type: ignore[attr-defined]
            )
            % {"n": entry.burst_children or 0}  # type: ignore[attr-defined]
        )
    if getattr(entry, "flag_night", False):
        flags.append(_("nattetid"))
    if entry.outcome == AccessLogEntry.Outcome.DENIED:
        flags.append(_("nekad"))
    elif entry.basis == AccessLogEntry.Basis.NONE:
        flags.append(_("ingen grund registrerad"))
    return flags


def children_named(viewer: Viewer, child_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the children on a page that the admin's agency can see today (a logged
    list read); other children are shown by reference only."""
    from cases.models import Child

    ids = {c for c in child_ids if c is not None}
    if not ids:
        return {}
    return {child.pk: child.full_name for child in Child.objects.filter(pk__in=ids)}
