"""Reads of meetings. Functions that take `viewer` return only what the policy allows
(the scoped managers do the filtering); the few that read across agencies by design
(who may be invited) say so and are called only after an access check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.db.models.query import MAX_GET_RESULTS
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import BASIC_CATEGORY, in_force
from access.scoping import Viewer, scope, system_scope
from meetings.models import AgendaItem, ChildVoice, Invitation, Meeting, Preparation
from meetings.recipients import REACHABLE_CONTACT
from portal import prepared
from portal.folded import Fold, hydrate, rows_json


@dataclass(frozen=True)
class AgencyOption:
    """A team agency on the "call a meeting" form: invitable, or greyed out with why."""

    agency_id: int
    name: str
    allowed: bool
    reason: str = ""


def consented_agency_ids(case_id: int, *, category: str = BASIC_CATEGORY, at: datetime | None = None) -> set[int]:
    """Agencies with an effective consent grant for `category` of this case right now.

    Reads `ConsentGrant` across agencies: only for services and views that have already
    checked the viewer coordinates the case."""
    from consent.models import ConsentGrant

    now = at or timezone.now()
    with system_scope():
        return set(
            ConsentGrant.objects.filter(in_force(now), case_id=case_id, category__code=category).values_list(
                "agency_id", flat=True
            )
        )


@dataclass(frozen=True)
class TeamAgencies:
    """The case's team as the call and invite forms need it: the agencies to offer (the
    organiser's own left out) and those whose contact person in the team would be told of
    an invitation (DESIGN rule 20)."""

    options: list[AgencyOption]
    reachable: set[int]


def invitable_agencies(viewer: Viewer, case) -> TeamAgencies:  # type: ignore[no-untyped-def]
    """The team's agencies, each invitable only under an effective consent (DESIGN rule 7),
    for the case's coordinator (anyone else gets none). The viewer's own agency is not
    offered (it calls the meeting). One query: the team with, per agency, whether a grant
    of basic information is in force and whether its contact person can be reached."""
    from cases.models import TeamMember
    from consent.models import ConsentGrant

    if not policy.is_coordinator_of(viewer, case):
        return TeamAgencies(options=[], reachable=set())
    now = timezone.now()
    with system_scope():
        consented = ConsentGrant.objects.filter(
            in_force(now), case_id=case.pk, category__code=BASIC_CATEGORY, agency_id=OuterRef("agency_id")
        )
        # The row itself is in the team (case, not left): reachable is the rest of
        # `recipients._reachable_contacts`, on its own contact (LEFT JOINs; NULL without one).
        team = list(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True)
            .annotate(consented=Exists(consented), reachable=ExpressionWrapper(REACHABLE_CONTACT, BooleanField()))
            .select_related("agency")
            .order_by("agency__name")
        )
    options = []
    for member in team:
        agency = member.agency
        if agency.pk == viewer.agency_id:
            continue
        if not agency.is_active:
            options.append(AgencyOption(agency.pk, agency.name, False, _("Verksamheten är inte aktiv.")))
        elif not member.consented:  # type: ignore[attr-defined]
            options.append(
                AgencyOption(
                    agency.pk,
                    agency.name,
                    False,
                    _("Inget gällande samtycke: familjen har inte gett samtycke till att verksamheten är med."),
                )
            )
        else:
            options.append(AgencyOption(agency.pk, agency.name, True))
    reachable = {m.agency_id for m in team if m.reachable}  # type: ignore[attr-defined]
    return TeamAgencies(options=options, reachable=reachable)


def child_invited_by_default(case) -> bool:  # type: ignore[no-untyped-def]
    """The child is invited by default once old or mature enough to be asked (rule 4)."""
    from consent import rules
    from consent import services as consent_services

    return rules.level_at(timezone.now(), consent_services.child_bands(case)) != rules.GUARDIANS


def meeting_for_page(viewer: Viewer, meeting_uuid: Any) -> Meeting:
    """One meeting the viewer may see, with its collaboration, child and organising agency
    read in the same query (the pages show them). Missing and forbidden are both Http404,
    answered (and the refusal logged) by the policy."""
    try:
        with scope(viewer):
            return Meeting.objects.select_related("case__child", "author_agency").get(uuid=meeting_uuid)
    except (Meeting.DoesNotExist, ValueError, TypeError, ValidationError):
        return policy.get_or_404(Meeting, viewer, uuid=meeting_uuid)


# The meeting page's agenda and the child's words, read with the meeting (`portal.folded`).
AGENDA = Fold(AgendaItem, ("written_by_guardian",), ("position", "id"), "meeting_id")
VOICES = Fold(ChildVoice, (), ("id",), "meeting_id")


def _detail_query(viewer: Viewer, values: Mapping[str, Any]) -> QuerySet[Meeting]:
    """The meeting page's query as `.get(uuid=...)` runs it: the meeting with its agenda
    items and the child's words the viewer may see as JSON columns."""
    agenda = policy.visible_to(AgendaItem, viewer).filter(meeting_id=OuterRef("pk"))
    voices = policy.visible_to(ChildVoice, viewer).filter(meeting_id=OuterRef("pk"))
    queryset = (
        policy.visible_to(Meeting, viewer)
        .select_related("case__child", "author_agency")
        .annotate(agenda_json=rows_json(AGENDA, agenda), voices_json=rows_json(VOICES, voices))
        .filter(uuid=values["uuid"])
        .order_by()
    )
    queryset.query.set_limits(high=MAX_GET_RESULTS)
    return queryset


def meeting_for_detail(viewer: Viewer, meeting_uuid: Any) -> Meeting:
    """`meeting_for_page` with the meeting's agenda items and the child's words the viewer
    may see as JSON columns (`agenda_json`, `voices_json`) of the same query. The page
    hydrates each where it used to read it (`portal.folded.hydrate`), so the access log
    notes the same rows in the same order. One query, its SQL compiled once per process
    and kind of viewer (`portal.prepared`)."""
    try:
        uuid = meeting_uuid if isinstance(meeting_uuid, UUID) else UUID(str(meeting_uuid))
    except (ValueError, TypeError, AttributeError):
        return policy.get_or_404(Meeting, viewer, uuid=meeting_uuid)
    rows = prepared.rows("meetings.detail", _detail_query, viewer=viewer, values={"uuid": uuid})
    if len(rows) != 1:  # missing or not the viewer's: the same answer (and log) as any lookup
        return policy.get_or_404(Meeting, viewer, uuid=uuid)
    return rows[0]


def next_meeting_start(viewer: Viewer, now: datetime) -> QuerySet[Any]:
    """The start of the outer collaboration's soonest planned meeting from `now` that the
    viewer may see, as a subquery on the case (the caseload's "next meeting": given to
    cases.sources from meetings.apps)."""
    return (
        policy.visible_to(Meeting, viewer)
        .filter(case_id=OuterRef("pk"), starts_at__gte=now, status=Meeting.Status.PLANNED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def _invitations_prefetch(viewer: Viewer) -> Prefetch:
    invitations = policy.visible_to(Invitation, viewer).filter(withdrawn_at__isnull=True)
    return Prefetch(
        "invitations",
        queryset=invitations.select_related("agency", "guardian", "external"),
        to_attr="active_invitations",
    )


def meeting_list(*, viewer: Viewer, upcoming: bool = True, limit: int = 100) -> QuerySet[Meeting]:
    """Meetings the viewer may see (policy-filtered), upcoming or past."""
    now = timezone.now()
    queryset = (
        policy.visible_to(Meeting, viewer)
        .select_related("case__child", "author_agency")
        .prefetch_related(_invitations_prefetch(viewer))
    )
    if upcoming:
        return queryset.filter(_ahead(now)).order_by("starts_at")[:limit]
    return queryset.exclude(_ahead(now)).order_by("-starts_at")[:limit]


def _ahead(now: datetime) -> Q:
    """A meeting still to come (or going on): planned and not yet ended."""
    return Q(ends_at__gt=now, status=Meeting.Status.PLANNED)


# A meeting's active invitations, read with the meeting (portal.folded): their own
# columns, ordered as the model orders them.
_INVITATIONS = Fold(Invitation, (), ("id",), "meeting_id")


# The home panel's invitations: with the agency, guardian and external contact it names.
_HOME_INVITATIONS = Fold(Invitation, ("agency", "guardian", "external"), ("id",), "meeting_id")


def upcoming_for_home(viewer: Viewer, *, limit: int) -> list[Meeting]:
    """`meeting_list(upcoming=True)` with each meeting's active invitations the viewer may
    see (`active_invitations`) read in the same query (`portal.folded`) instead of a
    prefetch: the same rows, noted for the access log as one read of them (after the
    meetings, where the prefetch noted them before)."""
    now = timezone.now()
    invitations = policy.visible_to(Invitation, viewer).filter(meeting_id=OuterRef("pk"), withdrawn_at__isnull=True)
    rows: list[Meeting] = list(
        policy.visible_to(Meeting, viewer)
        .filter(_ahead(now))
        .select_related("case__child", "author_agency")
        .annotate(invitations_json=rows_json(_HOME_INVITATIONS, invitations))
        .order_by("starts_at")[:limit]
    )
    read = hydrate(viewer, _HOME_INVITATIONS, [i for m in rows for i in m.invitations_json or []])  # type: ignore[attr-defined]
    by_meeting: dict[int, list[Invitation]] = {}
    for invitation in read:
        by_meeting.setdefault(invitation.meeting_id, []).append(invitation)
    for meeting in rows:
        meeting.active_invitations = by_meeting.get(meeting.pk, [])  # type: ignore[attr-defined]
    return rows


def case_meetings(*, viewer: Viewer, case) -> tuple[list[Meeting], list[Meeting]]:  # type: ignore[no-untyped-def]
    """Upcoming and past meetings of one case, as the viewer may see them, each with its
    active invitations the viewer may see (`active_invitations`) read in the same query
    and noted for the access log as one read of them."""
    now = timezone.now()
    invitations = policy.visible_to(Invitation, viewer).filter(meeting_id=OuterRef("pk"), withdrawn_at__isnull=True)
    rows: list[Meeting] = list(
        policy.visible_to(Meeting, viewer)
        .filter(case=case)
        .annotate(invitations_json=rows_json(_INVITATIONS, invitations))
        .select_related("author_agency")
        .order_by("starts_at")
    )
    read = hydrate(viewer, _INVITATIONS, [i for m in rows for i in m.invitations_json or []])  # type: ignore[attr-defined]
    for meeting in rows:
        meeting.active_invitations = [i for i in read if i.meeting_id == meeting.pk]  # type: ignore[attr-defined]
    upcoming = [m for m in rows if m.status == Meeting.Status.PLANNED and m.ends_at > now]
    past = [m for m in rows if m not in upcoming][::-1]
    return upcoming, past


def preparations_due(viewer: Viewer, *, limit: int = 20) -> list[Meeting]:
    """Upcoming meetings the viewer's agency is invited to and has not yet submitted a
    preparation for, soonest deadline first."""
    if not viewer.is_staff:
        return []
    now = timezone.now()
    submitted = Preparation.objects.filter(author_agency_id=viewer.agency_id, submitted_at__isnull=False).values(
        "meeting_id"
    )
    return list(
        Meeting.objects.filter(
            invitations__agency_id=viewer.agency_id,
            invitations__withdrawn_at__isnull=True,
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
        )
        .exclude(pk__in=submitted)
        .select_related("case__child")
        .distinct()
        .order_by("preparation_due_at", "starts_at")[:limit]
    )


def own_invitation(viewer: Viewer, meeting: Meeting, invitations: list[Invitation]) -> Invitation | None:
    """The invitation the viewer answers: their agency's, their own as guardian, or the child's."""
    for invitation in invitations:
        if invitation.withdrawn_at is not None:
            continue
        if viewer.is_staff and invitation.agency_id == viewer.agency_id:
            return invitation
        is_guardian = viewer.is_family and viewer.role == "guardian" and invitation.guardian_id
        if is_guardian and invitation.guardian is not None and invitation.guardian.user_id == viewer.user_id:
            return invitation
        if viewer.is_family and viewer.role == "child" and invitation.for_child:
            return invitation
    return None
