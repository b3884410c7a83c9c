"""One rule for dates and times in both languages (portal/formats): "4 december 2027",
"13:00". Templates and Python name a format (DATE_FORMAT, TIME_FORMAT, ...) instead of
spelling one out, so the rule lives in one place; machine formats (ISO 8601 in
<time datetime>, calendar files, file names, form widgets, exports read by programs) are
listed below.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import formats, translation

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {
    ".venv",
    ".venv-load",
    ".git",
    "tests",
    "bench",
    "benchdata",
    "artifacts",
    "staticfiles",
    "node_modules",
    "__pycache__",
}

# `|date:"..."` / `|time:"..."` with anything but a format's name (or "c", ISO 8601).
TEMPLATE_FORMAT = re.compile(r"""\|(?:date|time):(["'])(?P<arg>[^"']*)\1""")
NAMED = re.compile(r"^[A-Z_]+_FORMAT$|^c$")
# Python: a literal format handed to Django's formatting, or a clock time spelt out.
PY_FORMAT = re.compile(
    r"""(?:date_format|time_format)\([^)]*,\s*(["'])(?P<arg>[^"']*)\1"""
    r"""|strftime\((["'])(?P<strf>[^"']*)\3\)"""
    r"""|\{[^{}]*:(?P<fspec>%[^{}]*)\}"""
)
# Machine formats, by file: what a program (or a file name) reads, not a person.
MACHINE = {
    "accesslog/chain.py": {"%Y-%m-%dT%H:%M:%S.%fZ"},
    "accesslog/heads.py": {"%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m"},
    "accesslog/family_export.py": {"%Y-%m-%d %H:%M:%S"},  # the "tid" column of the CSV/JSON export
    "accesslog/selectors.py": {"%Y%m%d%H%M"},  # a grouping key
    "accesslog/views.py": {"%Y-%m-%d"},  # file names
    "meetings/views/pages.py": {"%Y%m%d"},  # file name of the .ics
    "meetings/views/minutes.py": {"%Y%m%d"},  # file name of the PDF
    "insights/demo.py": {"%Y%m%d"},  # a personnummer
}
# Model __str__ (the admin and logs, not the portal's pages) may show ISO dates.
STR_METHOD = re.compile(r"def __str__\(self\)[^\n]*\n\s+return f")


def _files(*suffixes: str) -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*")
        if p.suffix in suffixes and p.is_file() and not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
    ]


def test_templates_name_their_date_formats():
    found = []
    for path in _files(".html", ".txt"):
        for match in TEMPLATE_FORMAT.finditer(path.read_text(encoding="utf-8")):
            if not NAMED.match(match["arg"]):
                found.append(f"{path.relative_to(ROOT)}: {match[0]}")
    assert not found, "Use a named format (DATE_FORMAT, TIME_FORMAT, ...):\n" + "\n".join(found)


def test_python_names_its_date_formats():
    found = []
    for path in _files(".py"):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("portal/formats/"):
            continue
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "__str__" in line:
                continue
            for match in PY_FORMAT.finditer(line):
                arg = match["arg"] or match["strf"] or match["fspec"]
                if arg is None or NAMED.match(arg) or arg in MACHINE.get(rel, set()):
                    continue
                if match["fspec"] and _in_str_method(text, line):
                    continue
                found.append(f"{rel}: {line.strip()}")
    assert not found, "Use formats.date_format(value, 'DATE_FORMAT') and friends:\n" + "\n".join(found)


def _in_str_method(text: str, line: str) -> bool:
    index = text.find(line)
    before = text[:index].rstrip().rsplit("\n", 2)
    return any("def __str__(self)" in part for part in before[-2:])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", ["4 december 2027", "13:00", "lördag 4 december 2027", "4 december 2027 13:00", "4 december"]),
        ("en", ["4 December 2027", "13:00", "Saturday 4 December 2027", "4 December 2027 13:00", "4 December"]),
    ],
)
def test_one_rule_in_both_languages(language, expected):
    at = datetime(2027, 12, 4, 13, 0)
    with translation.override(language):
        shown = [
            formats.date_format(at),
            formats.time_format(at),
            formats.date_format(at, "WEEKDAY_DATE_FORMAT"),
            formats.date_format(at, "DATETIME_FORMAT"),
            formats.date_format(date(2027, 12, 4), "MONTH_DAY_FORMAT"),
        ]
    assert shown == expected


ENGLISH_MONTHS = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|January|February|March|April|June|July|August"
    r"|September|October|November|December)\b"
)


@pytest.mark.django_db
def test_a_swedish_page_shows_no_english_month(world):
    consent = world.grant([world.school], ["school"])
    client = world.client_for(world.coordinator)
    html = client.get(reverse("cases:detail", args=[world.case.uuid])).content.decode()
    until = consent.valid_until
    with translation.override("sv"):
        assert f"till och med {formats.date_format(until)}" in html
    assert not ENGLISH_MONTHS.findall(re.sub(r"<[^>]+>", " ", html))
