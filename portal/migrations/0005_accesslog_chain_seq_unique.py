"""One entry per position in each chain: two writers can never fork a chain."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_chain_existing_access_log_entries")]

    operations = [
        migrations.AddConstraint(
            model_name="accesslogentry",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="accesslog_chain_seq"),
        ),
    ]
