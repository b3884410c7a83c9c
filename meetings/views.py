"""Meeting pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from meetings.models import Meeting


def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = list(
        Meeting.objects.filter(starts_at__gte=timezone.now(), status=Meeting.Status.PLANNED)
        .select_related("case__child")
        .order_by("starts_at")[:100]
    )
    return render(request, "meetings/meeting_list.html", {"meetings": meetings})
