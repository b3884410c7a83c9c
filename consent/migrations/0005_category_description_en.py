"""English plain-language descriptions of the initial information categories, so a
family reading the portal in English sees who may see what in English."""

from django.db import migrations, models

# code: (name, name_en, description, description_en); the order is the display order.
CATEGORIES = {
    "basic": (
        "Kontakt- och grunduppgifter",
        "Contact and basic details",
        "Namn, födelsedatum, kontaktuppgifter och vilka som är med i samverkan.",
        "Name, date of birth, contact details and who takes part in the collaboration.",
    ),
    "family": (
        "Familjens egen beskrivning och önskemål",
        "The family's own description and wishes",
        "Det ni själva berättar: hur det är nu, hur ni vill att det ska bli och vad som är viktigast.",
        "What you tell us yourselves: how things are now, how you want them to be and what matters most.",
    ),
    "school": (
        "Skolsituation",
        "School situation",
        "Hur det går i skolan, närvaro, stöd och anpassningar i skolan.",
        "How school is going, attendance, support and adjustments at school.",
    ),
    "health": (
        "Hälsa",
        "Health",
        "Uppgifter från hälso- och sjukvården, till exempel BUP, habilitering eller barnhälsovård.",
        "Information from healthcare, for example child psychiatry (BUP), habilitation or child health care.",
    ),
    "social": (
        "Stöd från socialtjänsten",
        "Social services support",
        "Insatser och stöd från socialtjänsten.",
        "Help and support from social services.",
    ),
    "preparations": (
        "Förberedelser inför möten",
        "Meeting preparations",
        "Det varje verksamhet skriver inför ett gemensamt möte.",
        "What each agency writes before a joint meeting.",
    ),
    "minutes": (
        "Mötesanteckningar",
        "Meeting minutes",
        "Anteckningar och beslut från gemensamma möten.",
        "Notes and decisions from joint meetings.",
    ),
    "plan": (
        "Den gemensamma planen",
        "The joint plan",
        "Mål, insatser, vem som gör vad och när.",
        "Goals, support, who does what and when.",
    ),
}


def add_categories(apps, schema_editor):
    """Create the initial categories where missing; fill in the English description where
    an administrator has not written one."""
    InformationCategory = apps.get_model("consent", "InformationCategory")
    for ordering, (code, (name, name_en, description, description_en)) in enumerate(CATEGORIES.items()):
        category, created = InformationCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "description": description,
                "description_en": description_en,
                "ordering": ordering,
            },
        )
        if not created and not category.description_en:
            category.description_en = description_en
            category.save(update_fields=["description_en"])


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_decision_codes")]
    operations = [
        migrations.AddField(
            model_name="informationcategory",
            name="description_en",
            field=models.TextField(blank=True, verbose_name="beskrivning i klarspråk (engelska)"),
        ),
        migrations.RunPython(add_categories, migrations.RunPython.noop),
    ]
