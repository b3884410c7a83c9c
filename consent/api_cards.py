"""The /api/v1/consents/ representation of consent versions (issue 15).

The same answers as `selectors.build_cards` gives the API (state, recipients and, for the
case's managers and the family, each party's answer) with only the reads the API shows:

* the page's consents carry `is_newest` and, for staff, whether a grant of the viewer's
  agency rests on them now (two EXISTS inside the one read);
* the recipient rows carry their agency's uuid and name and the category's code (no
  separate read of agencies and categories, no model per agency or category);
* decisions, custodial guardians and maturity assessments are read only for the consents
  whose answers the viewer is shown (the managers' and the family's). A recipient agency
  sees "in force for you / not", whose closed states (superseded, ended, expired) do not
  depend on any answer.

Every read goes through the scoped managers inside the request's scope, so the policy
decides which rows come back, and the access log notes each row read as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from access.policy import in_force, note_read
from access.scoping import Viewer
from consent import rules
from consent.models import Consent, ConsentDecision, ConsentGrant, ConsentScope, MaturityAssessment
from consent.selectors import EFFECTIVE, ENDED, EXPIRED, INACTIVE, SUPERSEDED, _state
from consent.services import manages, newest_versions_q


def api_consents(viewer: Viewer, queryset: QuerySet[Consent]) -> QuerySet[Consent]:
    """`queryset` with what every card needs selected and annotated (`is_newest`, and
    `own_grant` for staff)."""
    queryset = queryset.select_related("case__child", "case__owner_agency__principal").annotate(
        is_newest=newest_versions_q()
    )
    if viewer.is_staff:
        grants = ConsentGrant.objects.filter(in_force(timezone.now()), consent_id=OuterRef("pk"))
        queryset = queryset.annotate(own_grant=Exists(grants.filter(agency_id=viewer.agency_id)))
    return queryset


def card_json(viewer: Viewer, consents: list[Consent], *, for_family: bool) -> list[dict[str, Any]]:
    """The API shape of each consent (read with `api_consents`), in order."""
    if not consents:
        return []
    ids = [c.pk for c in consents]
    recipients = _recipients(viewer, ids)
    answered = [c for c in consents if for_family or manages(viewer, c.case)]
    shown = {c.pk for c in answered}
    decisions, guardians, bands = _answers(answered)
    now = timezone.now()
    today = timezone.localdate()
    result = []
    for consent in consents:
        case = consent.case
        data: dict[str, Any] = {
            "id": str(consent.uuid),
            "series": str(consent.series),
            "version": consent.version,
            "is_newest": consent.is_newest,  # type: ignore[attr-defined]
            "case": str(case.uuid),
            "purpose": consent.purpose,
            "valid_from": consent.valid_from.isoformat(),
            "valid_until": consent.valid_until.isoformat(),
            "state": "",
            "ended_at": consent.ended_at.isoformat() if consent.ended_at else None,
            "end_reason": consent.end_reason or None,
            "recipients": recipients.get(consent.pk, []),
        }
        if consent.pk in shown:
            data["state"], data["parties"] = _parties(
                viewer, consent, decisions.get(consent.pk, {}), guardians.get(case.child_id, []), bands, now, today
            )
        else:
            data["state"] = _recipient_state(consent, today)
        result.append(data)
    return result


def _recipient_state(consent: Consent, today: Any) -> str:
    """What a recipient agency is shown: a closed state, or whether it lets them in now."""
    if not consent.is_newest:  # type: ignore[attr-defined]
        return SUPERSEDED
    if consent.ended_at is not None:
        return ENDED
    if consent.valid_until < today:
        return EXPIRED
    return EFFECTIVE if getattr(consent, "own_grant", False) else INACTIVE


@dataclass(frozen=True, slots=True)
class _ScopeRead:
    """A recipient row as the access log notes it (what `policy.note_read` reads of a row)."""

    pk: int
    case_id: int


def _recipients(viewer: Viewer, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Consent id -> recipient agencies with their category codes (one query). A consent
    names every recipient × category (about 25 rows each in a county): the rows are read
    as tuples through the scoped manager, not as models, and noted for the access log as
    the manager notes models (tied to the child by `case_id`)."""
    result: dict[int, list[dict[str, Any]]] = {}
    rows = list(
        ConsentScope.objects.filter(consent_id__in=ids)
        .order_by("agency__name", "category__ordering", "category__name")
        .values_list(
            "pk", "consent_id", "consent__case_id", "agency_id", "agency__uuid", "agency__name", "category__code"
        )
    )
    note_read(viewer, ConsentScope, [_ScopeRead(pk, case_id) for pk, _c, case_id, *_rest in rows])
    last_agency: dict[int, int] = {}
    for _pk, consent_id, _case_id, agency_id, agency_uuid, agency_name, code in rows:
        recipients = result.setdefault(consent_id, [])
        if not recipients or last_agency[consent_id] != agency_id:
            recipients.append({"agency": str(agency_uuid), "agency_name": agency_name, "categories": []})
            last_agency[consent_id] = agency_id
        recipients[-1]["categories"].append(code)
    return result


def _answers(
    consents: list[Consent],
) -> tuple[dict[int, dict[str, ConsentDecision]], dict[int, list[tuple[int, int | None]]], dict[int, list[rules.Band]]]:
    """For consents whose answers are shown: decisions per consent and party key, custodial
    guardians (id, user id) per child in party order, and the maturity bands per child."""
    from cases.models import Guardianship

    if not consents:
        return {}, {}, {}
    decisions: dict[int, dict[str, ConsentDecision]] = {}
    for decision in (
        ConsentDecision.objects.filter(consent_id__in=[c.pk for c in consents])
        .annotate(case_id=F("consent__case_id"))
        .order_by("id")
    ):
        key = rules.CHILD_PARTY if decision.is_child else f"g:{decision.guardian_id}"
        decisions.setdefault(decision.consent_id, {})[key] = decision
    cases = {c.case.child_id: c.case for c in consents}
    guardians: dict[int, list[tuple[int, int | None]]] = {}
    for ship in (
        Guardianship.objects.filter(child_id__in=cases.keys(), has_custody=True)
        .annotate(guardian_user_id=F("guardian__user_id"))
        .order_by("guardian__first_name", "id")
    ):
        guardians.setdefault(ship.child_id, []).append((ship.guardian_id, ship.guardian_user_id))
    newest: dict[int, str] = {}
    for child_id, level in (
        MaturityAssessment.objects.filter(child_id__in=cases.keys())
        .order_by("recorded_at", "id")
        .values_list("child_id", "level")
    ):
        newest[child_id] = level
    bands = {}
    for child_id, case in cases.items():
        principal = case.owner_agency.principal
        bands[child_id] = rules.bands(
            born=case.child.date_of_birth,
            asked_age=principal.child_asked_from_age,
            decides_age=principal.child_decides_from_age,
            assessment=newest.get(child_id),
        )
    return decisions, guardians, bands


def _parties(
    viewer: Viewer,
    consent: Consent,
    mine: dict[str, ConsentDecision],
    child_guardians: list[tuple[int, int | None]],
    bands: dict[int, list[rules.Band]],
    now: Any,
    today: Any,
) -> tuple[str, list[dict[str, Any]]]:
    """(state, parties) for a reader who is shown the answers (the case's managers, the family)."""
    case = consent.case
    for_family = viewer.is_family
    guardian_ids = frozenset(pk for pk, _user in child_guardians)
    band_list = bands[case.child_id]
    who = rules.parties(rules.level_at(now, band_list), guardian_ids)
    parties = []
    for guardian_id, user_id in child_guardians:
        key = f"g:{guardian_id}"
        parties.append(_party("guardian", for_family and user_id == viewer.user_id, key, who, mine.get(key)))
    if rules.CHILD_PARTY in who.all or rules.CHILD_PARTY in mine:
        child_is_you = for_family and viewer.role == "child" and case.child.user_id == viewer.user_id
        parties.append(_party(rules.CHILD_PARTY, child_is_you, rules.CHILD_PARTY, who, mine.get(rules.CHILD_PARTY)))
    answers = {key: d.decision for key, d in mine.items()}
    newest = consent.is_newest  # type: ignore[attr-defined]
    return _state(consent, newest, answers, who, guardian_ids, band_list, now, today), parties


def _party(name: str, is_you: bool, key: str, who: rules.Parties, decision: ConsentDecision | None) -> dict[str, Any]:
    return {
        "party": name,
        "is_you": is_you,
        "counts": key in who.all,
        "required": key in who.required,
        "answer": decision.decision if decision else None,
        "decided_at": decision.decided_at.isoformat() if decision else None,
        "method": decision.method if decision else None,
    }
