"""The initial gap categories and service areas (DESIGN rule 13). Data, editable afterwards."""

from django.db import migrations

CATEGORIES = [
    ("waiting-time", "Väntetid", "Stödet finns men det tar för lång tid att få det."),
    ("missing-service", "Saknat stöd", "Det stöd familjen behöver finns inte lokalt eller inte för den här åldern."),
    ("failed-handover", "Brustet överlämnande", "Ansvaret föll mellan verksamheter, till exempel vid remiss eller byte av skola."),
    ("information-missing", "Information saknas", "Familjen eller personalen kunde inte få veta vilket stöd som finns eller hur man söker."),
    ("blocking-rules", "Regler som hindrar", "Regler, riktlinjer eller gränsdragningar som står i vägen för stödet."),
    ("other", "Annat", "Något annat i stödsystemet som inte fungerade."),
]

SERVICE_AREAS = [
    ("school", "Skola och elevhälsa"),
    ("child-psychiatry", "Barn- och ungdomspsykiatri (BUP)"),
    ("habilitation", "Habilitering"),
    ("primary-care", "Primärvård och barnhälsovård"),
    ("social-services", "Socialtjänst"),
    ("lss", "LSS och funktionshinderomsorg"),
    ("social-insurance", "Försäkringskassan"),
    ("employment", "Arbetsförmedlingen"),
    ("leisure", "Fritid och föreningsliv"),
    ("other", "Annat"),
]


def add(apps, schema_editor):
    GapCategory = apps.get_model("insights", "GapCategory")
    ServiceArea = apps.get_model("insights", "ServiceArea")
    for ordering, (code, name, description) in enumerate(CATEGORIES):
        GapCategory.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "ordering": ordering}
        )
    for ordering, (code, name) in enumerate(SERVICE_AREAS):
        ServiceArea.objects.update_or_create(code=code, defaults={"name": name, "ordering": ordering})


def remove(apps, schema_editor):
    apps.get_model("insights", "GapCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()
    apps.get_model("insights", "ServiceArea").objects.filter(code__in=[s[0] for s in SERVICE_AREAS]).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_gaps_and_management_roles")]
    operations = [migrations.RunPython(add, remove)]
