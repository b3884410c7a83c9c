"""A family member's consent decision confirmed by eID: the redirect to the provider and
the page it returns to (`eid:confirm_return`, routed in web.eid_urls). The eID plumbing
(configuration, OpenID Connect, the evidence model) is in portal.eid."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from consent import eid_stepup as stepup
from consent import selectors
from consent.models import Consent
from portal.eid.conf import config

log = logging.getLogger(__name__)


def confirm_redirect(request: HttpRequest, consent: Consent, action: str, remove: Any = None) -> HttpResponse:
    """Send the family member to confirm `action` on `consent` with a fresh eID login."""
    eid = config()
    assert eid is not None
    try:
        url = stepup.start(
            session=request.session,
            config=eid,
            consent=consent,
            action=action,
            remove=remove,
            redirect_uri=request.build_absolute_uri(reverse("eid:confirm_return")),
        )
    except stepup.StepUpRefused as error:
        messages.error(request, str(error))
        return redirect("consent:family_detail", consent.uuid)
    except OSError:
        log.exception("eID provider unreachable")
        messages.error(request, stepup.unavailable_message())
        return redirect("consent:family_detail", consent.uuid)
    return redirect(url)


@require_GET
def confirm_return(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.is_anonymous:
        return redirect_to_login(reverse("consent:family"))
    eid = config()
    if eid is None or not viewer.is_family:
        raise Http404
    pending = stepup.take(request.session, request.GET.get("state", ""))
    if pending is None:
        return render(request, "eid/confirm_failed.html", status=400)
    card = selectors.family_card(viewer, pending["consent"])
    if card is None:
        raise Http404
    consent = card.consent
    if request.GET.get("error") or not request.GET.get("code"):
        messages.info(request, stepup.cancelled_message())
        return redirect("consent:family_detail", consent.uuid)
    try:
        evidence = stepup.finish(viewer=viewer, config=eid, pending=pending, code=request.GET["code"], consent=consent)
    except stepup.StepUpRefused as error:
        messages.error(request, str(error))
        return redirect("consent:family_detail", consent.uuid)
    messages.success(request, stepup.done_message(evidence.action))
    return redirect("consent:family_detail", evidence.consent.uuid)
