"""Give every existing mapping row the default category of its life area (the school row
becomes "school situation", the health rows "health"), falling back to the family's own
description, which all rows were shared under before."""

from django.db import migrations

FALLBACK = "family"


def categorise(apps, schema_editor):
    InformationCategory = apps.get_model("consent", "InformationCategory")
    CategoryDefault = apps.get_model("consent", "CategoryDefault")
    MappingEntry = apps.get_model("cases", "MappingEntry")
    fallback = InformationCategory.objects.filter(code=FALLBACK).first()
    if fallback is None:
        return  # no categories means no mapping rows either (a fresh database)
    defaults = {
        row.subject.removeprefix("life_area:"): row.category_id
        for row in CategoryDefault.objects.filter(subject__startswith="life_area:")
    }
    for area in MappingEntry.objects.filter(category__isnull=True).values_list("area", flat=True).distinct():
        MappingEntry.objects.filter(category__isnull=True, area=area).update(
            category_id=defaults.get(area, fallback.pk)
        )


def uncategorise(apps, schema_editor):
    apps.get_model("cases", "MappingEntry").objects.update(category=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_mappingentry_category"),
        ("consent", "0007_seed_category_defaults"),
    ]
    operations = [migrations.RunPython(categorise, uncategorise)]
