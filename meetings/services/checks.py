"""The checks a meeting's time, place and invitees pass before it is called or changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from meetings.models import Invitation, Meeting
from meetings.selectors import consented_agency_ids
from meetings.services.base import (
    MeetingError,
)
from meetings.workdays import preparation_due_default

MAX_DURATION = timedelta(hours=10)
MAX_AGENDA_ITEMS = 30


def _clean_text(value: str | None, *, limit: int | None = None) -> str:
    value = (value or "").strip()
    return value[:limit] if limit else value


def _check_time(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None or ends_at is None:
        raise MeetingError(_("Ange när mötet börjar och slutar."))
    if starts_at <= timezone.now():
        raise MeetingError(_("Mötet måste ligga i framtiden."))
    if ends_at <= starts_at:
        raise MeetingError(_("Mötet måste sluta efter att det börjar."))
    if ends_at - starts_at > MAX_DURATION:
        raise MeetingError(_("Ett möte kan vara högst tio timmar."))


def _check_place(case, place: str, video_link: str, *, kept_link: str = "") -> None:  # type: ignore[no-untyped-def]
    """`kept_link`: the meeting's stored link; left as it was, an old http:// link (from
    before https was required) does not block a reschedule."""
    if not place and not video_link:
        raise MeetingError(_("Ange en plats eller en länk till videomötet."))
    if video_link and video_link != kept_link and not video_link.lower().startswith("https://"):
        raise MeetingError(_("Länken till videomötet måste börja med https://."))
    # Time and place go to external actors by e-mail: they must not name the child.
    child = case.child
    text = f"{place} {video_link}".casefold()
    for name in (child.first_name, child.last_name):
        if name and len(name) > 1 and name.casefold() in text:
            raise MeetingError(
                _("Skriv inte barnets namn i platsen. Plats och tid skickas med e-post till externa deltagare.")
            )


def _check_due(due: datetime | None, starts_at: datetime) -> datetime | None:
    if due is None:
        # Two working days before, at 16:00 (meetings.workdays); none if that has passed.
        default = preparation_due_default(starts_at)
        return default if default > timezone.now() else None
    if due >= starts_at:
        raise MeetingError(_("Förberedelserna måste vara klara före mötet."))
    if due <= timezone.now():
        raise MeetingError(_("Sista dag för förberedelser har redan passerat."))
    return due


def _custodial_guardians(case) -> list:  # type: ignore[no-untyped-def]
    from cases.models import Guardianship

    with system_scope():
        return [
            g.guardian
            for g in Guardianship.objects.filter(child_id=case.child_id, has_custody=True)
            .select_related("guardian")
            .order_by("guardian_id")
        ]


def _check_agencies(case, organiser_agency_id: int, agency_ids: Iterable[int]) -> list[int]:  # type: ignore[no-untyped-def]
    """Only team agencies under an effective consent can be invited (DESIGN rule 7)."""
    from agencies.models import Agency
    from cases.models import TeamMember

    wanted = sorted(set(agency_ids) - {organiser_agency_id})
    if not wanted:
        return []
    with system_scope():
        team = set(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True, agency__is_active=True).values_list(
                "agency_id", flat=True
            )
        )
        names = dict(Agency.objects.filter(pk__in=wanted).values_list("pk", "name"))
    consented = consented_agency_ids(case.pk)
    for agency_id in wanted:
        if agency_id not in team:
            raise MeetingError(_("Bara verksamheter i teamet runt barnet kan bjudas in."))
        if agency_id not in consented:
            raise MeetingError(
                _("%(agency)s kan inte bjudas in: det finns inget gällande samtycke för verksamheten.")
                % {"agency": names.get(agency_id, "?")}
            )
    return wanted


def _check_externals(case, external_ids: Iterable[int]) -> list[int]:  # type: ignore[no-untyped-def]
    from cases.models import ExternalContact

    wanted = sorted(set(external_ids))
    if not wanted:
        return []
    with system_scope():
        found = set(
            ExternalContact.objects.filter(case_id=case.pk, pk__in=wanted)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
    if found != set(wanted):
        raise MeetingError(_("Externa deltagare måste höra till samverkan och ha en e-postadress."))
    return wanted


def _new_invitation(meeting: Meeting, viewer: Viewer, **invitee: object) -> Invitation:
    return Invitation(
        meeting=meeting,
        case_id=meeting.case_id,
        author_agency_id=meeting.author_agency_id,
        created_by_id=viewer.user_id,
        **invitee,
    )
