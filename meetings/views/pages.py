"""Pages before the meeting: lists, calling, the meeting page, answers, calendar files,
the agenda, preparations and the child's own words."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy
from cases.models import Case, ExternalContact, Guardianship
from consent.models import InformationCategory
from meetings import calendar, selectors, services
from meetings.forms import (
    AgendaItemForm,
    AnswerForm,
    CancelForm,
    ChildVoiceForm,
    InviteMoreForm,
    MeetingCallForm,
    MeetingEditForm,
    MeetingTimeForm,
    PreparationForm,
)
from meetings.models import AgendaItem, ChildVoice, Invitation, Meeting, Preparation, PreparationSection
from meetings.services.preparing import preparation_default_category
from meetings.views.common import (
    get_meeting,
    invitations_of,
    meeting_context,
    require_coordinator,
    see_other,
    signed_in,
    viewer_of,
)


@signed_in
def meeting_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    upcoming = list(selectors.meeting_list(viewer=viewer, upcoming=True))
    past = list(selectors.meeting_list(viewer=viewer, upcoming=False, limit=20))
    context: dict[str, Any] = {"upcoming": upcoming, "past": past}
    if viewer.is_staff:
        context["preparations_due"] = selectors.preparations_due(viewer)
    return render(request, "meetings/meeting_list.html", context)


def _externals(case: Case) -> list[ExternalContact]:
    return list(ExternalContact.objects.filter(case=case).exclude(email="").order_by("organisation", "name"))


def _call_options(viewer: Any, case: Case, *, team: selectors.TeamAgencies | None = None) -> dict[str, Any]:
    """The invitees the call and invite forms offer (`team`: the case's team, if read)."""
    options = (team or selectors.invitable_agencies(viewer, case)).options
    externals = _externals(case)
    return {
        "agency_options": options,
        "externals": externals,
        "agency_choices": [(o.agency_id, o.name) for o in options],
        "external_choices": [(e.pk, f"{e.name}, {e.organisation}") for e in externals],
    }


def _guardians(case: Case) -> list[Any]:
    return [
        g.guardian
        for g in Guardianship.objects.filter(child=case.child, has_custody=True)
        .select_related("guardian")
        .order_by("guardian_id")
    ]


@signed_in
def meeting_call(request: HttpRequest, case_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    case = policy.get_or_404(Case, viewer, uuid=case_uuid)
    if not policy.is_coordinator_of(viewer, case) or not case.is_open:
        raise Http404
    options = _call_options(viewer, case)
    choices = {"agency_choices": options["agency_choices"], "external_choices": options["external_choices"]}
    status = 200
    if request.method == "POST":
        form = MeetingCallForm(request.POST, **choices)
        if form.is_valid():
            try:
                meeting = services.meeting_call(viewer=viewer, case=case, **form.service_kwargs())
            except services.MeetingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Mötet är kallat. Inbjudningarna är skickade."))
                return see_other("meetings:detail", meeting.uuid)
        status = 400
    else:
        form = MeetingCallForm(
            initial={
                "invite_child": selectors.child_invited_by_default(case),
                "agencies": [o.agency_id for o in options["agency_options"] if o.allowed],
            },
            **choices,
        )
    selected = {int(v) for v in (form["agencies"].value() or []) if str(v).isdigit()}
    return render(
        request,
        "meetings/meeting_call.html",
        {"case": case, "form": form, "selected_agencies": selected, "guardians": _guardians(case), **options},
        status=status,
    )


@signed_in
def meeting_detail(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = selectors.meeting_for_detail(viewer, meeting_uuid)
    context = meeting_context(viewer, meeting)
    mine = context["own_invitation"]
    if mine is not None:
        context["answer_form"] = AnswerForm(
            initial={"answer": mine.answer if mine.answer != "pending" else None, "comment": mine.answer_comment}
        )
    context["agenda_form"] = AgendaItemForm()
    if context["is_coordinator"] and meeting.is_open_for_changes:
        options = _call_options(viewer, meeting.case, team=context["team_agencies"])
        invited = {i.agency_id for i in context["invitations"]}
        context["more_agencies"] = [o for o in options["agency_options"] if o.agency_id not in invited]
        invited_externals = {i.external_id for i in context["invitations"]}
        context["more_externals"] = [e for e in options["externals"] if e.pk not in invited_externals]
        context["child_invited"] = any(i.for_child for i in context["invitations"])
    return render(request, "meetings/meeting_detail.html", context)


@signed_in
def meeting_edit(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    if not meeting.is_open_for_changes:
        raise Http404
    status = 200
    if request.method == "POST":
        form = MeetingEditForm(request.POST, meeting=meeting)
        if form.is_valid():
            try:
                services.meeting_update(viewer=viewer, meeting=meeting, **form.service_kwargs())
            except services.MeetingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Mötet är ändrat. Alla inbjudna har fått en uppdaterad inbjudan."))
                return see_other("meetings:detail", meeting.uuid)
        status = 400
    else:
        form = MeetingEditForm(initial=MeetingTimeForm.initial_for(meeting), meeting=meeting)
    return render(
        request,
        "meetings/meeting_edit.html",
        {"meeting": meeting, "form": form, "cancel_form": CancelForm()},
        status=status,
    )


@signed_in
@require_POST
def meeting_cancel(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.meeting_cancel(viewer=viewer, meeting=meeting, reason=reason)
    except services.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Mötet är inställt. Alla inbjudna har fått besked."))
    return see_other("meetings:detail", meeting.uuid)


@signed_in
@require_POST
def invite_more(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    options = _call_options(viewer, meeting.case)
    form = InviteMoreForm(
        request.POST, agency_choices=options["agency_choices"], external_choices=options["external_choices"]
    )
    if not form.is_valid():
        messages.error(request, _("Välj någon att bjuda in."))
        return see_other("meetings:detail", meeting.uuid)
    try:
        services.invitation_add(
            viewer=viewer,
            meeting=meeting,
            agency_ids=form.cleaned_data["agencies"],
            invite_child=form.cleaned_data["invite_child"],
            external_ids=form.cleaned_data["externals"],
        )
    except services.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Inbjudan är skickad."))
    return see_other("meetings:detail", meeting.uuid)


@signed_in
@require_POST
def invitation_withdraw(request: HttpRequest, invitation_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    invitation = policy.get_or_404(Invitation, viewer, uuid=invitation_uuid)
    require_coordinator(viewer, invitation.meeting)
    try:
        services.invitation_withdraw(viewer=viewer, invitation=invitation)
    except services.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Inbjudan är borttagen och ett återbud är skickat."))
    return see_other("meetings:detail", invitation.meeting.uuid)


@signed_in
@require_POST
def invitation_answer(request: HttpRequest, invitation_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    invitation = policy.get_or_404(Invitation, viewer, uuid=invitation_uuid)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_answer(
                viewer=viewer,
                invitation=invitation,
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data["comment"],
                proposed_time=form.cleaned_data["proposed_time"],
            )
        except services.MeetingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Tack! Ditt svar är sparat."))
    else:
        messages.error(request, _("Välj ja, nej eller kanske."))
    return see_other("meetings:detail", invitation.meeting.uuid)


@signed_in
def invitation_ics(request: HttpRequest, invitation_uuid: Any) -> HttpResponse:
    """The calendar file of one invitation, for its invitee (or the coordinator)."""
    viewer = viewer_of(request)
    invitation = policy.get_or_404(Invitation, viewer, uuid=invitation_uuid)
    meeting = policy.get_or_404(Meeting, viewer, pk=invitation.meeting_id)
    invitations = invitations_of(meeting)
    mine = selectors.own_invitation(viewer, meeting, invitations)
    if (mine is None or mine.pk != invitation.pk) and not policy.is_coordinator_of(viewer, meeting.case):
        raise Http404
    policy.set_read_action("export")
    method = calendar.CANCEL if meeting.is_cancelled else calendar.REQUEST
    body = calendar.build(
        meeting,
        method=method,
        audience=calendar.PORTAL,
        attendees=[calendar.portal_attendee(i, viewer) for i in invitations],
    )
    response = HttpResponse(body, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="mote-{meeting.starts_at:%Y%m%d}.ics"'
    return response


@signed_in
@require_POST
def agenda_add(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_item_add(viewer=viewer, meeting=meeting, **form.cleaned_data)
        except services.MeetingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Punkten är tillagd på dagordningen."))
    else:
        messages.error(request, _("Skriv vad punkten handlar om."))
    return see_other(f"{meeting_detail_url(meeting)}#dagordning")


def meeting_detail_url(meeting: Meeting) -> str:
    from django.urls import reverse

    return reverse("meetings:detail", args=[meeting.uuid])


@signed_in
@require_POST
def agenda_remove(request: HttpRequest, item_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    item = policy.get_or_404(AgendaItem, viewer, uuid=item_uuid)
    try:
        services.agenda_item_remove(viewer=viewer, item=item)
    except services.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Punkten är borttagen."))
    return see_other(f"{meeting_detail_url(item.meeting)}#dagordning")


@signed_in
def preparation(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    """The viewer's agency's preparation: write, save as draft, submit."""
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    if not viewer.is_staff:
        raise Http404
    invited = Invitation.objects.filter(meeting=meeting, agency_id=viewer.agency_id, withdrawn_at__isnull=True).exists()
    if not invited and meeting.author_agency_id != viewer.agency_id:
        raise Http404
    existing = Preparation.objects.filter(meeting=meeting, author_agency_id=viewer.agency_id).first()
    categories = list(InformationCategory.objects.filter(is_active=True))
    status = 200
    if request.method == "POST":
        form = PreparationForm(request.POST, categories=categories)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.preparation_save(viewer=viewer, meeting=meeting, submit=submit, **form.cleaned_data)
            except services.MeetingError as error:
                form.add_error(None, str(error))
            else:
                if submit or (existing and existing.is_submitted):
                    messages.success(request, _("Förberedelsen är inskickad. De andra i mötet kan nu läsa den."))
                else:
                    messages.success(request, _("Utkastet är sparat. Bara din verksamhet ser det."))
                return see_other("meetings:detail", meeting.uuid)
        status = 400
    else:
        # Each section's category is preselected: what the writer chose before, else the
        # default for the agency's kind.
        default = preparation_default_category(viewer.agency_id).code
        initial = {f"{name}_category": default for name in PreparationForm.SECTIONS}
        if existing is not None:
            for section in PreparationSection.objects.filter(preparation=existing).select_related("category"):
                initial[section.kind] = section.text
                initial[f"{section.kind}_category"] = section.category.code
        form = PreparationForm(initial=initial, categories=categories)
    return render(
        request,
        "meetings/preparation_form.html",
        {"meeting": meeting, "form": form, "existing": existing},
        status=status,
    )


@signed_in
def child_voice(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    """The child's "what I want to say", in a child-friendly form."""
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    if not (viewer.is_family and viewer.role == "child"):
        raise Http404
    existing = ChildVoice.objects.filter(meeting=meeting).first()
    status = 200
    if request.method == "POST":
        form = ChildVoiceForm(request.POST)
        if form.is_valid():
            try:
                services.child_voice_save(viewer=viewer, meeting=meeting, **form.cleaned_data)
            except services.MeetingError as error:
                form.add_error(None, str(error))
            else:
                if form.cleaned_data["share_with"] == ChildVoice.ShareWith.EVERYONE:
                    messages.success(request, _("Tack! Nu kan alla som är med på mötet läsa det du skrev."))
                else:
                    messages.success(request, _("Tack! Nu kan din samordnare läsa det du skrev."))
                return see_other("meetings:detail", meeting.uuid)
        status = 400
    else:
        initial: dict[str, Any] = {}
        if existing is not None:
            initial = {
                "feeling": existing.feeling,
                "good_things": existing.good_things,
                "hard_things": existing.hard_things,
                "wishes": existing.wishes,
                "share_with": existing.share_with,
            }
        form = ChildVoiceForm(initial=initial)
    return render(request, "meetings/child_voice.html", {"meeting": meeting, "form": form}, status=status)
