"""The notification list (the bell) and marking read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from notifications.models import Notification


def notification_list(request: HttpRequest) -> HttpResponse:
    if not (request.viewer.is_staff or request.viewer.is_family):  # type: ignore[attr-defined]
        raise Http404
    notifications = list(Notification.objects.order_by("-id")[:50])
    return render(request, "notifications/list.html", {"notifications": notifications})


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if not (request.viewer.is_staff or request.viewer.is_family):  # type: ignore[attr-defined]
        raise Http404
    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:list")
