"""The notification list, the bell, marking read, e-mail preferences and unsubscribing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.scoping import Viewer
from notifications import kinds, selectors, services
from notifications.mail import unsubscribe_user_uuid
from notifications.models import Notification
from portal.fragments import partial


def _signed_in(request: HttpRequest) -> Viewer | HttpResponse:
    viewer: Viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.is_staff or viewer.is_family:
        return viewer
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    try:
        before = int(request.GET["fore"]) if "fore" in request.GET else None
    except ValueError:
        before = None
    page = selectors.notification_page(viewer=viewer, before=before)
    return render(request, "notifications/list.html", {"page": page, "before": before})


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell's inside, re-fetched by htmx when a push arrives or the socket reconnects."""
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    return render(partial(request), "notifications/_bell_inner.html", {"bell": selectors.bell_state(viewer=viewer)})


@require_GET
def open_notification(request: HttpRequest, notification_uuid: str) -> HttpResponse:
    """Mark one notification read and go to what it is about (a local path only)."""
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    notification = policy.get_or_404(Notification, viewer, uuid=notification_uuid)
    services.notifications_mark_read(viewer=viewer, uuids=[notification.uuid])
    target = notification.target_url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@require_POST
def mark_read(request: HttpRequest, notification_uuid: str) -> HttpResponse:
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    notification = policy.get_or_404(Notification, viewer, uuid=notification_uuid)
    services.notifications_mark_read(viewer=viewer, uuids=[notification.uuid])
    return redirect("notifications:list")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    count = services.notifications_mark_all_read(viewer=viewer)
    if count:
        messages.success(request, _("Alla notiser är markerade som lästa."))
    return redirect("notifications:list")


def _preference_kinds(request: HttpRequest, viewer: Viewer) -> list[kinds.Kind]:
    is_staff = viewer.is_staff or bool(getattr(request, "memberships", []))
    selected = {k.code for k in kinds.kinds_for(is_staff=is_staff)}
    if viewer.is_family:
        selected |= {k.code for k in kinds.kinds_for(is_staff=False)}
    return [k for k in kinds.KINDS.values() if k.code in selected]


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind: e-mail at once, in a daily summary, or never. In-app is always on."""
    viewer = _signed_in(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    user_id = int(viewer.user_id or 0)  # signed in: _signed_in returned a viewer
    offered = _preference_kinds(request, viewer)
    codes = [k.code for k in offered]
    error = ""
    if request.method == "POST":
        choices = {code: request.POST.get(f"kind-{code}", "") for code in codes}
        try:
            services.email_preferences_set(user_id=user_id, choices=choices)
        except services.PreferenceError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Dina val för e-post är sparade."))
            return redirect("notifications:preferences")
    current = services.email_preferences_get(user_id=user_id, codes=codes)
    rows = [(k, current[k.code]) for k in offered]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "choices": kinds.DELIVERY_CHOICES, "error": error},
        status=400 if error else 200,
    )


@csrf_exempt  # the signed token is the capability; mail clients' one-click POST has no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the daily summary without signing in. GET asks, POST does it (link scanners
    only GET); mail clients' one-click unsubscribe (RFC 8058) POSTs here directly."""
    from portal.models import User

    user_uuid = unsubscribe_user_uuid(token)
    user = User.objects.filter(uuid=user_uuid, is_active=True).first() if user_uuid else None
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        services.digest_unsubscribe(user_id=user.pk)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"done": done, "action": reverse("notifications:unsubscribe", args=[token])},
    )
