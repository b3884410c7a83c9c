"""Reads of meetings. Functions that take `viewer` return only what the policy allows
(the scoped managers do the filtering); the few that read across agencies by design
(who may be invited) say so and are called only after an access check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import BASIC_CATEGORY, in_force
from access.scoping import Viewer, system_scope
from meetings.models import Invitation, Meeting, Preparation


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


def invitable_agencies(case, *, organiser_agency_id: int | None) -> list[AgencyOption]:  # type: ignore[no-untyped-def]
    """The team's agencies, each invitable only under an effective consent (DESIGN rule 7).
    The organiser's own agency is not listed (it calls the meeting)."""
    from cases.models import TeamMember

    with system_scope():
        team = list(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True)
            .select_related("agency")
            .order_by("agency__name")
        )
    consented = consented_agency_ids(case.pk)
    options = []
    for member in team:
        agency = member.agency
        if agency.pk == organiser_agency_id:
            continue
        if not agency.is_active:
            options.append(AgencyOption(agency.pk, agency.name, False, _("Verksamheten är inte aktiv.")))
        elif agency.pk not in consented:
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
    return options


def child_invited_by_default(case) -> bool:  # type: ignore[no-untyped-def]
    """The child is invited by default once old or mature enough to be asked (rule 4)."""
    from consent import rules
    from consent import services as consent_services

    return rules.level_at(timezone.now(), consent_services.child_bands(case)) != rules.GUARDIANS


def _invitations_prefetch() -> Prefetch:
    return Prefetch(
        "invitations",
        queryset=Invitation.objects.filter(withdrawn_at__isnull=True).select_related("agency", "guardian", "external"),
        to_attr="active_invitations",
    )


def meeting_list(*, upcoming: bool = True, limit: int = 100) -> QuerySet[Meeting]:
    """Meetings the current viewer may see (policy-filtered), upcoming or past."""
    now = timezone.now()
    queryset = Meeting.objects.select_related("case__child", "author_agency").prefetch_related(_invitations_prefetch())
    if upcoming:
        return queryset.filter(ends_at__gt=now, status=Meeting.Status.PLANNED).order_by("starts_at")[:limit]
    return queryset.exclude(ends_at__gt=now, status=Meeting.Status.PLANNED).order_by("-starts_at")[:limit]


def case_meetings(case) -> tuple[list[Meeting], list[Meeting]]:  # type: ignore[no-untyped-def]
    """Upcoming and past meetings of one case, as the current viewer may see them."""
    now = timezone.now()
    rows = list(
        Meeting.objects.filter(case=case)
        .select_related("author_agency")
        .prefetch_related(_invitations_prefetch())
        .order_by("starts_at")
    )
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
