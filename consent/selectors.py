"""Reads for the consent pages, the case panel and the family home.

Every function reads through the scoped managers inside the caller's scope (a request
has entered the viewer's), so it returns only what `access.policy` allows, and runs a
fixed number of queries however many consents, parties and decisions there are.

The cards themselves (states, parties, sentences) are `consent.cards`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import in_force, visible_to
from access.scoping import Viewer
from consent import rules
from consent.cards import (
    CLOSED_STATES,
    EFFECTIVE,
    ENDED,
    EXPIRED,
    INACTIVE,
    NOBODY,
    NOT_STARTED,
    REFUSED,
    REVOKED,
    STATE_LABELS,
    SUPERSEDED,
    WAITING,
    Change,
    ConsentCard,
    PartyStatus,
    Recipient,
    _change,
    _guardian_labels,
    _state,
)
from consent.models import Consent, ConsentDecision, ConsentGrant, ConsentScope, InformationCategory, MaturityAssessment
from consent.services import newest_versions_q
from portal import prepared
from portal.folded import Fold, hydrate, rows_json

__all__ = [
    "CLOSED_STATES",
    "EFFECTIVE",
    "ENDED",
    "EXPIRED",
    "INACTIVE",
    "NOBODY",
    "NOT_STARTED",
    "REFUSED",
    "REVOKED",
    "STATE_LABELS",
    "SUPERSEDED",
    "WAITING",
    "ActiveGrants",
    "Change",
    "ConsentCard",
    "PartyStatus",
    "Recipient",
    "active_grants",
    "build_cards",
    "case_cards",
    "family_card",
    "family_cards",
    "family_may_see",
    "history_cards",
    "maturity_history",
    "staff_card",
    "waiting_for_me",
]


def _bands_for(cases: Iterable[Any], assessments: dict[int, str | None] | None = None) -> dict[int, list[rules.Band]]:
    """Child id -> bands, for the cases' children (one query for the assessments, none
    when the caller has read each child's newest level: `assessments`)."""
    cases = list(cases)
    child_ids = {c.child_id for c in cases}
    newest: dict[int, str | None] = {}
    if assessments is not None and child_ids <= assessments.keys():
        newest = assessments
    else:
        for child_id, level in (
            MaturityAssessment.objects.filter(child_id__in=child_ids)
            .order_by("recorded_at", "id")
            .values_list("child_id", "level")
        ):
            newest[child_id] = level
    result = {}
    for case in cases:
        principal = case.owner_agency.principal
        result[case.child_id] = rules.bands(
            born=case.child.date_of_birth,
            asked_age=principal.child_asked_from_age,
            decides_age=principal.child_decides_from_age,
            assessment=newest.get(case.child_id),
        )
    return result


def build_cards(
    viewer: Viewer,
    consents: list[Consent],
    *,
    for_family: bool,
    own_grants: set[int] | None = None,
    guardianships: list[Any] | None = None,
    assessments: dict[int, str | None] | None = None,
    versions: list[Consent] | None = None,
    with_recipients: bool = True,
    decisions: list[ConsentDecision] | None = None,
) -> list[ConsentCard]:
    """Cards for consent versions (with `case__child`, `case__owner_agency__principal`
    selected). A fixed number of queries whatever the number of consents. `own_grants`:
    the ids of consents that let the staff viewer's agency in now, when the caller has
    them already (see `active_grants`). `guardianships`: every guardianship of the
    consents' children with `guardian` selected, ordered by the guardian's first name
    and id, when the caller has read them already (the collaboration page has).
    `assessments`: each child's newest maturity level (None: none), read by the caller.
    `versions`: every version of the consents' series, annotated `is_newest`, with
    `created_by` and `created_by_agency` selected, ordered by series and version, when
    the caller has read them. `with_recipients=False`: the cards name no recipients (a
    summary that shows only each consent's state: the scope rows are not read).
    `decisions`: every decision on the consents, ordered by id, with `recorded_by` and
    `oral_to__user` selected and `case_id` set, when the caller has read them."""
    from cases.models import Guardianship

    if not consents:
        return []
    from agencies.models import Agency

    ids = [c.pk for c in consents]
    # A consent names every recipient × category (about 90 rows each in a county), so the
    # rows carry ids only and the few agencies and categories are read once. `case_id`
    # lets the access log tie each row to its child without a lookup per row.
    scope_rows: list[ConsentScope] = []
    if with_recipients:
        scope_rows = list(
            ConsentScope.objects.filter(consent_id__in=ids)
            .annotate(case_id=F("consent__case_id"))
            .order_by("agency__name", "category__ordering", "category__name")
        )
    agencies = Agency.objects.in_bulk({row.agency_id for row in scope_rows}) if scope_rows else {}
    categories = InformationCategory.objects.in_bulk({row.category_id for row in scope_rows}) if scope_rows else {}
    if decisions is None:
        decisions = list(
            ConsentDecision.objects.filter(consent_id__in=ids)
            .annotate(case_id=F("consent__case_id"))
            .select_related("recorded_by", "oral_to__user")
            .order_by("id")
        )
    answers_of: dict[int, dict[str, ConsentDecision]] = {}
    for decision in decisions:
        key = rules.CHILD_PARTY if decision.is_child else f"g:{decision.guardian_id}"
        answers_of.setdefault(decision.consent_id, {})[key] = decision
    cases = {c.case_id: c.case for c in consents}
    guardians: dict[int, list[Any]] = {}
    if guardianships is None:
        guardianships = list(
            Guardianship.objects.filter(child_id__in={c.child_id for c in cases.values()}, has_custody=True)
            .select_related("guardian")
            .order_by("guardian__first_name", "id")
        )
    for ship in guardianships:
        if ship.has_custody:
            guardians.setdefault(ship.child_id, []).append(ship.guardian)
    bands = _bands_for(cases.values(), assessments)
    # Every version of the cards' series (one query): which is the version in force (no
    # newer one exists, whoever may see it), who asked (version 1) and who narrowed.
    if versions is None:
        versions = list(
            Consent.objects.filter(series__in={c.series for c in consents})
            .annotate(is_newest=newest_versions_q())
            .select_related("created_by", "created_by_agency")
            .order_by("series", "version")
        )
    by_series: dict[Any, list[Consent]] = {}
    newest: set[int] = set()
    for version in versions:  # ordered by series and version
        by_series.setdefault(version.series, []).append(version)
        if version.is_newest:  # type: ignore[attr-defined]
            newest.add(version.pk)
    recipients_by_consent: dict[int, list[Recipient]] = {}
    for row in scope_rows:
        recipients = recipients_by_consent.setdefault(row.consent_id, [])
        if not recipients or recipients[-1].agency.pk != row.agency_id:
            recipients.append(Recipient(agency=agencies[row.agency_id]))
        recipients[-1].categories.append(categories[row.category_id])

    now = timezone.now()
    today = timezone.localdate()
    if own_grants is None:
        own_grants = set()
        if viewer.is_staff:
            own_grants = set(
                ConsentGrant.objects.filter(in_force(now), consent_id__in=ids, agency_id=viewer.agency_id).values_list(
                    "consent_id", flat=True
                )
            )
    cards = []
    for consent in consents:
        case = cases[consent.case_id]
        child_guardians = guardians.get(case.child_id, [])
        guardian_ids = frozenset(g.pk for g in child_guardians)
        level = rules.level_at(now, bands[case.child_id])
        who = rules.parties(level, guardian_ids)
        mine = answers_of.get(consent.pk, {})
        # Managers (and the family) see who answered what; recipient agencies see the state.
        decisions_visible = for_family or _manages_case(viewer, case)
        parties = []
        for guardian in child_guardians:
            key = f"g:{guardian.pk}"
            is_you = for_family and guardian.user_id == viewer.user_id
            label, label_object = _guardian_labels(viewer, guardian, for_family=for_family)
            parties.append(
                PartyStatus(
                    key=key,
                    label=label,
                    is_you=is_you,
                    counts=key in who.all,
                    required=key in who.required,
                    decision=mine.get(key),
                    label_object=label_object,
                )
            )
        child_is_you = for_family and viewer.role == "child" and case.child.user_id == viewer.user_id
        if rules.CHILD_PARTY in who.all or rules.CHILD_PARTY in mine:
            parties.append(
                PartyStatus(
                    key=rules.CHILD_PARTY,
                    label=_("Du") if child_is_you else case.child.first_name,
                    is_you=child_is_you,
                    counts=rules.CHILD_PARTY in who.all,
                    required=rules.CHILD_PARTY in who.required,
                    decision=mine.get(rules.CHILD_PARTY),
                    label_object=_("dig") if child_is_you else case.child.first_name,
                )
            )
        answers = {key: d.decision for key, d in mine.items()}
        full_state = _state(consent, consent.pk in newest, answers, who, guardian_ids, bands[case.child_id], now, today)
        state = full_state
        if not decisions_visible and state not in CLOSED_STATES:
            # A recipient agency sees whether the consent lets it in now, not who said what.
            state = EFFECTIVE if consent.pk in own_grants else INACTIVE
        series = by_series.get(consent.series, [])
        first = next((v for v in series if v.version == 1), None)
        # The newest narrowing up to this version (a version after the first that did not
        # end the consent). Recipient agencies see the scope, not who changed it.
        narrowing = next(
            (v for v in reversed(series) if 1 < v.version <= consent.version and v.ended_at is None),
            None,
        )
        cards.append(
            ConsentCard(
                consent=consent,
                recipients=recipients_by_consent.get(consent.pk, []),
                parties=parties,
                state=state,
                is_newest=consent.pk in newest,
                decisions_visible=decisions_visible,
                you=next((p for p in parties if p.is_you), None),
                for_family=for_family,
                viewer_is_child=child_is_you,
                full_state=full_state,
                requested=_change(viewer, first, case, child_guardians, for_family=for_family) if first else None,
                narrowed=(
                    _change(viewer, narrowing, case, child_guardians, for_family=for_family)
                    if narrowing and decisions_visible
                    else None
                ),
                today=today,
            )
        )
    return cards


def _manages_case(viewer: Viewer, case: Any) -> bool:
    from consent.services import manages

    return manages(viewer, case)


def _consents() -> Any:
    return Consent.objects.select_related("case__child", "case__owner_agency__principal", "created_by")


def family_cards(viewer: Viewer) -> list[ConsentCard]:
    """The versions in force of every consent about the viewer's child (or themself, for a
    child whose answer counts), newest first."""
    consents = list(_consents().filter(newest_versions_q()).order_by("-created_at", "-id"))
    cards = build_cards(viewer, consents, for_family=True)
    return [card for card in cards if family_may_see(viewer, card)]


def family_may_see(viewer: Viewer, card: ConsentCard) -> bool:
    """Guardians see every consent about their child; the child sees them once their own
    answer counts (asked from 12, deciding from 15, or by a maturity assessment)."""
    if viewer.role != "child":
        return True
    return card.you is not None and card.you.counts


def family_card(viewer: Viewer, consent_uuid: Any) -> ConsentCard | None:
    consent = _consents().filter(uuid=consent_uuid).first()
    if consent is None:
        return None
    card = build_cards(viewer, [consent], for_family=True)[0]
    return card if family_may_see(viewer, card) else None


def waiting_for_me(viewer: Viewer) -> list[ConsentCard]:
    """Consents in force that wait for the signed-in family member's answer (the family
    home: each one's title and link).

    The cards `family_cards` would build, in fewer queries: every version of the
    viewer's consents in one read (the versions in force are among them; the older ones
    say who asked), each with its child's newest maturity level, and no recipients (the
    home names none: the scope rows are not read)."""
    newest_series = Consent.objects.filter(newest_versions_q()).values("series")
    newest_level = (
        MaturityAssessment.objects.filter(child_id=OuterRef("case__child_id"))
        .order_by("-recorded_at", "-id")
        .values("level")[:1]
    )
    versions = list(
        _consents()
        .select_related("created_by_agency")
        .filter(series__in=newest_series)
        .annotate(is_newest=newest_versions_q(), child_level=Subquery(newest_level))
        .order_by("series", "version")
    )
    consents = sorted(
        (v for v in versions if v.is_newest),  # type: ignore[attr-defined]
        key=lambda v: (v.created_at, v.pk),
        reverse=True,
    )
    assessments = {v.case.child_id: v.child_level for v in versions}  # type: ignore[attr-defined]
    cards = build_cards(
        viewer, consents, for_family=True, assessments=assessments, versions=versions, with_recipients=False
    )
    return [card for card in cards if family_may_see(viewer, card) and card.waiting_for_you]


# The decisions on one consent version, as `build_cards` reads them (portal.folded).
_DECISIONS = Fold(ConsentDecision, ("recorded_by", "oral_to__user"), ("id",), "consent_id")


def _case_versions(viewer: Viewer, values: Mapping[str, Any]) -> QuerySet[Consent]:
    """Every version of the case's consents the viewer may see, with "newest" and the
    decisions on each (`case_cards`)."""
    return (
        visible_to(Consent, viewer)
        .filter(case_id=values["case_id"])
        .annotate(
            is_newest=newest_versions_q(),
            decisions_json=rows_json(_DECISIONS, visible_to(ConsentDecision, viewer).filter(consent_id=OuterRef("pk"))),
        )
        .select_related("created_by", "created_by_agency")
        .order_by("series", "version")
    )


def case_cards(
    viewer: Viewer,
    case: Any,
    *,
    own_grants: set[int] | None = None,
    guardianships: list[Any] | None = None,
    assessments: dict[int, str | None] | None = None,
    with_recipients: bool = True,
) -> list[ConsentCard]:
    """Versions in force of the case's consents the staff viewer may see, newest first
    (`guardianships`, `assessments`, `with_recipients`: as `build_cards` takes them). Every
    version of the case is read in one query: the cards' versions in force are among
    them, and the older ones say who asked and who narrowed. `case` is the page's, with
    `child` and `owner_agency__principal` selected."""
    # Compiled once per process and kind of viewer; the case and the viewer bound per call.
    versions = prepared.rows("consent.case_versions", _case_versions, viewer=viewer, values={"case_id": case.pk})
    for version in versions:
        version.case = case  # the page's case: no second read of the case and its child
    consents = sorted(
        (v for v in versions if v.is_newest),  # type: ignore[attr-defined]
        key=lambda v: (v.created_at, v.pk),
        reverse=True,
    )
    # The decisions on the versions in force, read with the versions and noted for the
    # access log as one read of them (as `build_cards` reads them), tied to the case.
    rows = [row for v in consents for row in v.decisions_json or []]  # type: ignore[attr-defined]
    decisions = sorted(hydrate(viewer, _DECISIONS, rows, case_id=case.pk), key=lambda d: d.pk)
    return build_cards(
        viewer,
        consents,
        for_family=False,
        own_grants=own_grants,
        guardianships=guardianships,
        assessments=assessments,
        versions=versions,
        with_recipients=with_recipients,
        decisions=decisions,
    )


@dataclass(frozen=True)
class ActiveGrants:
    """What the staff viewer's agency may see of one case now: the category names (in
    display order, in the reader's language) and the consents that give it."""

    category_labels: list[str]
    consent_ids: set[int]


def active_grants(viewer: Viewer, case: Any) -> ActiveGrants:
    """One query on the grant table for the case page's consent panel and cards."""
    now = timezone.now()
    labels: dict[int, str] = {}
    consent_ids: set[int] = set()
    for consent_id, category_id, name, name_en in (
        ConsentGrant.objects.filter(in_force(now), case_id=case.pk, agency_id=viewer.agency_id)
        .order_by("category__ordering", "category_id")
        .values_list("consent_id", "category_id", "category__name", "category__name_en")
    ):
        labels.setdefault(category_id, InformationCategory(name=name, name_en=name_en).label)
        consent_ids.add(consent_id)
    return ActiveGrants(category_labels=list(labels.values()), consent_ids=consent_ids)


def staff_card(viewer: Viewer, consent: Consent) -> ConsentCard:
    return build_cards(viewer, [consent], for_family=False)[0]


def history_cards(viewer: Viewer, consent: Consent, *, for_family: bool) -> tuple[list[ConsentCard], dict[int, list]]:
    """Every version of the consent's series, newest first, and every decision on each
    (append-only, never edited)."""
    versions = list(_consents().filter(series=consent.series).order_by("-version"))
    cards = build_cards(viewer, versions, for_family=for_family)
    all_decisions: dict[int, list] = {}
    for decision in (
        ConsentDecision.objects.filter(consent__series=consent.series)
        .select_related("recorded_by", "oral_to__user", "guardian")
        .order_by("id")
    ):
        all_decisions.setdefault(decision.consent_id, []).append(decision)
    return cards, all_decisions


def maturity_history(child: Any, *, viewer: Viewer) -> list[MaturityAssessment]:
    """The child's maturity assessments the viewer may see, newest first."""
    return list(
        visible_to(MaturityAssessment, viewer)
        .filter(child=child)
        .select_related("recorded_by", "recorded_by_agency")
        .order_by("-recorded_at", "-id")
    )
