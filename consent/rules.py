"""Who must agree, and when a consent is effective — pure functions, no database.

DESIGN rule 4. Parties by the child's age, configurable per principal:
* under `asked_age` (default 12): every custodial guardian decides;
* from `asked_age` to `decides_age` (default 15): the guardians and the child must all
  agree — the child is asked, and the child's refusal blocks;
* from `decides_age`: the child decides alone about their own information.
A staff maturity assessment replaces the age bands for that child.

A consent is effective at a moment when it has started, has not ended, and every party
required at that moment has, as their newest decision, granted it. One refusal or one
revocation by a required party means no consent.
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
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + age, day=28) + timedelta(days=1)


def bands(*, born: date, asked_age: int, decides_age: int, assessment: str | None) -> list[Band]:
    """The periods during which each level of the child's say applies."""
    if assessment in {GUARDIANS, JOINT, CHILD}:
        return [Band(FAR_PAST, FAR_FUTURE, assessment)]
    asked = local_midnight(birthday(born, asked_age))
    decides = local_midnight(birthday(born, decides_age))
    result = [Band(FAR_PAST, asked, GUARDIANS)]
    if decides > asked:
        result.append(Band(asked, decides, JOINT))
    result.append(Band(decides, FAR_FUTURE, CHILD))
    return result


def required_parties(level: str, custodial_guardian_ids: frozenset[int]) -> frozenset[str]:
    """Party keys: "g:<guardian id>" for guardians, "child" for the child."""
    guardians = frozenset(f"g:{gid}" for gid in custodial_guardian_ids)
    if level == GUARDIANS:
        return guardians
    if level == JOINT:
        return guardians | {CHILD_PARTY}
    return frozenset({CHILD_PARTY})


def level_at(moment: datetime, band_list: list[Band]) -> str:
    for band in band_list:
        if band.starts <= moment < band.ends:
            return band.level
    return band_list[-1].level


def effective_periods(
    *,
    valid_from: date,
    valid_until: date,
    decisions: dict[str, str],
    custodial_guardian_ids: frozenset[int],
    band_list: list[Band],
) -> list[tuple[datetime, datetime]]:
    """The periods during which the consent is effective, given each party's newest
    decision ("granted" / "refused" / "revoked"). `valid_until` is inclusive."""
    start = local_midnight(valid_from)
    end = local_midnight(valid_until + timedelta(days=1))
    periods: list[tuple[datetime, datetime]] = []
    for band in band_list:
        lo, hi = max(start, band.starts), min(end, band.ends)
        if lo >= hi:
            continue
        required = required_parties(band.level, custodial_guardian_ids)
        if required and all(decisions.get(party) == "granted" for party in required):
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
