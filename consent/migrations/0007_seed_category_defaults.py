"""The default category of a mapping row per life area and of a preparation section per
kind of writing agency (issue 13 item 7: categories fit content). Data, editable in the
admin; the writer sees the default and may choose another."""

from django.db import migrations

DEFAULTS = {
    # The mapping: each life area holds information of its own kind.
    "life_area:school": "school",
    "life_area:health": "health",
    "life_area:leisure": "family",
    "life_area:family": "family",
    "life_area:finances": "family",
    "life_area:housing": "family",
    "life_area:parent_work": "family",
    "life_area:parent_health": "health",
    "life_area:other": "family",
    # Meeting preparations: what an agency sees is usually of its own field.
    "agency_kind:school": "school",
    "agency_kind:healthcare": "health",
    "agency_kind:social": "social",
    "agency_kind:coordination": "preparations",
    "agency_kind:other": "preparations",
}


def add_defaults(apps, schema_editor):
    InformationCategory = apps.get_model("consent", "InformationCategory")
    CategoryDefault = apps.get_model("consent", "CategoryDefault")
    categories = {c.code: c for c in InformationCategory.objects.filter(code__in=set(DEFAULTS.values()))}
    for subject, code in DEFAULTS.items():
        if code in categories:
            CategoryDefault.objects.get_or_create(subject=subject, defaults={"category": categories[code]})


def remove_defaults(apps, schema_editor):
    apps.get_model("consent", "CategoryDefault").objects.filter(subject__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0006_category_defaults")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
