"""Agency pages: the admin's staff list, invitations, deactivation, switching agency."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import services
from agencies.forms import AcceptForm, InviteForm
from agencies.models import Membership, StaffInvitation
from portal import limits


def _require_admin(request: HttpRequest) -> None:
    if not request.viewer.is_agency_admin:  # type: ignore[attr-defined]
        raise Http404


def staff_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    memberships = Membership.objects.select_related("user").order_by("-is_active", "user__full_name")
    invitations = StaffInvitation.objects.filter(accepted_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "agencies/staff_list.html",
        {"staff": memberships, "invitations": invitations, "form": InviteForm()},
    )


@require_POST
def staff_invite(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.staff_invite(viewer=request.viewer, **form.cleaned_data)  # type: ignore[attr-defined]
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Inbjudan är skickad."))
            return redirect("agencies:staff")
    memberships = Membership.objects.select_related("user").order_by("-is_active", "user__full_name")
    invitations = StaffInvitation.objects.filter(accepted_at__isnull=True)
    return render(
        request,
        "agencies/staff_list.html",
        {"staff": memberships, "invitations": invitations, "form": form},
        status=400,
    )


@require_POST
@reauthentication_required
def staff_deactivate(request: HttpRequest, membership_uuid: str) -> HttpResponse:
    _require_admin(request)
    try:
        membership = Membership.objects.get(uuid=membership_uuid)
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        services.membership_deactivate(viewer=request.viewer, membership=membership)  # type: ignore[attr-defined]
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s kan inte längre logga in för verksamheten.") % {"name": membership.user.full_name}
        )
    return redirect("agencies:staff")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "agencies/invitation_invalid.html", status=404)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(raw_token=token, password=form.cleaned_data["password1"])
        except services.ServiceError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.info(request, _("Välkommen! Ställ nu in tvåfaktorsinloggning med en app i telefonen."))
            return redirect("mfa_activate_totp")
    return render(request, "agencies/invitation_accept.html", {"invitation": invitation, "form": form})


@require_POST
def switch_agency(request: HttpRequest) -> HttpResponse:
    try:
        membership_id = int(request.POST.get("membership", ""))
        chosen = services.acting_agency_switch(request=request, membership_id=membership_id)
    except (ValueError, services.ServiceError):
        messages.error(request, _("Du kan bara byta till en verksamhet där du har en roll."))
        return redirect("portal:home")
    messages.info(request, _("Du agerar nu för %(agency)s.") % {"agency": chosen.agency.name})
    return redirect("portal:home")


def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in staff member's personal API keys for the agency they act for."""
    from portal.models import ApiToken

    viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.is_staff:
        raise Http404
    tokens = ApiToken.objects.filter(membership_id=viewer.membership_id).order_by("-created_at")
    return render(request, "agencies/api_tokens.html", {"tokens": tokens, "new_token": None})


@require_POST
@reauthentication_required
def api_token_create(request: HttpRequest) -> HttpResponse:
    from portal.models import ApiToken

    viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.is_staff:
        raise Http404
    name = (request.POST.get("name") or "").strip()
    if not name:
        messages.error(request, _("Ge nyckeln ett namn, till exempel vad den ska användas till."))
        return redirect("agencies:api_tokens")
    limit = ApiToken._meta.get_field("name").max_length or 0
    if len(name) > limit:  # refused with a word, not cut short
        messages.error(request, limits.MESSAGE % {"limit_value": limit, "show_value": len(name)})
        return redirect("agencies:api_tokens")
    _token, raw = services.api_token_issue(viewer=viewer, name=name)
    tokens = ApiToken.objects.filter(membership_id=viewer.membership_id).order_by("-created_at")
    return render(request, "agencies/api_tokens.html", {"tokens": tokens, "new_token": raw})


@require_POST
def api_token_revoke(request: HttpRequest, token_uuid: str) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.is_staff or not services.api_token_revoke(viewer=viewer, token_uuid=token_uuid):
        raise Http404
    messages.success(request, _("Nyckeln är spärrad."))
    return redirect("agencies:api_tokens")
