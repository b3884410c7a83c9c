"""The family's "Vem har tittat?" as a person would tell it: one line per visit.

A visit is one person's reads (and writes) for one agency with no pause of 30 minutes
or more between them. Each visit is told in one sentence ("Tittade på planen, 2 mål och
4 anteckningar från kartläggningen"), with when it started and about how long it took;
the log entries behind it stay a tap away. Grouping is read-only, in Python, over the
rows one query fetched: nothing about how entries are written changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from accesslog.models import LABELS, AccessLogEntry

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A pause this long or longer starts a new visit.
VISIT_GAP = timedelta(minutes=30)

# --------------------------------------------------------------------------------------
# Plain nouns, with their numbers
# --------------------------------------------------------------------------------------

# Kinds a family has one of (per collaboration): told in the definite form when one was
# read ("planen"), not counted. Functions, so each is translated in the reader's language.
_ONE_OF_A_KIND: dict[str, Callable[[], str]] = {
    "cases.Case": lambda: pgettext("det som lästes", "samverkan"),
    "cases.Plan": lambda: pgettext("det som lästes", "planen"),
    "cases.Child": lambda: pgettext("det som lästes", "grunduppgifterna"),
}

# Everything else is counted: "1 mål", "2 mål"; "1 goal", "2 goals". Literal strings at
# each call, so makemessages finds both forms. In the order a visit's line names them
# (the collaboration and its plan first, then meetings, people, consents), not the
# order a page happened to read them in.
_COUNTED: dict[str, Callable[[int], str]] = {
    "cases.Case": lambda n: ngettext("%(count)d samverkan", "%(count)d samverkningar", n),
    "cases.Plan": lambda n: ngettext("%(count)d plan", "%(count)d planer", n),
    "cases.PlanGoal": lambda n: ngettext("%(count)d mål", "%(count)d mål", n),
    "cases.PlanAction": lambda n: ngettext("%(count)d insats", "%(count)d insatser", n),
    "cases.PlanChange": lambda n: ngettext("%(count)d ändring i planen", "%(count)d ändringar i planen", n),
    "cases.MappingEntry": lambda n: ngettext(
        "%(count)d anteckning från kartläggningen", "%(count)d anteckningar från kartläggningen", n
    ),
    "meetings.Meeting": lambda n: ngettext("%(count)d möte", "%(count)d möten", n),
    "meetings.MinuteNote": lambda n: ngettext(
        "%(count)d minnesanteckning från ett möte", "%(count)d minnesanteckningar från möten", n
    ),
    "meetings.Decision": lambda n: ngettext("%(count)d beslut", "%(count)d beslut", n),
    "meetings.AgendaItem": lambda n: ngettext(
        "%(count)d punkt på dagordningen", "%(count)d punkter på dagordningen", n
    ),
    "meetings.Preparation": lambda n: ngettext("%(count)d förberedelse", "%(count)d förberedelser", n),
    "meetings.PreparationSection": lambda n: ngettext(
        "%(count)d del av en förberedelse", "%(count)d delar av förberedelser", n
    ),
    # Named as the child's own page is ("Det jag vill säga"): right for every reader, the
    # child included, who would otherwise read about herself as "barnet".
    "meetings.ChildVoice": lambda n: ngettext(
        "%(count)d text i ”det jag vill säga”", "%(count)d texter i ”det jag vill säga”", n
    ),
    "meetings.MinutesReply": lambda n: ngettext(
        "%(count)d svar på minnesanteckningar", "%(count)d svar på minnesanteckningar", n
    ),
    "meetings.Invitation": lambda n: ngettext("%(count)d inbjudan", "%(count)d inbjudningar", n),
    "cases.TeamMember": lambda n: ngettext("%(count)d verksamhet i teamet", "%(count)d verksamheter i teamet", n),
    "cases.ExternalContact": lambda n: ngettext("%(count)d extern kontakt", "%(count)d externa kontakter", n),
    "cases.CoordinatorAppointment": lambda n: ngettext("%(count)d val av samordnare", "%(count)d val av samordnare", n),
    "cases.Child": lambda n: ngettext("grunduppgifter om %(count)d barn", "grunduppgifter om %(count)d barn", n),
    "cases.Guardian": lambda n: ngettext(
        "uppgifter om %(count)d vårdnadshavare", "uppgifter om %(count)d vårdnadshavare", n
    ),
    "cases.Guardianship": lambda n: ngettext("%(count)d uppgift om vårdnad", "%(count)d uppgifter om vårdnad", n),
    "cases.FamilyMember": lambda n: ngettext("%(count)d familjemedlem", "%(count)d familjemedlemmar", n),
    "cases.SharedItem": lambda n: ngettext("%(count)d delad uppgift", "%(count)d delade uppgifter", n),
    "consent.Consent": lambda n: ngettext("%(count)d samtycke", "%(count)d samtycken", n),
    "consent.ConsentScope": lambda n: ngettext("%(count)d del av ett samtycke", "%(count)d delar av samtycken", n),
    "consent.ConsentDecision": lambda n: ngettext("%(count)d svar på ett samtycke", "%(count)d svar på samtycken", n),
    "consent.ConsentGrant": lambda n: ngettext("%(count)d gällande samtycke", "%(count)d gällande samtycken", n),
    "consent.MaturityAssessment": lambda n: ngettext("%(count)d mognadsbedömning", "%(count)d mognadsbedömningar", n),
    "cases.CaseJoin": lambda n: ngettext(
        "%(count)d sammanförande av samverkan", "%(count)d sammanföranden av samverkan", n
    ),
    "cases.CaseJoinAgreement": lambda n: ngettext(
        "%(count)d godkännande av ett sammanförande", "%(count)d godkännanden av sammanföranden", n
    ),
    "directory.PlanActionLink": lambda n: ngettext(
        "%(count)d stöd kopplat till en insats", "%(count)d stöd kopplade till insatser", n
    ),
    "insights.SystemGap": lambda n: ngettext("%(count)d brist i stödsystemet", "%(count)d brister i stödsystemet", n),
}


_RANK = {label: i for i, label in enumerate(_COUNTED)}


def _rank(object_type: str) -> int:
    return _RANK.get(object_type, len(_RANK))


def _other(n: int) -> str:
    return ngettext("%(count)d annan uppgift", "%(count)d andra uppgifter", n)


def noun(object_type: str, count: int) -> str:
    """What was read, in plain words with its number: "planen", "1 mål", "4 anteckningar
    från kartläggningen"."""
    if object_type in LABELS:  # the log itself, under its label of today or of before
        return _("loggen över vem som tittat")
    if count == 1 and object_type in _ONE_OF_A_KIND:
        return _ONE_OF_A_KIND[object_type]()
    return _COUNTED.get(object_type, _other)(count) % {"count": count}


def natural_list(items: list[str]) -> str:
    """ "a", "a och b", "a, b och c" ("a, b and c")."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s och %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


# --------------------------------------------------------------------------------------
# Verbs
# --------------------------------------------------------------------------------------

A = AccessLogEntry.Action
# The summary tells reads as one ("tittade på"): a list seen and a row opened are both looking.
_SUMMARY_GROUP: dict[str, str] = {A.VIEW: A.VIEW, A.LIST: A.VIEW, A.LIVE: A.VIEW}


def _summary_verb(action: str, things: str) -> str:
    if action == A.EXPORT:
        verb = _("tog ut en kopia av %(things)s")
    elif action == A.CREATE:
        verb = _("lade till %(things)s")
    elif action == A.UPDATE:
        verb = _("ändrade %(things)s")
    elif action == A.CONSENT:
        verb = _("registrerade ett svar på %(things)s")
    else:
        verb = _("tittade på %(things)s")
    return verb % {"things": things}


def _detail_verb(action: str, things: str) -> str:
    if action == A.LIST:
        verb = _("såg en lista med %(things)s")
    elif action == A.LIVE:
        verb = _("följde %(things)s direkt i portalen")
    elif action == A.EXPORT:
        verb = _("tog ut en kopia av %(things)s")
    elif action == A.CREATE:
        verb = _("lade till %(things)s")
    elif action == A.UPDATE:
        verb = _("ändrade %(things)s")
    elif action == A.CONSENT:
        verb = _("registrerade ett svar på %(things)s")
    else:
        verb = _("öppnade %(things)s")
    return verb % {"things": things}


@lru_cache(maxsize=2048)
def _detail_text(language: str | None, action: str, object_type: str, count: int) -> str:
    """A step's words ("Såg en lista med 2 mål"), once per language and kind of step: a
    long visit repeats the same few steps hundreds of times."""
    return capfirst(_detail_verb(action, noun(object_type, count)))


def duration_words(length: timedelta) -> str:
    """ "en kort stund" under a minute, "i ungefär 2 minuter", "i ungefär 3 timmar"."""
    seconds = length.total_seconds()
    if seconds < 60:
        return _("en kort stund")
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return ngettext("i ungefär %(count)d minut", "i ungefär %(count)d minuter", minutes) % {"count": minutes}
    hours = max(1, round(minutes / 60))
    return ngettext("i ungefär %(count)d timme", "i ungefär %(count)d timmar", hours) % {"count": hours}


# --------------------------------------------------------------------------------------
# Visits
# --------------------------------------------------------------------------------------


@dataclass
class Detail:
    at: datetime
    text: str
    until: datetime | None = None  # a repeated step (a long visit's steps, counted): the last time


@dataclass
class Visit:
    """One person's visit for one agency: oldest entry first.

    An entry is a log row, or (`accesslog.sittings`, a long visit) one row per kind of
    step counted in the database: `times` rows alike, the first at `at`, the last at
    `last_at`. `grouped` says which."""

    name: str
    role: str
    agency: str
    entries: list[Any] = field(default_factory=list)
    grouped: bool = False

    @property
    def start(self) -> datetime:
        return self.entries[0].at

    @property
    def end(self) -> datetime:
        if self.grouped:
            return max(e.last_at for e in self.entries)
        return self.entries[-1].at

    @property
    def size(self) -> int:
        """How many log entries the visit is."""
        return sum(e.times for e in self.entries) if self.grouped else len(self.entries)

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.start, STOCKHOLM)

    @property
    def duration(self) -> str:
        return duration_words(self.end - self.start)

    @property
    def summary(self) -> str:
        """ "Tittade på planen, 2 mål och 4 anteckningar från kartläggningen. Ändrade 1 mål."""
        # verb -> kind -> (lists' rows per collaboration, ids opened), in order of first use
        groups: dict[str, dict[str, tuple[dict[Any, int], set[str], list[int]]]] = {}
        grouped = self.grouped
        for entry in self.entries:
            verb = _SUMMARY_GROUP.get(entry.action, entry.action)
            listed, opened, unnamed = groups.setdefault(verb, {}).setdefault(entry.object_type, ({}, set(), [0]))
            if entry.action in (A.LIST, A.EXPORT):
                # The same list seen twice is the same rows: the larger count, per case.
                listed[entry.case_id] = max(listed.get(entry.case_id, 0), entry.count)
            elif entry.object_id:
                opened.add(entry.object_id)
            else:
                unnamed[0] += entry.count * entry.times if grouped else entry.count
        sentences = []
        for verb, kinds in groups.items():
            things = [
                noun(kind, max(sum(listed.values()), len(opened) + unnamed[0]))
                for kind, (listed, opened, unnamed) in sorted(kinds.items(), key=lambda item: _rank(item[0]))
            ]
            sentences.append(capfirst(_summary_verb(verb, natural_list(things))) + ".")
        return " ".join(sentences)

    @cached_property
    def details(self) -> list[Detail]:
        """Each entry behind the line, oldest first ("14.03 Såg en lista med 2 mål"); in a
        long visit each kind of step once, with how many times and until when."""
        language = get_language()
        if not self.grouped:
            return [
                Detail(
                    at=timezone.localtime(e.at, STOCKHOLM),
                    text=_detail_text(language, e.action, e.object_type, e.count),
                )
                for e in self.entries
            ]
        # kind of step -> [first, last, times], in order of first use
        kinds: dict[tuple[str, str, int], list[Any]] = {}
        for e in self.entries:
            kind = kinds.get((e.action, e.object_type, e.count))
            if kind is None:
                kinds[e.action, e.object_type, e.count] = [e.at, e.last_at, e.times]
            else:
                kind[1] = max(kind[1], e.last_at)
                kind[2] += e.times
        details = []
        for (action, object_type, count), (first, last, times) in kinds.items():
            text = _detail_text(language, action, object_type, count)
            if times == 1:
                details.append(Detail(at=timezone.localtime(first, STOCKHOLM), text=text))
                continue
            details.append(
                Detail(
                    at=timezone.localtime(first, STOCKHOLM),
                    text=f"{text} ({_times(times)})",
                    until=timezone.localtime(last, STOCKHOLM),
                )
            )
        return details

    @property
    def steps_html(self) -> SafeString:
        """The details as the page's list items, written in one pass (a visit of a few
        hours is hundreds of steps: the template engine spent most of the page on them)."""
        clock = formatter(get_format("TIME_SECONDS_FORMAT"))
        return mark_safe(  # noqa: S308 - the step's words are escaped; the times are digits
            "".join(
                f'<li><time datetime="{d.at.isoformat()}">{clock(d.at)}</time> {_escaped(d.text)}</li>'
                if d.until is None
                else f'<li><time datetime="{d.at.isoformat()}">{clock(d.at)}</time>–'
                f'<time datetime="{d.until.isoformat()}">{clock(d.until)}</time> {_escaped(d.text)}</li>'
                for d in self.details
            )
        )


def _times(n: int) -> str:
    return ngettext("%(count)d gång", "%(count)d gånger", n) % {"count": n}


_escaped = lru_cache(maxsize=2048)(escape)

# Django's date-format letters that strftime writes the same (fixed width), and separators.
_STRFTIME = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S", ":": ":", ".": ".", "-": "-", " ": " "}


def formatter(format_string: str) -> Callable[[datetime], str]:
    """A formatter for a named date or time format (pass `get_format(name)`): strftime
    when the format is made only of fixed-width numbers ("H:i:s", "Y-m-d H:i"; Django's
    letter-by-letter formatter costs a regular expression per call), Django's otherwise.
    The value is formatted as given: localise it first."""
    if format_string and all(letter in _STRFTIME for letter in format_string):
        pattern = "".join(_STRFTIME[letter] for letter in format_string)
        return lambda moment: moment.strftime(pattern)
    return lambda moment: date_format(moment, format_string)


def _person_key(entry: AccessLogEntry) -> tuple[Any, ...]:
    return (entry.actor_id if entry.actor_id is not None else entry.actor_name, entry.agency_id, entry.agency_name)


def group_visits(entries: Iterable[AccessLogEntry], role_of: Callable[[AccessLogEntry], str]) -> list[Visit]:
    """Entries (newest first) as visits, newest start first.

    A person's entry joins their visit when it is less than `VISIT_GAP` before the
    visit's earliest entry so far; others' reads in between do not split it."""
    open_visits: dict[tuple[Any, ...], Visit] = {}
    visits: list[Visit] = []
    for entry in entries:
        key = _person_key(entry)
        visit = open_visits.get(key)
        if visit is None or visit.start - entry.at >= VISIT_GAP:
            visit = Visit(name=entry.actor_name, role=role_of(entry), agency=entry.agency_name)
            open_visits[key] = visit
            visits.append(visit)
        visit.entries.insert(0, entry)
    visits.sort(key=lambda v: (v.start, v.end), reverse=True)
    return visits


@dataclass
class Day:
    day: date
    visits: list[Visit]


def by_day(visits: list[Visit]) -> list[Day]:
    """Visits (newest first) under the day they started."""
    days: list[Day] = []
    for visit in visits:
        day = visit.local_start.date()
        if not days or days[-1].day != day:
            days.append(Day(day=day, visits=[]))
        days[-1].visits.append(visit)
    return days
