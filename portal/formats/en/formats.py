"""Dates and times in the English interface: the Swedish rule (portal/formats/sv):
"4 December 2027", "13:00".
"""

DATE_FORMAT = "j F Y"  # 4 December 2027
TIME_FORMAT = "H:i"  # 13:00
DATETIME_FORMAT = "j F Y H:i"  # 4 December 2027 13:00
YEAR_MONTH_FORMAT = "F Y"  # December 2027
MONTH_DAY_FORMAT = "j F"  # 4 December
SHORT_DATE_FORMAT = "Y-m-d"  # 2027-12-04
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2027-12-04 13:00
WEEKDAY_DATE_FORMAT = "l j F Y"  # Saturday 4 December 2027
WEEKDAY_MONTH_DAY_FORMAT = "l j F"  # Saturday 4 December
TIME_SECONDS_FORMAT = "H:i:s"  # 13:00:21 (the steps of a visit in "Vem har tittat?")
FIRST_DAY_OF_WEEK = 1
