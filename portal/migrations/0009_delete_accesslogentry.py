"""The access log moved to its own app (`accesslog` 0001): state only, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0008_accesslog_retention_function_and_truncate_guard'),
        ('accesslog', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='AccessLogEntry')],
        ),
    ]
