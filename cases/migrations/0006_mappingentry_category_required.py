"""Every mapping row has its category (filled in 0005)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_mapping_rows_categorised_by_life_area")]
    operations = [
        migrations.AlterField(
            model_name="mappingentry",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="consent.informationcategory",
                verbose_name="kategori",
            ),
        ),
    ]
