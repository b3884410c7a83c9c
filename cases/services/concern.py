"""Recording that a concern report (orosanmälan) was made — never its content.

The duty to report is personal and never waits for consent (DESIGN rule 9). The record
asks for no consent, notifies no one, and gives no one access: only the recording
agency ever sees it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer
from cases.models import Case, ConcernReport
from cases.services._common import CaseError, require_staff, require_visible
from portal import audit


def concern_report_record(
    *, viewer: Viewer, case: Case, reported_on: date | None, municipality_id: int | None
) -> ConcernReport:
    """Note that the viewer made a concern report: when, and to which municipality."""
    from agencies.models import Principal

    require_staff(viewer)
    require_visible(viewer, case)
    today = timezone.localdate()
    if reported_on is None:
        raise CaseError(_("Skriv vilket datum anmälan gjordes."))
    if reported_on > today:
        raise CaseError(_("Datumet kan inte ligga i framtiden."))
    if reported_on < today - timedelta(days=366):
        raise CaseError(_("Datumet ligger mer än ett år bakåt. Kontrollera datumet."))
    if (
        not municipality_id
        or not Principal.objects.filter(pk=municipality_id, kind=Principal.Kind.MUNICIPALITY).exists()
    ):
        raise CaseError(_("Välj den kommun som anmälan gjordes till."))
    with transaction.atomic():
        record = ConcernReport.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            reported_on=reported_on,
            municipality_id=municipality_id,
        )
        audit.record(viewer=viewer, action="concern.recorded", obj=record, case_id=case.pk)
    return record
