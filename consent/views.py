"""Consent pages for the family (plain Swedish, phone first) and for staff.

Views parse input, call a selector or a service, and render. Objects come through the
policy (`policy.get_or_404`): a missing and a forbidden consent are the same 404. Write
pages answer 404 to everyone who may not use them; signed-out visitors are sent to
sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from agencies.models import Membership
from cases.models import Case, TeamMember
from consent import eid_stepup, eid_views, selectors, services, stepup
from consent.forms import CodeForm, MaturityForm, NarrowForm, RecordForm, RequestForm
from consent.models import Consent, ConsentDecision
from consent.services import ConsentError
from portal.eid.conf import config as eid_config
from portal.texts import editable_text

View = Callable[..., HttpResponse]


def _for(kind: str) -> Callable[[View], View]:
    """Signed-out visitors go to sign in; the other persona gets 404."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            viewer = request.viewer  # type: ignore[attr-defined]
            if viewer.is_anonymous:
                return redirect_to_login(request.get_full_path())
            if (kind == "family" and not viewer.is_family) or (kind == "staff" and not viewer.is_staff):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


family_only = _for("family")
staff_only = _for("staff")


# --------------------------------------------------------------------------------------
# Family
# --------------------------------------------------------------------------------------


@family_only
def family_overview(request: HttpRequest) -> HttpResponse:
    cards = selectors.family_cards(request.viewer)  # type: ignore[attr-defined]
    return render(request, "consent/family_overview.html", {"cards": cards})


def _family_card(request: HttpRequest, consent_uuid: Any) -> selectors.ConsentCard:
    card = selectors.family_card(request.viewer, consent_uuid)  # type: ignore[attr-defined]
    if card is None:
        raise Http404
    return card


@family_only
def family_detail(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    card = _family_card(request, consent_uuid)
    newest = None
    if not card.is_newest:
        newest = Consent.objects.filter(series=card.consent.series).order_by("-version").first()
    context = {
        "card": card,
        "newest": newest,
        "eid_name": getattr(eid_config(), "name", None),
        "eid_evidence": eid_stepup.evidence_for(viewer=request.viewer, consent=card.consent),  # type: ignore[attr-defined]
        "explained": editable_text("consent-explained"),
    }
    return render(request, "consent/family_detail.html", context)


@family_only
@require_POST
def family_answer(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    """Ja/Nej: send a fresh one-time code first (or, where eID is configured, a fresh eID
    authentication); the answer is recorded after it."""
    card = _family_card(request, consent_uuid)
    decision = request.POST.get("decision", "")
    if eid_config() is not None and decision in stepup.ANSWERS:
        return eid_views.confirm_redirect(request, card.consent, decision)
    try:
        challenge = stepup.code_issue(viewer=request.viewer, consent=card.consent, decision=decision)  # type: ignore[attr-defined]
    except ConsentError as error:
        messages.error(request, str(error))
        return redirect("consent:family_detail", card.consent.uuid)
    return redirect("consent:family_confirm", challenge.uuid)


@family_only
@require_http_methods(["GET", "POST"])
def family_confirm(request: HttpRequest, challenge_uuid: Any) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    challenge = stepup.challenge_get(viewer=viewer, challenge_uuid=challenge_uuid)
    if challenge is None:
        raise Http404
    card = _family_card(request, challenge.consent.uuid)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                decision = stepup.code_confirm(
                    viewer=viewer, challenge_uuid=challenge.uuid, code=form.cleaned_data["code"]
                )
            except ConsentError as error:
                form.add_error("code", str(error))
            else:
                if decision.decision == ConsentDecision.Decision.GRANTED:
                    messages.success(request, _("Tack! Du har sagt ja till samtycket."))
                else:
                    messages.success(request, _("Du har sagt nej. Ingen får se uppgifterna genom det här samtycket."))
                return redirect("consent:family_detail", card.consent.uuid)
        status = 400
    return render(
        request,
        "consent/family_confirm.html",
        {"card": card, "challenge": challenge, "form": form},
        status=status,
    )


@family_only
@require_http_methods(["GET", "POST"])
def family_revoke(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    """Revoking needs no code: taking sharing back must be as easy as possible."""
    card = _family_card(request, consent_uuid)
    if card.ended:
        messages.info(request, services.ended_message())
        return redirect("consent:family_detail", card.consent.uuid)
    if card.you is None or card.you.answer != ConsentDecision.Decision.GRANTED or not card.is_newest:
        messages.info(request, _("Det finns inget givet samtycke att ta tillbaka."))
        return redirect("consent:family_detail", card.consent.uuid)
    if request.method == "POST" and eid_config() is not None:
        return eid_views.confirm_redirect(request, card.consent, ConsentDecision.Decision.REVOKED)
    if request.method == "POST":
        party = services.Party.from_key(card.you.key)
        try:
            services.decision_record(
                viewer=request.viewer,  # type: ignore[attr-defined]
                consent=card.consent,
                party=party,
                decision=ConsentDecision.Decision.REVOKED,
                method=ConsentDecision.Method.PORTAL,
            )
        except ConsentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Du har tagit tillbaka ditt samtycke. Det gäller från och med nu."))
        return redirect("consent:family_detail", card.consent.uuid)
    return render(request, "consent/family_revoke.html", {"card": card})


def _pair_value(agency_id: int, category_id: int) -> str:
    return f"{agency_id}:{category_id}"


def _narrow(request: HttpRequest, card: selectors.ConsentCard, template: str, done: str) -> HttpResponse:
    pairs = [(_pair_value(a.pk, c.pk), f"{a.name}: {c.label}") for a, c in card.pairs]
    form = NarrowForm(request.POST or None, pairs=pairs)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            keep = set(form.cleaned_data["keep"])
            remove = [(a.pk, c.pk) for a, c in card.pairs if _pair_value(a.pk, c.pk) not in keep]
            if request.viewer.is_family and eid_config() is not None and remove and len(remove) < len(card.pairs):  # type: ignore[attr-defined]
                return eid_views.confirm_redirect(request, card.consent, "narrowed", remove=remove)
            try:
                new = services.consent_narrow(viewer=request.viewer, consent=card.consent, remove=remove)  # type: ignore[attr-defined]
            except ConsentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Samtycket är begränsat. Ändringen gäller från och med nu."))
                return redirect(done, new.uuid)
        status = 400
    return render(request, template, {"card": card, "case": card.consent.case, "form": form}, status=status)


@family_only
@require_http_methods(["GET", "POST"])
def family_narrow(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    card = _family_card(request, consent_uuid)
    if card.you is None or not card.you.counts or not card.open_for_answers:
        raise Http404
    return _narrow(request, card, "consent/family_narrow.html", "consent:family_detail")


# --------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------


def _case(request: HttpRequest, case_uuid: Any) -> Case:
    return policy.get_or_404(
        Case,
        request.viewer,  # type: ignore[attr-defined]
        uuid=case_uuid,
    )


def _managed_case(request: HttpRequest, case_uuid: Any) -> Case:
    case = _case(request, case_uuid)
    if not services.manages(request.viewer, case):  # type: ignore[attr-defined]
        raise Http404
    return case


def _staff_consent(request: HttpRequest, consent_uuid: Any) -> Consent:
    consent = policy.get_or_404(Consent, request.viewer, uuid=consent_uuid)  # type: ignore[attr-defined]
    return Consent.objects.select_related("case__child", "case__owner_agency__principal", "created_by").get(
        pk=consent.pk
    )


def _managed_consent(request: HttpRequest, consent_uuid: Any) -> Consent:
    consent = _staff_consent(request, consent_uuid)
    if not services.manages(request.viewer, consent.case):  # type: ignore[attr-defined]
        raise Http404
    return consent


@staff_only
def case_consents(request: HttpRequest, case_uuid: Any) -> HttpResponse:
    case = _case(request, case_uuid)
    cards = selectors.case_cards(request.viewer, case)  # type: ignore[attr-defined]
    prefetch_related_objects([case], "child")  # the page names the child
    return render(
        request,
        "consent/case_consents.html",
        {"case": case, "cards": cards, "manages": services.manages(request.viewer, case)},  # type: ignore[attr-defined]
    )


@staff_only
@require_http_methods(["GET", "POST"])
def consent_request(request: HttpRequest, case_uuid: Any) -> HttpResponse:
    case = _managed_case(request, case_uuid)
    team = [
        tm.agency
        for tm in TeamMember.objects.filter(case=case, left_at__isnull=True, agency__is_active=True)
        .select_related("agency")
        .order_by("agency__name")
    ]
    form = RequestForm(request.POST or None, team=team, months=case.owner_agency.principal.consent_default_months)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent = services.consent_request(
                    viewer=request.viewer,  # type: ignore[attr-defined]
                    case=case,
                    purpose=data["purpose"],
                    agency_ids=[int(a) for a in data["agencies"]],
                    category_ids=[c.pk for c in data["categories"]],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                )
            except ConsentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Familjen har fått frågan i portalen."))
                return redirect("consent:staff_detail", consent.uuid)
        status = 400
    prefetch_related_objects([case], "child")  # the page names the child
    return render(request, "consent/request.html", {"case": case, "form": form}, status=status)


@staff_only
def staff_detail(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    consent = _staff_consent(request, consent_uuid)
    card = selectors.staff_card(request.viewer, consent)  # type: ignore[attr-defined]
    return render(
        request,
        "consent/staff_detail.html",
        {"card": card, "case": consent.case, "manages": services.manages(request.viewer, consent.case)},  # type: ignore[attr-defined]
    )


@staff_only
def history(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    consent = _managed_consent(request, consent_uuid)
    cards, decisions = selectors.history_cards(request.viewer, consent, for_family=False)  # type: ignore[attr-defined]
    versions = [(card, decisions.get(card.consent.pk, [])) for card in cards]
    return render(request, "consent/history.html", {"consent": consent, "case": consent.case, "versions": versions})


@staff_only
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    consent = _managed_consent(request, consent_uuid)
    card = selectors.staff_card(request.viewer, consent)  # type: ignore[attr-defined]
    if not card.open_for_answers:
        messages.info(request, _("Det går inte att registrera svar på den här versionen."))
        return redirect("consent:staff_detail", consent.uuid)
    parties = [(p.key, p.label) for p in card.parties if p.counts]
    staff = [
        (str(m.pk), f"{m.user.full_name}{', ' + m.title if m.title else ''}")
        for m in Membership.objects.filter(is_active=True).select_related("user").order_by("user__full_name")
    ]
    form = RecordForm(request.POST or None, parties=parties, staff=staff)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.decision_record(
                    viewer=request.viewer,  # type: ignore[attr-defined]
                    consent=consent,
                    party=services.Party.from_key(data["party"]),
                    decision=data["decision"],
                    method=data["method"],
                    oral_to_membership_id=int(data["oral_to"]) if data.get("oral_to") else None,
                    note=data.get("note", ""),
                )
            except ConsentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Svaret är registrerat."))
                return redirect("consent:staff_detail", consent.uuid)
        status = 400
    return render(request, "consent/record.html", {"card": card, "case": consent.case, "form": form}, status=status)


@staff_only
@require_http_methods(["GET", "POST"])
def staff_narrow(request: HttpRequest, consent_uuid: Any) -> HttpResponse:
    consent = _managed_consent(request, consent_uuid)
    card = selectors.staff_card(request.viewer, consent)  # type: ignore[attr-defined]
    if not card.open_for_answers:
        messages.info(request, _("Det går inte att ändra den här versionen."))
        return redirect("consent:staff_detail", consent.uuid)
    return _narrow(request, card, "consent/staff_narrow.html", "consent:staff_detail")


@staff_only
@require_http_methods(["GET", "POST"])
def maturity(request: HttpRequest, case_uuid: Any) -> HttpResponse:
    case = _managed_case(request, case_uuid)
    form = MaturityForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.maturity_assess(
                    viewer=request.viewer,  # type: ignore[attr-defined]
                    child=case.child,
                    level=form.cleaned_data["level"],
                    reason=form.cleaned_data["reason"],
                )
            except ConsentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Bedömningen är sparad och gäller från och med nu."))
                return redirect("consent:case", case.uuid)
        status = 400
    level = services.level_now(case)
    return render(
        request,
        "consent/maturity.html",
        {
            "case": case,
            "form": form,
            "assessments": selectors.maturity_history(case.child, viewer=request.viewer),  # type: ignore[attr-defined]
            "level_label": dict(_level_labels()).get(level, level),
        },
        status=status,
    )


def _level_labels() -> list[tuple[str, str | Promise]]:
    from consent.models import MaturityAssessment

    return list(MaturityAssessment.Level.choices)
