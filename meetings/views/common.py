"""Helpers shared by the meeting views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from access import policy
from access.scoping import Viewer
from meetings import selectors
from meetings.models import AgendaItem, ChildVoice, Invitation, Meeting, Preparation, PreparationSection
from meetings.selectors import own_invitation
from portal.folded import Fold, hydrate, rows_json

View = Callable[..., HttpResponse]


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def see_other(to: Any, *args: Any) -> HttpResponseSeeOther:
    """Redirect after a POST (303 See Other: the browser follows with a GET)."""
    return HttpResponseSeeOther(resolve_url(to, *args))


def signed_in(view: View) -> View:
    """Signed-out visitors are sent to sign in; anyone not staff or family gets 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = request.viewer  # type: ignore[attr-defined]
        if viewer.is_anonymous:
            return redirect_to_login(request.get_full_path())
        if not (viewer.is_staff or viewer.is_family):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def viewer_of(request: HttpRequest) -> Viewer:
    viewer = request.viewer  # type: ignore[attr-defined]
    if not (viewer.is_staff or viewer.is_family):
        raise Http404
    return viewer


def get_meeting(request: HttpRequest, meeting_uuid: Any) -> Meeting:
    """The meeting if the viewer may see it (missing and forbidden are both 404)."""
    return selectors.meeting_for_page(viewer_of(request), meeting_uuid)


def require_coordinator(viewer: Viewer, meeting: Meeting) -> None:
    if not policy.is_coordinator_of(viewer, meeting.case):
        raise Http404


def invitations_of(meeting: Meeting) -> list[Invitation]:
    """The meeting's active invitations the viewer may see, in a stable order."""
    rows = Invitation.objects.filter(meeting=meeting, withdrawn_at__isnull=True).select_related(
        "agency", "guardian", "external"
    )
    order = {"agency": 0, "guardian": 1, "child": 2, "external": 3}
    return sorted(rows, key=lambda i: (order[i.invitee_kind], i.pk))


_UNREAD = object()  # a meeting read without its folded columns (not `meeting_for_detail`)


def agenda_of(meeting: Meeting, viewer: Viewer | None = None) -> list[AgendaItem]:
    folded = getattr(meeting, "agenda_json", _UNREAD)  # read with the meeting (`meeting_for_detail`)
    if folded is not _UNREAD and viewer is not None:
        return hydrate(viewer, selectors.AGENDA, folded)
    return list(AgendaItem.objects.filter(meeting=meeting).select_related("written_by_guardian"))


def voices_of(viewer: Viewer, meeting: Meeting) -> list[ChildVoice]:
    folded = getattr(meeting, "voices_json", _UNREAD)
    if folded is not _UNREAD:
        return hydrate(viewer, selectors.VOICES, folded)
    return list(ChildVoice.objects.filter(meeting=meeting))


# The sections of a preparation, in their model's order (`PreparationSection.Meta`).
_SECTIONS = Fold(PreparationSection, ("category",), ("position", "id"), "preparation_id")


def meeting_context(viewer: Viewer, meeting: Meeting) -> dict[str, Any]:
    """Everything the meeting page shows, each part read through the policy."""
    invitations = invitations_of(meeting)
    agencies = [i for i in invitations if i.agency_id]
    # The page names each preparation's agency from its invitation or the meeting: the
    # preparations are read without their agency and meeting (set below, no join).
    # Each section is read under its own category: one the viewer's agency may not read
    # is simply absent (no count, no placeholder). The sections ride in the preparations'
    # query (`portal.folded`); a section is visible only with its preparation (its rule),
    # so these are the rows a read of the meeting's sections gives, noted as that read.
    read = list(
        Preparation.objects.filter(meeting=meeting).annotate(
            sections_json=rows_json(
                _SECTIONS, policy.visible_to(PreparationSection, viewer).filter(preparation_id=OuterRef("pk"))
            )
        )
    )
    preparations = {p.author_agency_id: p for p in read}
    folded = sorted((s for p in read for s in p.sections_json or []), key=lambda s: s["preparation_id"])  # type: ignore[attr-defined]
    sections: dict[int, list[PreparationSection]] = {}
    for section in hydrate(viewer, _SECTIONS, folded):
        sections.setdefault(section.preparation_id, []).append(section)
    for prep in preparations.values():
        prep.meeting = meeting  # the page's own meeting (`is_late` reads its deadline): no join
        prep.visible_sections = sections.get(prep.pk, [])  # type: ignore[attr-defined]
    voices = voices_of(viewer, meeting)
    mine = own_invitation(viewer, meeting, invitations)
    is_coordinator = policy.is_coordinator_of(viewer, meeting.case)
    # The team, read once for the coordinator: whom the "invite more" form offers, and the
    # invited agencies nobody in which was told (no contact person in the team), whom the
    # coordinator is asked to name one for (DESIGN rule 20).
    warn_uncontacted = is_coordinator and bool(agencies) and meeting.is_upcoming
    team = (
        selectors.invitable_agencies(viewer, meeting.case)
        if warn_uncontacted or (is_coordinator and meeting.is_open_for_changes)
        else None
    )
    uncontacted = {i.agency_id for i in agencies} - team.reachable if team is not None and warn_uncontacted else set()
    return {
        "meeting": meeting,
        "case": meeting.case,
        "child": meeting.case.child,
        "invitations": invitations,
        "agency_invitations": agencies,
        "preparation_rows": [(i, preparations.get(i.agency_id)) for i in agencies],
        "organiser_preparation": preparations.get(meeting.author_agency_id),
        "own_preparation": preparations.get(viewer.agency_id) if viewer.is_staff else None,
        "agenda": agenda_of(meeting, viewer),
        "child_voice": voices[0] if voices else None,
        "own_invitation": mine,
        "is_coordinator": is_coordinator,
        "uncontacted_agency_ids": uncontacted,
        "team_agencies": team,
        "is_guardian": viewer.is_family and viewer.role == "guardian",
        "is_child": viewer.is_family and viewer.role == "child",
    }
