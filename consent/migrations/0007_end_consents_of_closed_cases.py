"""Data step: the consents of collaborations closed before endings were recorded get
their ending version now (DESIGN rule 18), dated when the collaboration closed. Versions
that had already expired by then are left as they are: they ended by themselves."""

from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import Exists, OuterRef

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def end_consents(apps, schema_editor):  # type: ignore[no-untyped-def]
    Case = apps.get_model("cases", "Case")
    Consent = apps.get_model("consent", "Consent")
    ConsentScope = apps.get_model("consent", "ConsentScope")
    ConsentDecision = apps.get_model("consent", "ConsentDecision")
    newest = ~Exists(Consent.objects.filter(series=OuterRef("series"), version__gt=OuterRef("version")))
    closed = Case.objects.filter(status="closed")
    for consent in Consent.objects.filter(newest, case__in=closed, ended_at__isnull=True).select_related("case"):
        closed_at = consent.case.closed_at
        if closed_at is None or consent.valid_until < closed_at.astimezone(STOCKHOLM).date():
            continue
        ended = Consent.objects.create(
            series=consent.series,
            version=consent.version + 1,
            case_id=consent.case_id,
            purpose=consent.purpose,
            valid_from=consent.valid_from,
            valid_until=consent.valid_until,
            created_by_id=consent.case.closed_by_id,
            created_by_agency_id=consent.case.coordinator_agency_id or consent.case.owner_agency_id,
            created_at=closed_at,
            change_note="Upphörde när samverkan avslutades",
            ended_at=closed_at,
            end_reason="case_closed",
        )
        ConsentScope.objects.bulk_create(
            ConsentScope(consent=ended, agency_id=s.agency_id, category_id=s.category_id)
            for s in ConsentScope.objects.filter(consent=consent)
        )
        latest = {}
        for decision in ConsentDecision.objects.filter(consent=consent).order_by("id"):
            latest["child" if decision.is_child else f"g:{decision.guardian_id}"] = decision
        ConsentDecision.objects.bulk_create(
            ConsentDecision(
                consent=ended,
                guardian_id=d.guardian_id,
                is_child=d.is_child,
                decision=d.decision,
                method="carried",
                recorded_by_id=d.recorded_by_id,
                decided_at=closed_at,
                note=f"v{consent.version}",
            )
            for d in latest.values()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0006_consent_ending_and_access_loss_rows"),
        ("cases", "0003_child_wish_handover_mapping_plan_concern"),
    ]

    operations = [migrations.RunPython(end_consents, migrations.RunPython.noop)]
