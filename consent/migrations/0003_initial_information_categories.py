"""The initial information categories (DESIGN rule 6). Data, editable afterwards."""

from django.db import migrations

CATEGORIES = [
    ("basic", "Kontakt- och grunduppgifter", "Contact and basic details",
     "Namn, födelsedatum, kontaktuppgifter och vilka som är med i samverkan."),
    ("family", "Familjens egen beskrivning och önskemål", "The family's own description and wishes",
     "Det ni själva berättar: hur det är nu, hur ni vill att det ska bli och vad som är viktigast."),
    ("school", "Skolsituation", "School situation",
     "Hur det går i skolan, närvaro, stöd och anpassningar i skolan."),
    ("health", "Hälsa", "Health",
     "Uppgifter från hälso- och sjukvården, till exempel BUP, habilitering eller barnhälsovård."),
    ("social", "Stöd från socialtjänsten", "Social services support",
     "Insatser och stöd från socialtjänsten."),
    ("preparations", "Förberedelser inför möten", "Meeting preparations",
     "Det varje verksamhet skriver inför ett gemensamt möte."),
    ("minutes", "Mötesanteckningar", "Meeting minutes",
     "Anteckningar och beslut från gemensamma möten."),
    ("plan", "Den gemensamma planen", "The joint plan",
     "Mål, insatser, vem som gör vad och när."),
]


def add_categories(apps, schema_editor):
    InformationCategory = apps.get_model("consent", "InformationCategory")
    for ordering, (code, name, name_en, description) in enumerate(CATEGORIES):
        InformationCategory.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "description": description, "ordering": ordering},
        )


def remove_categories(apps, schema_editor):
    apps.get_model("consent", "InformationCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_initial")]
    operations = [migrations.RunPython(add_categories, remove_categories)]
