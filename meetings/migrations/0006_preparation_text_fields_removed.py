"""The preparation's text lives in its sections (0004, 0005)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_preparation_text_into_sections")]
    operations = [
        migrations.RemoveField(model_name="preparation", name="our_questions"),
        migrations.RemoveField(model_name="preparation", name="what_we_contribute"),
        migrations.RemoveField(model_name="preparation", name="what_we_see"),
    ]
