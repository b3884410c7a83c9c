"""Working days in Sweden, for deadlines: Monday to Friday except the public holidays
(allmänna helgdagar) and the eves that are days off in practice (midsommarafton,
julafton, nyårsafton). Computed, not looked up: Easter from `dateutil.easter`, the rest
from the calendar rules of lag (1989:253) om allmänna helgdagar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

from dateutil.easter import easter

from consent.rules import STOCKHOLM

# Preparations are due by 16:00 local time, this many working days before the meeting.
PREPARATION_DUE_TIME = time(16, 0)
PREPARATION_WORKING_DAYS = 2


def _first_saturday_from(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7)


@cache
def days_off(year: int) -> frozenset[date]:
    """Public holidays and de facto days off of `year` that can fall on a weekday (those
    always on a weekend — påskdagen, pingstdagen, midsommardagen, alla helgons dag — are
    weekends anyway)."""
    easter_day = easter(year)
    midsummer_eve = _first_saturday_from(date(year, 6, 20)) - timedelta(days=1)
    return frozenset(
        {
            date(year, 1, 1),  # nyårsdagen
            date(year, 1, 6),  # trettondedag jul
            easter_day - timedelta(days=2),  # långfredagen
            easter_day + timedelta(days=1),  # annandag påsk
            date(year, 5, 1),  # första maj
            easter_day + timedelta(days=39),  # Kristi himmelsfärdsdag
            date(year, 6, 6),  # nationaldagen
            midsummer_eve,  # midsommarafton (Friday 19-25 June)
            date(year, 12, 24),  # julafton
            date(year, 12, 25),  # juldagen
            date(year, 12, 26),  # annandag jul
            date(year, 12, 31),  # nyårsafton
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def working_days_before(day: date, count: int) -> date:
    """The `count`-th working day before `day` (`day` itself never counts)."""
    found = 0
    while found < count:
        day -= timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day


def preparation_due_default(starts_at: datetime) -> datetime:
    """The default preparation deadline of a meeting starting at `starts_at`: 16:00
    Stockholm time, PREPARATION_WORKING_DAYS working days before the meeting's day.
    Built from the local date and wall-clock time, so a DST change in between does not
    move it off 16:00."""
    meeting_day = starts_at.astimezone(STOCKHOLM).date()
    due_day = working_days_before(meeting_day, PREPARATION_WORKING_DAYS)
    return datetime.combine(due_day, PREPARATION_DUE_TIME, tzinfo=STOCKHOLM)


def preparation_reminder_at(due: datetime) -> datetime:
    """When agencies are reminded of a preparation due at `due`: two working days before,
    at the same wall-clock time (not on a weekend, as "two days before" would be for a
    deadline on a Monday or Tuesday)."""
    local_due = due.astimezone(STOCKHOLM)
    day = working_days_before(local_due.date(), 2)
    return datetime.combine(day, local_due.time(), tzinfo=STOCKHOLM)
