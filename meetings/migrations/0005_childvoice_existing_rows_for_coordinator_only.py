"""Existing child voices become coordinator-only (DESIGN rule 19).

Until now the form preselected "everyone at the meeting" while its button said "send to
my coordinator", and nothing recorded whether the child picked "everyone" or left the
preselection. A row saying "everyone" may therefore be a choice the child never made, so
every existing row is narrowed to the coordinator. Narrowing can only hide the child's
words from people she may not have meant to reach; she can widen it again on her page.
Not reversible: the old values are not kept, and restoring them would re-disclose.
"""

from django.db import migrations


def narrow_to_coordinator(apps, schema_editor):
    ChildVoice = apps.get_model("meetings", "ChildVoice")
    ChildVoice._base_manager.exclude(share_with="coordinator").update(share_with="coordinator")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_childvoice_share_with_default_coordinator"),
    ]

    operations = [
        migrations.RunPython(narrow_to_coordinator, migrations.RunPython.noop, elidable=True),
    ]
