"""Dates and times in the Swedish interface: one rule for every page, mail and export.

The English interface uses the same shapes (portal/formats/en): "4 december 2027",
"13:00". Pages name a format (`|date:"WEEKDAY_DATE_FORMAT"`), never spell one out;
tests/portal/test_date_formats.py holds that. The WEEKDAY_* names are the portal's own,
registered in portal.apps.
"""

DATE_FORMAT = "j F Y"  # 4 december 2027
TIME_FORMAT = "H:i"  # 13:00
DATETIME_FORMAT = "j F Y H:i"  # 4 december 2027 13:00
YEAR_MONTH_FORMAT = "F Y"  # december 2027
MONTH_DAY_FORMAT = "j F"  # 4 december
SHORT_DATE_FORMAT = "Y-m-d"  # 2027-12-04
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2027-12-04 13:00
WEEKDAY_DATE_FORMAT = "l j F Y"  # lördag 4 december 2027
WEEKDAY_MONTH_DAY_FORMAT = "l j F"  # lördag 4 december
TIME_SECONDS_FORMAT = "H:i:s"  # 13:00:21 (the steps of a visit in "Vem har tittat?")
FIRST_DAY_OF_WEEK = 1
