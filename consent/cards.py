"""The consent card: one consent version as a reader sees it (its state, its parties and
who answered, who asked and who narrowed it) and the plain-language sentences about it.
Pure: built by `consent.selectors.build_cards` from rows it has read, no query here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from access.scoping import Viewer
from consent import rules
from consent.models import Consent, ConsentDecision, InformationCategory

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
