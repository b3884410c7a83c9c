"""Reads of notifications. Every function runs in the viewer's scope: the recipient-scoped
manager returns only the viewer's own rows, and the case (for the child's first name) is
fetched through the policy, so a name is shown only while the viewer may see the case."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from access import policy
from access.scoping import Viewer
from notifications import kinds
from notifications.models import Notification

PAGE_SIZE = 30


@dataclass(frozen=True)
class Item:
    notification: Notification
    text: str
    child_first_name: str
    # Set when the notification is for another agency than the one the viewer acts for.
    other_agency: str

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


@dataclass(frozen=True)
class Page:
    items: list[Item]
    older_than: int | None  # id for the "older" link, None when there is nothing older


def notification_page(*, viewer: Viewer, before: int | None = None, size: int = PAGE_SIZE) -> Page:
    """The viewer's notifications, newest first, rendered in the active language.

    Costs at most three queries whatever the number of rows: the page, the visible cases
    (with the child) and the names of other agencies.
    """
    from agencies.models import Agency
    from cases.models import Case

    queryset = Notification.objects.order_by("-id")
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    case_ids = {n.case_id for n in rows if n.case_id is not None}
    names: dict[int, str] = {}
    if case_ids:
        # The scoped manager asks the policy: invisible cases simply do not come back.
        names = {
            case.pk: case.child.first_name for case in Case.objects.filter(pk__in=case_ids).select_related("child")
        }
    other_ids = {n.agency_id for n in rows if n.agency_id is not None and n.agency_id != viewer.agency_id}
    agencies = dict(Agency.objects.filter(pk__in=other_ids).values_list("pk", "name")) if other_ids else {}
    items = [
        Item(
            notification=n,
            text=kinds.text_for(n.kind),
            child_first_name=names.get(n.case_id, "") if n.case_id is not None else "",
            other_agency=agencies.get(n.agency_id, "") if n.agency_id is not None else "",
        )
        for n in rows
    ]
    return Page(items=items, older_than=rows[-1].pk if more and rows else None)


@dataclass(frozen=True)
class BellState:
    unread: int
    last_id: int


# The bell's numbers, when the resolver read them with the viewer's memberships or family
# role (web.viewer_sources): kept on the request's user object for the request, as
# `insights.selectors.is_management` keeps its answer, so every request reads them afresh.
BELL_CACHE = "_notifications_bell"


def bell_state(*, viewer: Viewer) -> BellState:
    """Unread count and newest id of the viewer's notifications (one query, or none when
    the resolver read them with the viewer's memberships or family role)."""
    user = viewer.user if viewer.user is not None and viewer.user.pk == viewer.user_id else None
    cached = getattr(user, BELL_CACHE, None)
    if isinstance(cached, BellState) and (viewer.is_staff or viewer.is_family):
        return cached
    result = policy.visible_to(Notification, viewer).aggregate(
        unread=Count("id", filter=Q(read_at__isnull=True)), last=Max("id")
    )
    return BellState(unread=result["unread"] or 0, last_id=result["last"] or 0)
