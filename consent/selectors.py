"""Reads for the consent pages, the case panel and the family home.

Every function reads through the scoped managers inside the caller's scope (a request
has entered the viewer's), so it returns only what `access.policy` allows, and runs a
fixed number of queries however many consents, parties and decisions there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from access.policy import in_force
from access.scoping import Viewer
from consent import rules
from consent.models import Consent, ConsentDecision, ConsentGrant, ConsentScope, InformationCategory, MaturityAssessment
from consent.services import newest_versions_q

# Overall states of a consent version, for badges and plain-language sentences.
EFFECTIVE = "effective"
WAITING = "waiting"
REFUSED = "refused"
REVOKED = "revoked"
EXPIRED = "expired"
NOT_STARTED = "not_started"
SUPERSEDED = "superseded"
NOBODY = "nobody"
INACTIVE = "inactive"
ENDED = "ended"  # the collaboration closed (DESIGN rule 18)

STATE_LABELS = {
    EFFECTIVE: (gettext_noop("Gäller"), "ok"),
    WAITING: (gettext_noop("Väntar på svar"), "warn"),
    REFUSED: (gettext_noop("Nej"), "error"),
    REVOKED: (gettext_noop("Återkallat"), "error"),
    EXPIRED: (gettext_noop("Har gått ut"), ""),
    NOT_STARTED: (gettext_noop("Har inte börjat gälla"), "warn"),
    SUPERSEDED: (gettext_noop("Ersatt av en nyare version"), ""),
    NOBODY: (gettext_noop("Ingen kan samtycka"), "error"),
    INACTIVE: (gettext_noop("Gäller inte för er"), "warn"),
    ENDED: (gettext_noop("Upphörde när samverkan avslutades"), ""),
}
# States in which nobody can answer or change the version any more.
CLOSED_STATES = frozenset({EXPIRED, SUPERSEDED, ENDED})


@dataclass
class PartyStatus:
    key: str
    label: str
    is_you: bool
    counts: bool  # the party's answer counts now (required, or a refusal that blocks)
    required: bool
    decision: ConsentDecision | None = None
    # The label as the object of a sentence ("Återkallat av dig", "… av Gun").
    label_object: str = ""

    @property
    def answer(self) -> str | None:
        return self.decision.decision if self.decision else None

    @property
    def waiting(self) -> bool:
        return self.counts and self.decision is None


@dataclass
class Recipient:
    agency: Any
    categories: list[InformationCategory] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """Who made a version (asked for the consent, or narrowed it), for the card."""

    who: str  # as the object of a sentence: "Sara Samordnare (Testskolan)", "dig"
    agency: str  # the agency that asked ("" when a family member made the change)
    at: Any


def _day(value: Any) -> str:
    return date_format(timezone.localtime(value) if isinstance(value, datetime) else value, "j F Y")


@dataclass
class ConsentCard:
    consent: Consent
    recipients: list[Recipient]
    parties: list[PartyStatus]
    state: str
    is_newest: bool
    decisions_visible: bool
    you: PartyStatus | None = None
    for_family: bool = False
    viewer_is_child: bool = False
    # The state before a recipient agency's view folds it into "applies to you or not".
    full_state: str = ""
    requested: Change | None = None
    narrowed: Change | None = None
    today: date | None = None

    @property
    def state_label(self) -> str:
        return _(STATE_LABELS[self.state][0])

    @property
    def state_badge(self) -> str:
        return STATE_LABELS[self.state][1]

    @property
    def status_label(self) -> str:
        """The one status badge: what matters to this reader first."""
        if self.waiting_for_you:
            return _("Väntar på ditt svar")
        if self.waiting_for_other_guardian:
            return _("Väntar på den andra vårdnadshavaren")
        return self.state_label

    @property
    def status_badge(self) -> str:
        return "warn" if self.waiting_for_you else self.state_badge

    @property
    def title(self) -> str:
        """What the consent is about and who asked, in the reader's words."""
        child = self.consent.case.child.first_name
        agency = self.requested.agency if self.requested else ""
        asking = self.state in {WAITING, NOT_STARTED} and self.is_newest
        if not self.for_family:
            if agency:
                return _("%(agency)s bad om samtycke att dela uppgifter om %(child)s") % {
                    "agency": agency,
                    "child": child,
                }
            return _("Samtycke att dela uppgifter om %(child)s") % {"child": child}
        if self.viewer_is_child:
            if not agency:
                return _("Samtycke att dela uppgifter om dig")
            if asking:
                return _("%(agency)s ber om ditt samtycke att dela uppgifter om dig") % {"agency": agency}
            return _("%(agency)s bad om ditt samtycke att dela uppgifter om dig") % {"agency": agency}
        if not agency:
            return _("Samtycke att dela uppgifter om %(child)s") % {"child": child}
        if asking:
            return _("%(agency)s ber om ert samtycke att dela uppgifter om %(child)s") % {
                "agency": agency,
                "child": child,
            }
        return _("%(agency)s bad om ert samtycke att dela uppgifter om %(child)s") % {"agency": agency, "child": child}

    @property
    def requested_text(self) -> str:
        if self.requested is None:
            return ""
        return _("Frågan skickades av %(who)s, %(date)s.") % {
            "who": self.requested.who,
            "date": _day(self.requested.at),
        }

    @property
    def narrowed_text(self) -> str:
        if self.narrowed is None:
            return ""
        return _("Begränsat av %(who)s, %(date)s.") % {"who": self.narrowed.who, "date": _day(self.narrowed.at)}

    def _last(self, answer: str) -> PartyStatus | None:
        found = [p for p in self.parties if p.answer == answer and p.counts]
        return max(found, key=lambda p: p.decision.decided_at) if found else None  # type: ignore[union-attr]

    @property
    def period_text(self) -> str:
        """Until when, or since when it no longer applies — one sentence for every state."""
        consent = self.consent
        until = _day(consent.valid_until)
        state = self.state
        if state == EFFECTIVE:
            today = self.today or timezone.localdate()
            days = (consent.valid_until - today).days + 1
            if days <= 30:
                return ngettext(
                    "Gäller till och med %(date)s – %(days)s dag kvar.",
                    "Gäller till och med %(date)s – %(days)s dagar kvar.",
                    days,
                ) % {"date": until, "days": days}
            return _("Gäller till och med %(date)s.") % {"date": until}
        agreed = all(p.answer == rules.GRANTED for p in self.parties if p.required)
        if state == WAITING or (state == NOT_STARTED and not agreed):
            return _("Gäller från %(start)s till och med %(date)s, om alla som ska svara säger ja.") % {
                "start": _day(consent.valid_from),
                "date": until,
            }
        if state == NOT_STARTED:
            return _("Börjar gälla %(start)s och gäller till och med %(date)s.") % {
                "start": _day(consent.valid_from),
                "date": until,
            }
        if state in {REVOKED, REFUSED}:
            party = self._last(rules.REVOKED if state == REVOKED else rules.REFUSED)
            if party is None or party.decision is None:
                return _("Gäller inte.")
            day = _day(party.decision.decided_at)
            if state == REVOKED:
                return _("Togs tillbaka av %(who)s, %(date)s. Gäller inte längre.") % {
                    "who": party.label_object,
                    "date": day,
                }
            return _("%(who)s sa nej, %(date)s. Gäller inte.") % {"who": party.label, "date": day}
        if state == EXPIRED:
            return _("Gick ut efter %(date)s.") % {"date": until}
        if state == ENDED:
            return _("Upphörde %(date)s när samverkan avslutades.") % {"date": _day(consent.ended_at)}
        if state == SUPERSEDED:
            return _("En nyare version gäller i stället.")
        if state == NOBODY:
            return _("Ingen kan samtycka just nu.")
        if state == INACTIVE:
            if self.full_state == NOT_STARTED:
                return _("Har inte börjat gälla: perioden är %(start)s – %(date)s.") % {
                    "start": _day(consent.valid_from),
                    "date": until,
                }
            return _(
                "Familjen har inte gett samtycket, eller har tagit tillbaka det. Ni får inte se uppgifterna genom det."
            )
        return ""

    @property
    def effective(self) -> bool:
        return self.state == EFFECTIVE

    @property
    def ended(self) -> bool:
        return self.state == ENDED

    @property
    def waiting_for_other_guardian(self) -> bool:
        """The signed-in guardian has answered and the other guardian has not (yet)."""
        if self.you is None or self.you.decision is None or self.state != WAITING:
            return False
        return any(p.waiting and p.required and not p.is_you and p.key != rules.CHILD_PARTY for p in self.parties)

    @property
    def waiting_for_you(self) -> bool:
        return (
            self.you is not None
            and self.you.counts
            and self.you.decision is None
            and self.is_newest
            and self.state not in CLOSED_STATES
            and self.consent.case.is_open
        )

    @property
    def open_for_answers(self) -> bool:
        return self.is_newest and self.state not in CLOSED_STATES and self.consent.case.is_open

    @property
    def pairs(self) -> list[tuple[Any, InformationCategory]]:
        return [(r.agency, c) for r in self.recipients for c in r.categories]


def _bands_for(cases: Iterable[Any]) -> dict[int, list[rules.Band]]:
    """Child id -> bands, for the cases' children (one query for the assessments)."""
    cases = list(cases)
    child_ids = {c.child_id for c in cases}
    newest: dict[int, str] = {}
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
) -> list[ConsentCard]:
    """Cards for consent versions (with `case__child`, `case__owner_agency__principal`
    selected). A fixed number of queries whatever the number of consents. `own_grants`:
    the ids of consents that let the staff viewer's agency in now, when the caller has
    them already (see `active_grants`). `guardianships`: every guardianship of the
    consents' children with `guardian` selected, ordered by the guardian's first name
    and id, when the caller has read them already (the collaboration page has)."""
    from cases.models import Guardianship

    if not consents:
        return []
    from agencies.models import Agency

    ids = [c.pk for c in consents]
    # A consent names every recipient × category (about 90 rows each in a county), so the
    # rows carry ids only and the few agencies and categories are read once. `case_id`
    # lets the access log tie each row to its child without a lookup per row.
    scope_rows = list(
        ConsentScope.objects.filter(consent_id__in=ids)
        .annotate(case_id=F("consent__case_id"))
        .order_by("agency__name", "category__ordering", "category__name")
    )
    agencies = Agency.objects.in_bulk({row.agency_id for row in scope_rows})
    categories = InformationCategory.objects.in_bulk({row.category_id for row in scope_rows})
    decisions: dict[int, dict[str, ConsentDecision]] = {}
    for decision in (
        ConsentDecision.objects.filter(consent_id__in=ids)
        .annotate(case_id=F("consent__case_id"))
        .select_related("recorded_by", "oral_to__user")
        .order_by("id")
    ):
        key = rules.CHILD_PARTY if decision.is_child else f"g:{decision.guardian_id}"
        decisions.setdefault(decision.consent_id, {})[key] = decision
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
    bands = _bands_for(cases.values())
    # Every version of the cards' series (one query): which is the version in force (no
    # newer one exists, whoever may see it), who asked (version 1) and who narrowed.
    versions: dict[Any, list[Consent]] = {}
    newest: set[int] = set()
    for version in (
        Consent.objects.filter(series__in={c.series for c in consents})
        .annotate(is_newest=newest_versions_q())
        .select_related("created_by", "created_by_agency")
        .order_by("series", "version")
    ):
        versions.setdefault(version.series, []).append(version)
        if version.is_newest:
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
        mine = decisions.get(consent.pk, {})
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
        series = versions.get(consent.series, [])
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


def _guardian_labels(viewer: Viewer, guardian: Any, *, for_family: bool) -> tuple[str, str]:
    """(subject, object) words for a guardian, as this reader knows them: a guardian reads
    "Du" / "Den andra vårdnadshavaren", the child reads the first name, staff the full name."""
    if for_family and viewer.role == "guardian":
        if guardian.user_id == viewer.user_id:
            return _("Du"), _("dig")
        return _("Den andra vårdnadshavaren"), _("den andra vårdnadshavaren")
    if for_family:
        return guardian.first_name, guardian.first_name
    label = _("%(name)s (vårdnadshavare)") % {"name": guardian.full_name}
    return label, label


def _change(viewer: Viewer, version: Consent, case: Any, guardians: list[Any], *, for_family: bool) -> Change:
    """Who made `version`: staff by name and agency, a family member as the reader knows them."""
    user = version.created_by
    agency = version.created_by_agency
    if agency is not None:
        name = user.full_name if user is not None else ""
        who = _("%(name)s (%(agency)s)") % {"name": name, "agency": agency.name} if name else agency.name
        return Change(who=who, agency=agency.name, at=version.created_at)
    if version.created_by_id is not None and version.created_by_id == viewer.user_id:
        return Change(who=_("dig"), agency="", at=version.created_at)
    for guardian in guardians:
        if guardian.user_id is not None and guardian.user_id == version.created_by_id:
            who = _guardian_labels(viewer, guardian, for_family=for_family)[1]
            return Change(who=who, agency="", at=version.created_at)
    if case.child.user_id is not None and case.child.user_id == version.created_by_id:
        who = case.child.first_name if for_family else _("%(name)s (barnet)") % {"name": case.child.full_name}
        return Change(who=who, agency="", at=version.created_at)
    return Change(who=_("familjen"), agency="", at=version.created_at)


def _state(
    consent: Consent,
    is_newest: bool,
    answers: dict[str, str],
    who: rules.Parties,
    guardian_ids: frozenset[int],
    band_list: list[rules.Band],
    now: Any,
    today: date,
) -> str:
    if not is_newest:
        return SUPERSEDED
    if consent.ended_at is not None:
        return ENDED
    if consent.valid_until < today:
        return EXPIRED
    if not who.required:
        return NOBODY
    if any(answers.get(p) == rules.REVOKED for p in who.all):
        return REVOKED
    if any(answers.get(p) == rules.REFUSED for p in who.all):
        return REFUSED
    if consent.valid_from > today:
        return NOT_STARTED
    effective = rules.is_effective_at(
        now,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        decisions=answers,
        custodial_guardian_ids=guardian_ids,
        band_list=band_list,
    )
    return EFFECTIVE if effective else WAITING


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
    """Consents in force that wait for the signed-in family member's answer."""
    return [card for card in family_cards(viewer) if card.waiting_for_you]


def case_cards(
    viewer: Viewer, case: Any, *, own_grants: set[int] | None = None, guardianships: list[Any] | None = None
) -> list[ConsentCard]:
    """Versions in force of the case's consents the staff viewer may see
    (`guardianships`: those of the case's child, as `build_cards` takes them)."""
    consents = list(_consents().filter(newest_versions_q(), case_id=case.pk).order_by("-created_at", "-id"))
    return build_cards(viewer, consents, for_family=False, own_grants=own_grants, guardianships=guardianships)


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


def maturity_history(child: Any) -> list[MaturityAssessment]:
    return list(
        MaturityAssessment.objects.filter(child=child)
        .select_related("recorded_by", "recorded_by_agency")
        .order_by("-recorded_at", "-id")
    )
