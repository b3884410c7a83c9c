"""Demo consents, recorded through the consent services (called inside system scope)."""

from __future__ import annotations

from typing import Any

from agencies.models import Membership
from consent import services
from consent.models import Consent, InformationCategory
from consent.scoping import STAFF, Viewer


def _staff_viewer(user: Any, agency: Any) -> Viewer:
    membership = Membership.objects.get(user=user, agency=agency)
    return Viewer(
        kind=STAFF, user_id=user.pk, agency_id=agency.pk, role=membership.role, membership_id=membership.pk, user=user
    )


def seed(world: dict[str, Any]) -> dict[str, Any]:
    agencies, users, cases = world["agencies"], world["users"], world["cases"]
    guardians = world["guardians"]
    consents: dict[str, Consent] = {}
    all_categories = list(InformationCategory.objects.values_list("pk", flat=True))

    case = cases["elsa"]
    existing = Consent.objects.filter(case=case).first()
    if existing is None:
        coordinator = _staff_viewer(users["samordnare"], agencies["samordning"])
        consent = services.consent_request(
            viewer=coordinator,
            case=case,
            purpose="Att skola, BUP, socialtjänsten och samordnaren ska kunna planera stödet till Elsa tillsammans.",
            agency_ids=[agencies[k].pk for k in ("samordning", "skola", "bup", "soc")],
            category_ids=all_categories,
        )
        coordinator_membership = Membership.objects.get(user=users["samordnare"], agency=agencies["samordning"])
        for party in (
            services.Party(guardian_id=guardians["lena"].pk),
            services.Party(guardian_id=guardians["mikael"].pk),
            services.CHILD,
        ):
            services.decision_record(
                viewer=coordinator,
                consent=consent,
                party=party,
                decision="granted",
                method="oral",
                oral_to_membership_id=coordinator_membership.pk,
            )
        existing = consent
    consents["elsa"] = existing

    case = cases["noah"]
    existing = Consent.objects.filter(case=case).first()
    if existing is None:
        bba = _staff_viewer(users["bvc"], agencies["bvc"])
        existing = services.consent_request(
            viewer=bba,
            case=case,
            purpose="Att barnhälsovården och habiliteringen ska kunna samordna stödet till Noah och hans mamma.",
            agency_ids=[agencies["bvc"].pk, agencies["hab"].pk],
            category_ids=all_categories,
        )
    consents["noah"] = existing
    return {"consents": consents}
