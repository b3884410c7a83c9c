"""Writes on systemic gaps. Keyword-only, the actor first, one transaction, audit inside."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from access.scoping import Viewer
from agencies.models import Agency
from insights import periods, screening
from insights.models import GapAgency, GapCategory, ServiceArea, SystemGap
from insights.selectors import can_record_gaps
from portal import audit


class GapError(Exception):
    """A request the gap services refuse; the message is shown to the user as it is."""


class PersonalDataWarning(GapError):
    """The description looks like it holds personal data and was not confirmed."""

    def __init__(self, findings: list[screening.Finding]) -> None:
        self.findings = findings
        super().__init__(
            _("Texten ser ut att innehålla personuppgifter. Ta bort dem eller bekräfta att de inte är det.")
        )


def gap_record(
    *,
    viewer: Viewer,
    category: GapCategory,
    service_area: ServiceArea,
    description: str,
    year: int,
    month: int,
    agencies_concerned: Iterable[Agency] = (),
    other_actor: str = "",
    confirmed_no_personal_data: bool = False,
) -> SystemGap:
    """Record a gap in the support system for the viewer's agency and its principal.

    Stores nothing that points back to a child or a collaboration: no case, no recorder,
    the month only. The audit entry names the actor (as every write does) but not the
    record, and holds no time finer than the audit trail's own.
    Raises PersonalDataWarning when the description looks like it holds a name or a
    personal identity number and the coordinator has not confirmed it does not.
    """
    if not can_record_gaps(viewer):
        raise GapError(_("Bara samordnare kan registrera brister i stödsystemet."))
    description = (description or "").strip()
    if not description:
        raise GapError(_("Beskriv vad som inte fungerade i stödsystemet."))
    if not category.is_active or not service_area.is_active:
        raise GapError(_("Välj en kategori och en del av stödsystemet som används."))
    this_year, this_month = periods.current_month()
    if not 1 <= month <= 12 or (year, month) > (this_year, this_month) or year < this_year - 5:
        raise GapError(_("Välj en månad som har varit, högst fem år tillbaka."))
    findings = screening.screen(description, extra_not_names=screening.known_words())
    findings += screening.screen(other_actor or "", extra_not_names=screening.known_words())
    if findings and not confirmed_no_personal_data:
        raise PersonalDataWarning(findings)
    assert viewer.agency_id is not None  # can_record_gaps() checked it
    agency = Agency.objects.select_related("principal").get(pk=viewer.agency_id)
    with transaction.atomic():
        gap = SystemGap.objects.create(
            principal=agency.principal,
            recorded_by_agency=agency,
            category=category,
            service_area=service_area,
            description=description,
            other_actor=(other_actor or "").strip(),
            year=year,
            month=month,
        )
        GapAgency.objects.bulk_create(
            [GapAgency(gap=gap, agency=a) for a in {a.pk: a for a in agencies_concerned}.values()]
        )
        # No obj: the audit row must not be a key from the record to a moment in time.
        audit.record(
            viewer=viewer,
            action="gap.recorded",
            data={"category": category.code, "warned": bool(findings)},
        )
    return gap
