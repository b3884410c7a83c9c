"""Who must agree, and when a consent is effective — pure functions, no database.

DESIGN rule 4 and issue 4. The child's say by age, configurable per principal:
* under `asked_age` (default 12): every custodial guardian decides;
* from `asked_age` to `decides_age` (default 15): the guardians decide and the child is
  asked — the child's grant is not required, but a recorded refusal (or a revocation)
  by the child blocks;
* from `decides_age`: the child decides alone about their own information; what the
  guardians answered no longer counts.
A staff maturity assessment replaces the age bands for that child.

A consent is effective at a moment when it has started, has not ended, every party
required at that moment has, as their newest decision, granted it, and no party whose
refusal blocks has refused or revoked. One refusal or one revocation by a required
party means no consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

GUARDIANS = "guardians"
JOINT = "asked"
CHILD = "child"

CHILD_PARTY = "child"

GRANTED = "granted"
REFUSED = "refused"
REVOKED = "revoked"
BLOCKING = frozenset({REFUSED, REVOKED})


@dataclass(frozen=True)
class Band:
    """From `starts` (inclusive) to `ends` (exclusive) the `level` decides."""

    starts: datetime
    ends: datetime
    level: str


FAR_PAST = datetime(1900, 1, 1, tzinfo=STOCKHOLM)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=STOCKHOLM)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)


def birthday(born: date, age: int) -> date:
    """The day the person turns `age` (a 29 February child turns it on 1 March)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February, target year not a leap year
        return date(born.year + age, 3, 1)


def bands(*, born: date, asked_age: int, decides_age: int, assessment: str | None) -> list[Band]:
    """The periods during which each level of the child's say applies."""
    if assessment in {GUARDIANS, JOINT, CHILD}:
        return [Band(FAR_PAST, FAR_FUTURE, assessment)]
    asked = local_midnight(birthday(born, asked_age))
    decides = local_midnight(birthday(born, max(decides_age, asked_age)))
    result = []
    if asked > FAR_PAST:
        result.append(Band(FAR_PAST, asked, GUARDIANS))
    if decides > asked:
        result.append(Band(asked, decides, JOINT))
    result.append(Band(decides, FAR_FUTURE, CHILD))
    return result


@dataclass(frozen=True)
class Parties:
    """`required` must all have granted; a refusal or revocation by any of `blockers` blocks."""

    required: frozenset[str]
    blockers: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.blockers


def parties(level: str, custodial_guardian_ids: frozenset[int]) -> Parties:
    """Party keys: "g:<guardian id>" for guardians, "child" for the child."""
    guardians = frozenset(f"g:{gid}" for gid in custodial_guardian_ids)
    if level == GUARDIANS:
        return Parties(required=guardians, blockers=guardians)
    if level == JOINT:
        return Parties(required=guardians, blockers=guardians | {CHILD_PARTY})
    return Parties(required=frozenset({CHILD_PARTY}), blockers=frozenset({CHILD_PARTY}))


def required_parties(level: str, custodial_guardian_ids: frozenset[int]) -> frozenset[str]:
    return parties(level, custodial_guardian_ids).required


def level_at(moment: datetime, band_list: list[Band]) -> str:
    for band in band_list:
        if band.starts <= moment < band.ends:
            return band.level
    return band_list[-1].level


def agreed(level: str, decisions: dict[str, str], custodial_guardian_ids: frozenset[int]) -> bool:
    """Do the parties of `level` agree, given each party's newest decision?"""
    who = parties(level, custodial_guardian_ids)
    if not who.required:
        return False  # nobody can consent (no custodial guardian): fail closed
    if any(decisions.get(party) != GRANTED for party in who.required):
        return False
    return not any(decisions.get(party) in BLOCKING for party in who.blockers)


def period_of(valid_from: date, valid_until: date) -> tuple[datetime, datetime]:
    """[start, end) of a consent; `valid_until` is inclusive (to midnight after it)."""
    return local_midnight(valid_from), local_midnight(valid_until + timedelta(days=1))


def effective_periods(
    *,
    valid_from: date,
    valid_until: date,
    decisions: dict[str, str],
    custodial_guardian_ids: frozenset[int],
    band_list: list[Band],
) -> list[tuple[datetime, datetime]]:
    """The periods during which the consent is effective, given each party's newest
    decision ("granted" / "refused" / "revoked")."""
    start, end = period_of(valid_from, valid_until)
    periods: list[tuple[datetime, datetime]] = []
    for band in band_list:
        lo, hi = max(start, band.starts), min(end, band.ends)
        if lo >= hi:
            continue
        if agreed(band.level, decisions, custodial_guardian_ids):
            if periods and periods[-1][1] == lo:
                periods[-1] = (periods[-1][0], hi)
            else:
                periods.append((lo, hi))
    return periods


def is_effective_at(
    moment: datetime,
    *,
    valid_from: date,
    valid_until: date,
    decisions: dict[str, str],
    custodial_guardian_ids: frozenset[int],
    band_list: list[Band],
) -> bool:
    return any(
        lo <= moment < hi
        for lo, hi in effective_periods(
            valid_from=valid_from,
            valid_until=valid_until,
            decisions=decisions,
            custodial_guardian_ids=custodial_guardian_ids,
            band_list=band_list,
        )
    )
