"""The admin's page for the agency's own sign-in, and the sign-in chooser."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.decorators import reauthentication_required
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.scoping import system_scope
from agencies.idp import services, signin
from agencies.idp.forms import ChooseForm, IdentityProviderForm
from agencies.idp.models import AgencyIdentityProvider
from agencies.models import Membership


def _require_admin(request: HttpRequest) -> None:
    if not request.viewer.is_agency_admin:  # type: ignore[attr-defined]
        raise Http404


def _urls(request: HttpRequest, config: AgencyIdentityProvider) -> dict[str, str]:
    """What the admin gives their IdP: our SP metadata and ACS (SAML), redirect URI (OIDC)."""
    slug = config.agency.uuid.hex
    return {
        "sp_metadata": request.build_absolute_uri(reverse("saml_metadata", args=[slug])),
        "acs": request.build_absolute_uri(reverse("saml_acs", args=[slug])),
        "redirect_uri": request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": config.provider_id})
        ),
    }


def _page(request: HttpRequest, config: AgencyIdentityProvider, form: IdentityProviderForm, **extra: Any) -> Any:
    staff = Membership.objects.filter(is_active=True).select_related("user", "idp_identity").order_by("user__full_name")
    return render(
        request,
        "idp/settings.html",
        {"config": config, "form": form, "urls": _urls(request, config), "staff": staff, **extra},
    )


def settings_page(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    config = services.identity_provider_get(viewer=request.viewer)  # type: ignore[attr-defined]
    return _page(request, config, IdentityProviderForm(instance=config))


@require_POST
@reauthentication_required
def settings_save(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    viewer = request.viewer  # type: ignore[attr-defined]
    config = services.identity_provider_get(viewer=viewer)
    form = IdentityProviderForm(request.POST, instance=config)
    if not form.is_valid():
        return render(
            request,
            "idp/settings.html",
            {"config": config, "form": form, "urls": _urls(request, config), "staff": []},
            status=400,
        )
    result = services.identity_provider_save(viewer=viewer, config=form.save(commit=False))
    if result.ok:
        messages.success(request, _("Inställningarna är sparade. %(result)s") % {"result": result.message})
    else:
        messages.error(
            request,
            _("Inställningarna är sparade, men inloggningen kan inte användas än: %(result)s")
            % {"result": result.message},
        )
    return redirect("idp:settings")


@require_POST
def connection_test(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    viewer = request.viewer  # type: ignore[attr-defined]
    try:
        result = services.identity_provider_test(viewer=viewer)
    except services.ServiceError as error:
        messages.error(request, str(error))
        return redirect("idp:settings")
    config = services.identity_provider_get(viewer=viewer)
    return _page(request, config, IdentityProviderForm(instance=config), test_result=result)


@require_POST
@reauthentication_required
def identity_set(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    try:
        services.staff_identity_set(
            viewer=request.viewer,  # type: ignore[attr-defined]
            membership_uuid=request.POST.get("membership", ""),
            value=request.POST.get("value", ""),
        )
    except (services.ServiceError, ValueError, ValidationError) as error:  # ValidationError: not a uuid
        messages.error(request, str(error) if isinstance(error, services.ServiceError) else _("Ogiltig uppgift."))
    else:
        messages.success(request, _("Identiteten är sparad."))
    return redirect(reverse("idp:settings") + "#identities")


def _choices() -> list[AgencyIdentityProvider]:
    with system_scope():
        configs = (
            AgencyIdentityProvider.objects.select_related("agency")
            .filter(is_enabled=True, agency__is_active=True)
            .order_by("agency__name")
        )
        return [config for config in configs if config.is_ready()]


def choose(request: HttpRequest) -> HttpResponse:
    """'Logga in med din organisations inloggning': pick the agency (or type an e-mail
    whose domain the agency listed) and go to its IdP. The e-mail only picks the agency;
    who the person is comes from the IdP."""
    choices = _choices()
    form = ChooseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        config = _pick(choices, form.cleaned_data.get("agency"), form.cleaned_data.get("email") or "")
        if config is not None:
            provider = get_social_adapter(request).get_provider(request, config.provider_id)
            # Only a safe, local `next` is carried through the IdP round trip.
            return provider.redirect(request, process="login", next_url=get_next_redirect_url(request))
        form.add_error(
            None,
            _("Välj din verksamhet i listan. Hittar du den inte använder den inte en egen inloggning här."),
        )
    response = render(
        request, "idp/choose.html", {"form": form, "choices": choices}, status=400 if form.errors else 200
    )
    # CSP's form-action also governs where this form's submission may be redirected: the
    # IdPs offered here.
    response._csp_update = {"form-action": sorted({_origin(c) for c in choices})}  # type: ignore[attr-defined]
    return response


def _origin(config: AgencyIdentityProvider) -> str:
    url = urlsplit(
        config.saml_sso_url if config.protocol == AgencyIdentityProvider.Protocol.SAML else config.oidc_issuer
    )
    return f"{url.scheme}://{url.netloc}"


def _pick(choices: list[AgencyIdentityProvider], agency_uuid: Any, email: str) -> AgencyIdentityProvider | None:
    if agency_uuid:
        return next((c for c in choices if c.agency.uuid == agency_uuid), None)
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    found = [c for c in choices if domain in c.domains()]
    return found[0] if len(found) == 1 else None


def other_sign_in_refusal(request: HttpRequest, user: Any) -> HttpResponse | None:
    """A password or e-mail code sign-in of staff whose agency requires its own IdP."""
    if signin.pending_for(request, user) is not None:
        return None
    required = signin.agencies_requiring_idp(user)
    if not required:
        return None
    from allauth.account.internal.stagekit import clear_login

    clear_login(request)
    return render(request, "idp/idp_required.html", {"agencies": required}, status=403)


def connections_closed(request: HttpRequest) -> HttpResponse:
    """allauth's page for adding and removing sign-in accounts is closed: an agency's IdP
    account is tied to a membership by the agency admin, never by the person."""
    raise Http404


def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's ACS finish step, with python3-saml's validation errors that escape it
    (raised while reading the NameID of an otherwise valid response) refused like the rest."""
    from allauth.socialaccount.providers.saml.views import finish_acs
    from onelogin.saml2.errors import OneLogin_Saml2_ValidationError

    from agencies.idp.adapter import refused_page

    try:
        return finish_acs(request, organization_slug=organization_slug)
    except OneLogin_Saml2_ValidationError:
        return refused_page(request, "invalid", None)
