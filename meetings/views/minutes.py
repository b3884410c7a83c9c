"""The minutes after the meeting: read, share with the family, approve or comment,
print and PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy
from meetings import services
from meetings.forms import MinutesReplyForm
from meetings.models import Meeting, MinutesReply
from meetings.views.common import get_meeting, invitations_of, require_coordinator, see_other, signed_in, viewer_of
from meetings.views.room import minutes_parts
from portal.fragments import partial


def _minutes_context(request: HttpRequest, meeting_uuid: Any) -> dict[str, Any]:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    if meeting.started_at is None:
        raise Http404
    if viewer.is_family and meeting.minutes_shared_at is None:
        raise Http404
    context = {
        "meeting": meeting,
        "case": meeting.case,
        "child": meeting.case.child,
        "invitations": invitations_of(meeting),
        "is_coordinator": policy.is_coordinator_of(viewer, meeting.case),
        **minutes_parts(meeting),
    }
    context["replies"] = list(MinutesReply.objects.filter(meeting=meeting).select_related("written_by_guardian"))
    return context


@signed_in
def minutes(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    context = _minutes_context(request, meeting_uuid)
    viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.is_family:
        context["reply_form"] = MinutesReplyForm()
    context["plan_url"] = _plan_url(viewer, context["meeting"])
    return render(request, "meetings/minutes.html", context)


def _plan_url(viewer: Any, meeting: Meeting) -> str | None:
    from django.urls import NoReverseMatch, reverse

    name = "cases:family_plan" if viewer.is_family else "cases:plan"
    try:
        return reverse(name, args=[meeting.case.uuid])
    except NoReverseMatch:  # the plan pages belong to the cases app
        return None


@signed_in
def minutes_print(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    context = _minutes_context(request, meeting_uuid)
    policy.set_read_action("export")
    return render(request, "meetings/minutes_print.html", context)


@signed_in
def minutes_pdf(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    from weasyprint import HTML

    context = _minutes_context(request, meeting_uuid)
    policy.set_read_action("export")
    html = render_to_string("meetings/minutes_pdf.html", context, request=partial(request))
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    meeting = context["meeting"]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="anteckningar-{meeting.starts_at:%Y%m%d}.pdf"'
    return response


@signed_in
@require_POST
def minutes_share(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    require_coordinator(viewer, meeting)
    try:
        services.minutes_share(viewer=viewer, meeting=meeting)
    except services.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Anteckningarna är delade med familjen och de inbjudna verksamheterna."))
    return see_other("meetings:minutes", meeting.uuid)


@signed_in
@require_POST
def minutes_reply(request: HttpRequest, meeting_uuid: Any) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = get_meeting(request, meeting_uuid)
    form = MinutesReplyForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_reply(viewer=viewer, meeting=meeting, **form.cleaned_data)
        except services.MeetingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Tack! Samordnaren har fått ditt svar."))
    return see_other("meetings:minutes", meeting.uuid)
