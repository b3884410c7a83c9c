"""Each mapping row carries its own information category (issue 13 item 7). Nullable
here; 0005 fills it from the life-area defaults and 0006 makes it required."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_child_wish_handover_mapping_plan_concern"),
        ("consent", "0006_category_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="mappingentry",
            name="category",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="consent.informationcategory",
                verbose_name="kategori",
            ),
        ),
    ]
