"""The live meeting room. The page connects a websocket (meetings.consumers) that says
only *which part* changed; each part is re-fetched here through the policy, so every
live read is an ordinary, logged page read. The coordinator's actions are plain POSTs
to the services (htmx when available), answered with the fresh part."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from access import policy
from meetings import services
from meetings.forms import DecisionForm, NoteForm
from meetings.models import AgendaItem, Decision, Invitation, Meeting, MinuteNote
from meetings.services.room import responsible_agencies
from meetings.views.common import (
    HttpResponseSeeOther,
    agenda_of,
    get_meeting,
    invitations_of,
    require_coordinator,
    see_other,
    signed_in,
    viewer_of,
)
from portal.fragments import partial

PARTS = {
    "agenda": "meetings/room/_agenda.html",
    "attendance": "meetings/room/_attendance.html",
    "minutes": "meetings/room/_minutes.html",
    "meeting": "meetings/room/_status.html",
}


def minutes_parts(meeting: Meeting) -> dict[str, Any]:
    """Notes and decisions grouped under their agenda items (policy-filtered)."""
    agenda = agenda_of(meeting)
    notes = list(MinuteNote.objects.filter(meeting=meeting))
    decisions = list(Decision.objects.filter(meeting=meeting).select_related("responsible_agency"))
    sections = []
    for item in [*agenda, None]:
        item_id = item.pk if item else None
        known = {a.pk for a in agenda}
        section_notes = [
            n for n in notes if n.agenda_item_id == item_id or (item is None and n.agenda_item_id not in known)
        ]
        section_decisions = [
            d for d in decisions if d.agenda_item_id == item_id or (item is None and d.agenda_item_id not in known)
        ]
        if item is not None or section_notes or section_decisions:
            sections.append({"item": item, "notes": section_notes, "decisions": section_decisions})
    return {
        "agenda": agenda,
        "sections": sections,
        "has_minutes": bool(notes or decisions),
        "decisions": decisions,
    }


def _part_context(viewer: Any, meeting: Meeting, part: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "meeting": meeting,
        "is_coordinator": policy.is_coordinator_of(viewer, meeting.case),
        "part": part,
    }
    if part == "agenda":
        context["agenda"] = agenda_of(meeting)
    elif part == "attendance":
        context["invitations"] = invitations_of(meeting)
    elif part == "minutes":
        context.update(minutes_parts(meeting))
    return context


@signed_in
def room(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    if meeting.is_cancelled:
        raise Http404
    context: dict[str, Any] = {"meeting": meeting, "case": meeting.case, "child": meeting.case.child}
    for part in PARTS:
        context.update(_part_context(viewer, meeting, part))
    context.pop("part", None)
    context["confirm"] = confirm_context(viewer, meeting, CONFIRM_STEPS.get(request.GET.get("bekrafta", "")))
    if context["is_coordinator"]:
        context["note_form"] = NoteForm(prefix="note")
        context["decision_form"] = DecisionForm(prefix="decision", agency_choices=responsible_agencies(meeting))
    return render(request, "meetings/room/room.html", context)


@signed_in
def room_part(request: HttpRequest, meeting_uuid: Any, part: str) -> HttpResponse:
    """One part of the room, re-fetched when the socket says it changed."""
    viewer = viewer_of(request)
    if part not in PARTS:
        raise Http404
    meeting = get_meeting(request, meeting_uuid)
    if meeting.is_cancelled:
        raise Http404
    return render(partial(request), PARTS[part], _part_context(viewer, meeting, part))


def _respond(request: HttpRequest, meeting: Meeting, part: str, error: str | None = None) -> HttpResponse:
    """htmx: the fresh part (or the error with 400, shown next to the form); otherwise
    back to the room with a message."""
    viewer = request.viewer  # type: ignore[attr-defined]
    if request.headers.get("HX-Request"):
        if error:
            return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
        fresh = policy.get_or_404(Meeting, viewer, pk=meeting.pk)
        return render(partial(request), PARTS[part], _part_context(viewer, fresh, part))
    if error:
        messages.error(request, error)
    return see_other("meetings:room", meeting.uuid)


# The confirm step of starting early and of ending: ?bekrafta=<step> on the room page
# (without JavaScript: the POST without `confirm` redirects there), or the question alone
# into #room-confirm (htmx).
CONFIRM_STEPS = {"starta": "start", "avsluta": "end"}


def _confirm(step: str, question: str) -> dict[str, Any]:
    url_name = "meetings:room_start" if step == "start" else "meetings:room_end"
    return {"step": step, "question": question, "url_name": url_name}


def confirm_context(viewer: Any, meeting: Meeting, step: str | None) -> dict[str, Any] | None:
    """The question to ask for `step` ("start" / "end"), or None when it does not apply:
    not the coordinator, the meeting is not in that state, or starting needs no
    confirmation now."""
    if step is None or step not in CONFIRM_STEPS.values() or not policy.is_coordinator_of(viewer, meeting.case):
        return None
    if step == "start":
        if meeting.started_at is not None or meeting.is_cancelled or not services.start_needs_confirmation(meeting):
            return None
        return _confirm(step, services.start_question(meeting))
    if not meeting.is_live:
        return None
    return _confirm(step, services.end_question())


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "1"


def _ask(request: HttpRequest, meeting: Meeting, question: services.ConfirmationRequired) -> HttpResponse:
    """Show the question; nothing has changed."""
    if request.headers.get("HX-Request"):
        confirm = _confirm(question.action, str(question))
        return render(partial(request), "meetings/room/_confirm.html", {"meeting": meeting, "confirm": confirm})
    slug = next(k for k, v in CONFIRM_STEPS.items() if v == question.action)
    return HttpResponseSeeOther(f"{reverse('meetings:room', args=[meeting.uuid])}?bekrafta={slug}")


def _done(request: HttpRequest, to: str, meeting: Meeting) -> HttpResponse:
    """After the step (or its refusal, already in messages): the whole page changes, so
    htmx loads it anew."""
    if request.headers.get("HX-Request"):
        return HttpResponseClientRedirect(reverse(to, args=[meeting.uuid]))
    return see_other(to, meeting.uuid)


@signed_in
@require_POST
def room_start(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    try:
        services.room_start(viewer=viewer, meeting=meeting, confirmed=_confirmed(request))
    except services.ConfirmationRequired as question:
        return _ask(request, meeting, question)
    except services.MeetingError as error:
        messages.error(request, str(error))
    return _done(request, "meetings:room", meeting)


@signed_in
@require_POST
def room_end(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    try:
        services.room_end(viewer=viewer, meeting=meeting, confirmed=_confirmed(request))
    except services.ConfirmationRequired as question:
        return _ask(request, meeting, question)
    except services.MeetingError as error:
        messages.error(request, str(error))
        return _done(request, "meetings:room", meeting)
    messages.success(request, _("Mötet är avslutat. Läs igenom anteckningarna och dela dem med familjen."))
    return _done(request, "meetings:minutes", meeting)


@signed_in
@require_POST
def room_goto(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    item = None
    if request.POST.get("item"):
        item = policy.get_or_404(AgendaItem, viewer, uuid=request.POST["item"], meeting=meeting)
    try:
        services.room_goto(viewer=viewer, meeting=meeting, item=item)
    except services.MeetingError as error:
        return _respond(request, meeting, "agenda", str(error))
    return _respond(request, meeting, "agenda")


@signed_in
@require_POST
def room_attendance(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    invitation = policy.get_or_404(Invitation, viewer, uuid=request.POST.get("invitation"), meeting=meeting)
    try:
        services.attendance_mark(viewer=viewer, invitation=invitation, attendance=request.POST.get("attendance", ""))
    except services.MeetingError as error:
        return _respond(request, meeting, "attendance", str(error))
    return _respond(request, meeting, "attendance")


@signed_in
@require_POST
def room_note(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    form = NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        return _respond(request, meeting, "minutes", _("Skriv anteckningen."))
    try:
        services.note_add(viewer=viewer, meeting=meeting, text=form.cleaned_data["text"])
    except services.MeetingError as error:
        return _respond(request, meeting, "minutes", str(error))
    return _respond(request, meeting, "minutes")


@signed_in
@require_POST
def room_decision(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    form = DecisionForm(request.POST, prefix="decision", agency_choices=responsible_agencies(meeting))
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _respond(request, meeting, "minutes", _("Beslutet sparades inte: %(error)s") % {"error": first})
    data = form.cleaned_data
    try:
        services.decision_add(
            viewer=viewer,
            meeting=meeting,
            text=data["text"],
            due_date=data["due_date"],
            responsible_agency_id=data["responsible_agency"],
            responsible_person=data["responsible_person"],
        )
    except services.MeetingError as error:
        return _respond(request, meeting, "minutes", str(error))
    return _respond(request, meeting, "minutes")
