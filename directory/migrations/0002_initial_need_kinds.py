"""The initial kinds of need to filter the support directory by. Data, editable afterwards."""

from django.db import migrations

NEED_KINDS = [
    ("disability", "Funktionsnedsättning"),
    ("mental-health", "Psykisk hälsa"),
    ("school", "Skola och lärande"),
    ("parenting", "Föräldraskap och familj"),
    ("respite", "Avlastning"),
    ("finances", "Ekonomi och ersättningar"),
    ("carers", "Stöd till anhöriga"),
    ("leisure", "Fritid och gemenskap"),
]


def add(apps, schema_editor):
    NeedKind = apps.get_model("directory", "NeedKind")
    for ordering, (code, name) in enumerate(NEED_KINDS):
        NeedKind.objects.update_or_create(code=code, defaults={"name": name, "ordering": ordering})


def remove(apps, schema_editor):
    apps.get_model("directory", "NeedKind").objects.filter(code__in=[c for c, _n in NEED_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_support_directory")]
    operations = [migrations.RunPython(add, remove)]
