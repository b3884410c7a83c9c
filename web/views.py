"""The portal's own pages: the home page of each persona, the accessibility statement,
and the health and reference endpoints used by operations and `make bench`."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from portal.panels import panels
from portal.texts import editable_text


def home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    if not request.user.is_authenticated:
        return redirect("account_login")
    if viewer.is_staff:
        return render(request, "portal/home_staff.html", panels("home_staff", viewer))
    if viewer.is_family:
        return render(request, "portal/home_family.html", panels("home_family", viewer))
    return render(request, "portal/home_none.html", status=403)


def email_addresses_closed(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail management page is closed (DESIGN rule 17). Adding an address
    answered differently when another account already had it (the address was listed or
    not), which told anyone whether an e-mail belongs to a guardian or staff member. Staff
    addresses come from their agency's invitation, families' from their coordinator."""
    raise Http404


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html", {"text": editable_text("accessibility-statement")})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bookmarks ask for /favicon.ico; the portal's icon is an SVG in static."""
    return redirect(static("portal/favicon.svg"), permanent=True)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html", {"text": editable_text("about-portal")})


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Up (200) while the database answers. `status` is "degraded" while work that must
    happen is overdue (an access loss not carried out within five minutes), so a monitor
    can alarm on it without the load balancer taking the instance out."""
    from consent.hooks import access_losses_overdue

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    overdue = access_losses_overdue()
    return JsonResponse({"status": "degraded" if overdue else "ok", "access_losses_overdue": overdue})


def reference(request: HttpRequest) -> HttpResponse:
    """The minimal view `make bench` compares every page against (same server, same stack)."""
    return HttpResponse("ok", content_type="text/plain")
