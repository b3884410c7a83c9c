"""Reporting periods: calendar years and their quarters, in Swedish time.

Reports are for whole calendar years only, each year's table computed on its own: two
overlapping periods (a year and the first three quarters of it) would let a reader
subtract one from the other and recover a suppressed quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

STOCKHOLM = ZoneInfo("Europe/Stockholm")
QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @property
    def label(self) -> str:
        return f"{self.year} kv {self.quarter}"

    @property
    def short_label(self) -> str:
        return f"Kv {self.quarter}"

    @property
    def code(self) -> str:
        return f"{self.year}K{self.quarter}"


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) in Swedish time."""
    return datetime(year, 1, 1, tzinfo=STOCKHOLM), datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)


def current_year() -> int:
    return timezone.localtime(timezone.now(), STOCKHOLM).year


def current_month() -> tuple[int, int]:
    now = timezone.localtime(timezone.now(), STOCKHOLM)
    return now.year, now.month


def selectable_years(*, back: int = 4) -> list[int]:
    """The years a report can be asked for, newest first."""
    year = current_year()
    return list(range(year, year - back - 1, -1))


def quarters_of(year: int) -> list[Quarter]:
    return [Quarter(year, q) for q in QUARTERS]
