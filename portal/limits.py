"""Bounds on what people type: text lengths and date windows, shared by models, forms
and API serializers so that the three say the same thing in the same words.

Text: every free-text field has a max_length. Model TextFields take it too, with
`TextLimit` among their validators (Django's TextField only passes max_length on to the
form widget, so without the validator full_clean would accept any length). Form and
serializer fields take `max_length=` plus `error_messages=limits.TOO_LONG`, which puts
the message below in place of Django's and DRF's own wording.

Dates: `DateWindow` refuses dates outside a window around today (a plan action due in
1900, a meeting in 2999). Models get only the fixed `SANE_DATE` bounds: a window that
moves with today would refuse to re-save an old row whose date was fine when written.
"""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Sizes, in characters.
CODE = 40  # codes and keys typed or pasted (category codes, one-time codes)
PHONE = 40
NAME = 200  # names, titles, one agenda line, a role, an organisation
LINE = 300  # one line of text: a reason, an address, a note
SHORT = 2_000  # a comment, a reason given in a few sentences
TEXT = 5_000  # free text: a purpose, a description, a section of a preparation
LONG = 20_000  # long free text: a summary shared with the team
PAGE = 50_000  # an editable page of the portal (the accessibility statement)
METADATA = 200_000  # an identity provider's SAML metadata, pasted
AGENDA_ITEMS = 30  # items of an agenda given when a meeting is called

MESSAGE = _("Texten får vara högst %(limit_value)d tecken (den är %(show_value)d).")
TOO_LONG = {"max_length": MESSAGE}


@deconstructible
class TextLimit(MaxLengthValidator):
    """Django's MaxLengthValidator with the portal's Swedish message."""

    message = MESSAGE


def text_validators(limit: int) -> list[TextLimit]:
    return [TextLimit(limit)]


# Dates: fixed bounds for the models, a moving window for input.
SANE_FIRST = datetime.date(2000, 1, 1)
SANE_LAST = datetime.date(2100, 12, 31)


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def _shown(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@deconstructible
class DateWindow:
    """A date (or a datetime, by its local date) between `years_back` before today and
    `years_ahead` after it. None on one side leaves that side open; `first`/`last` set
    a fixed bound instead."""

    def __init__(
        self,
        *,
        years_back: int | None = None,
        years_ahead: int | None = None,
        first: datetime.date | None = None,
        last: datetime.date | None = None,
    ) -> None:
        self.years_back = years_back
        self.years_ahead = years_ahead
        self.first = first
        self.last = last

    def bounds(self, today: datetime.date | None = None) -> tuple[datetime.date | None, datetime.date | None]:
        today = today or timezone.localdate()
        first = self.first
        last = self.last
        if self.years_back is not None:
            first = max(filter(None, [first, today - relativedelta(years=self.years_back)]))
        if self.years_ahead is not None:
            last = min(filter(None, [last, today + relativedelta(years=self.years_ahead)]))
        return first, last

    def __call__(self, value: Any) -> None:
        day = _as_date(value)
        if day is None:
            return
        first, last = self.bounds()
        if first is not None and day < first:
            raise ValidationError(
                _("Datumet kan inte vara tidigare än %(date)s."), code="date_too_early", params={"date": _shown(first)}
            )
        if last is not None and day > last:
            raise ValidationError(
                _("Datumet kan inte vara senare än %(date)s."), code="date_too_late", params={"date": _shown(last)}
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateWindow) and vars(self) == vars(other)


SANE_DATE = DateWindow(first=SANE_FIRST, last=SANE_LAST)

# Input windows, by what the date is.
PLANNED = DateWindow(years_back=1, years_ahead=5)  # something to be done: a due date
MEETING = DateWindow(years_back=1, years_ahead=2)  # a meeting day or a proposed time
HAPPENED = DateWindow(years_back=5, years_ahead=0)  # something that has happened: not in the future
CONSENT_START = DateWindow(years_back=1, years_ahead=1)
CONSENT_END = DateWindow(years_back=0, years_ahead=5)
SEARCH = DateWindow(first=SANE_FIRST, last=SANE_LAST)  # filters: any sane date
