"""Demo consents, recorded through the consent services (called inside system scope)."""

from __future__ import annotations

from typing import Any

from access.scoping import STAFF, Viewer
from agencies.models import Membership
from consent import services
from consent.models import Consent, InformationCategory


def _staff_viewer(user: Any, agency: Any) -> Viewer:
    membership = Membership.objects.get(user=user, agency=agency)
    return Viewer(
        kind=STAFF, user_id=user.pk, agency_id=agency.pk, role=membership.role, membership_id=membership.pk, user=user
    )


PURPOSE_TEAM = "Att skola, socialtjänsten och samordnaren ska kunna planera stödet till Elsa tillsammans."
PURPOSE_BUP = "Att BUP ska kunna vara med och planera stödet till Elsa och förbereda möten."
PURPOSE_BUP_SCHOOL = "Att BUP ska få se hur Elsa har det i skolan, inför utredningen av hennes sömn och oro."


def _granted_orally(viewer: Viewer, consent: Consent, parties: list[services.Party], membership: Membership) -> None:
    for party in parties:
        if not services.party_may_decide(consent.case, party):
            continue  # e.g. once Elsa is 15 she answers alone
        services.decision_record(
            viewer=viewer,
            consent=consent,
            party=party,
            decision="granted",
            method="oral",
            oral_to_membership_id=membership.pk,
        )


def seed(world: dict[str, Any]) -> dict[str, Any]:
    """Elsa (12): the team and BUP have consents in force; a request for BUP to see the
    school situation waits for both guardians (the browser test answers it). Noah: a
    request waits for his mother."""
    agencies, users, cases = world["agencies"], world["users"], world["cases"]
    guardians = world["guardians"]
    consents: dict[str, Consent] = {}
    categories = dict(InformationCategory.objects.values_list("code", "pk"))
    all_categories = list(categories.values())

    case = cases["elsa"]
    coordinator = _staff_viewer(users["samordnare"], agencies["samordning"])
    coordinator_membership = Membership.objects.get(user=users["samordnare"], agency=agencies["samordning"])
    family = [
        services.Party(guardian_id=guardians["lena"].pk),
        services.Party(guardian_id=guardians["mikael"].pk),
        services.CHILD,
    ]
    existing = {c.purpose: c for c in Consent.objects.filter(case=case)}
    if PURPOSE_TEAM not in existing:
        consent = services.consent_request(
            viewer=coordinator,
            case=case,
            purpose=PURPOSE_TEAM,
            agency_ids=[agencies[k].pk for k in ("samordning", "skola", "soc")],
            category_ids=all_categories,
        )
        _granted_orally(coordinator, consent, family, coordinator_membership)
        existing[PURPOSE_TEAM] = consent
    if PURPOSE_BUP not in existing:
        consent = services.consent_request(
            viewer=coordinator,
            case=case,
            purpose=PURPOSE_BUP,
            agency_ids=[agencies["bup"].pk],
            category_ids=[pk for code, pk in categories.items() if code != "school"],
        )
        _granted_orally(coordinator, consent, family, coordinator_membership)
        existing[PURPOSE_BUP] = consent
    if PURPOSE_BUP_SCHOOL not in existing:
        existing[PURPOSE_BUP_SCHOOL] = services.consent_request(
            viewer=coordinator,
            case=case,
            purpose=PURPOSE_BUP_SCHOOL,
            agency_ids=[agencies["bup"].pk],
            category_ids=[categories["school"]],
        )
    consents["elsa"] = existing[PURPOSE_TEAM]
    consents["elsa_bup"] = existing[PURPOSE_BUP]
    consents["elsa_bup_school"] = existing[PURPOSE_BUP_SCHOOL]

    case = cases["noah"]
    existing_noah = Consent.objects.filter(case=case).first()
    if existing_noah is None:
        bba = _staff_viewer(users["bvc"], agencies["bvc"])
        existing_noah = services.consent_request(
            viewer=bba,
            case=case,
            purpose="Att barnhälsovården och habiliteringen ska kunna samordna stödet till Noah och hans mamma.",
            agency_ids=[agencies["bvc"].pk, agencies["hab"].pk],
            category_ids=all_categories,
        )
    consents["noah"] = existing_noah
    return {"consents": consents}
