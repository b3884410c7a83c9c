"""CSV exports of the published reports, for handing on to national follow-up.

One long ("tidy") format for both reports, one figure per line with codes beside the
Swedish labels, so the file can be filtered, pivoted or loaded as it is. Semicolon-
separated UTF-8 with a byte-order mark, as Swedish spreadsheet programs expect. Only
published figures are written: a hidden one is written as ".." with the reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from insights.followup import FollowupReport
from insights.selectors import GapYear
from insights.suppression import Figure, PublishedTable

HEADER = [
    "huvudman",
    "huvudman_kod",
    "ar",
    "kvartal",
    "matt",
    "matt_text",
    "grupp",
    "grupp_text",
    "varde",
    "enhet",
    "anmarkning",
]


def _note(figure: Figure | None) -> str:
    if figure is not None and figure.hidden:
        return _("dolt: färre än 5, eller dolt så att ett litet tal inte kan räknas fram")
    return ""


def _write(rows: Iterator[list[str]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _table_rows(base: list[str], measure: str, measure_text: str, table: PublishedTable) -> Iterator[list[str]]:
    for key, label, cells, row_total in table.rows:
        for (quarter, _qlabel), figure in zip(table.col_labels, cells, strict=True):
            yield [*base, str(quarter), measure, measure_text, str(key), label, str(figure), "antal", _note(figure)]
        yield [*base, "", measure, measure_text, str(key), label, str(row_total), "antal", _note(row_total)]
    for (quarter, _qlabel), figure in zip(table.col_labels, table.col_totals, strict=True):
        yield [*base, str(quarter), measure, measure_text, "totalt", _("Totalt"), str(figure), "antal", _note(figure)]
    yield [*base, "", measure, measure_text, "totalt", _("Totalt"), str(table.total), "antal", _note(table.total)]


def gaps_csv(principal: object, gap_year: GapYear) -> str:
    base = [principal.name, principal.code or "", str(gap_year.year)]  # type: ignore[attr-defined]

    def rows() -> Iterator[list[str]]:
        yield from _table_rows(base, "brister_kategori", _("Brister per kategori"), gap_year.by_category)
        yield from _table_rows(base, "brister_verksamhet", _("Brister per del av stödsystemet"), gap_year.by_service)

    return _write(rows())


def followup_csv(report: FollowupReport) -> str:
    principal = report.principal
    base = [principal.name, principal.code or "", str(report.year)]

    def rows() -> Iterator[list[str]]:
        for section in report.sections:
            yield [
                *base,
                "",
                section.key,
                section.total_title,
                "totalt",
                _("Totalt"),
                str(section.total),
                "antal",
                _note(section.total),
            ]
            for partition in section.partitions:
                for key, label, figure in partition.groups:
                    quarter = str(key)[1:] if partition.key.endswith("_quarter") else ""
                    yield [
                        *base,
                        quarter,
                        partition.key,
                        partition.title,
                        str(key),
                        label,
                        str(figure),
                        "antal",
                        _note(figure),
                    ]
            for average in section.averages:
                note = _("dolt: färre än 5 bidrar") if average.hidden else ""
                yield [*base, "", average.key, average.title, "", "", str(average), average.unit, note]
        held = report.meetings_held
        yield [*base, "", "meetings_held", _("Genomförda möten under året"), "", "", str(held), "antal", _note(held)]

    return _write(rows())
