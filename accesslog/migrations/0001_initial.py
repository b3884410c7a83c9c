"""The access log moves out of `portal` into its own app: state only.

The table stays `portal_accesslogentry`, with its indexes, constraint, triggers
(portal 0006, 0008), retention function (portal 0008) and database-role grants
(`accesslog.db_roles`): nothing in the database changes. `portal` 0009 removes the model
from portal's state. The content type moves with it (its permissions stay assigned).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="accesslogentry").exists():
        ContentType.objects.filter(app_label=old, model="accesslogentry").update(app_label=new)


def move_content_type(apps, schema_editor):
    _move(apps, "portal", "accesslog")


def move_content_type_back(apps, schema_editor):
    _move(apps, "accesslog", "portal")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0002_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('portal', '0008_accesslog_retention_function_and_truncate_guard'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('actor_name', models.CharField(blank=True, max_length=200)),
                ('agency_name', models.CharField(blank=True, max_length=200)),
                ('role', models.CharField(blank=True, max_length=40)),
                ('title', models.CharField(blank=True, max_length=100)),
                ('child_id', models.BigIntegerField(blank=True, null=True)),
                ('case_id', models.BigIntegerField(blank=True, null=True)),
                ('object_type', models.CharField(max_length=80)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('count', models.PositiveIntegerField(default=1)),
                ('action', models.CharField(choices=[('view', 'visade'), ('list', 'listade'), ('export', 'exporterade'), ('live', 'följde live'), ('create', 'skapade'), ('update', 'ändrade'), ('consent_decision', 'samtyckesbeslut')], max_length=20)),
                ('basis', models.CharField(choices=[('own', 'egen verksamhets uppgifter'), ('consent', 'samtycke'), ('coordinator', 'samordningsansvar'), ('family', 'vårdnadshavare eller barnet självt'), ('none', 'ingen grund')], max_length=20)),
                ('consent_id', models.BigIntegerField(blank=True, null=True)),
                ('consent_version', models.IntegerField(blank=True, null=True)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('outcome', models.CharField(choices=[('allowed', 'tillåten'), ('denied', 'nekad')], default='allowed', max_length=10)),
                ('chain', models.CharField(default='family', max_length=40)),
                ('seq', models.BigIntegerField(default=0)),
                ('prev_hash', models.CharField(blank=True, max_length=64)),
                ('hash', models.CharField(blank=True, max_length=64)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('agency', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='agencies.agency')),
            ],
            options={
                'verbose_name': 'loggpost',
                'verbose_name_plural': 'åtkomstlogg',
                'db_table': 'portal_accesslogentry',
                'indexes': [models.Index(fields=['child_id', '-at'], name='accesslog_child_at'), models.Index(fields=['agency', '-id'], name='accesslog_agency_id'), models.Index(fields=['actor', '-at'], name='accesslog_actor_at'), models.Index(fields=['chain', '-id'], name='accesslog_chain_id'), models.Index(fields=['at'], name='accesslog_at'), models.Index(condition=models.Q(('action__in', ['view', 'export']), ('child_id__isnull', False)), fields=['actor', 'at'], name='accesslog_actor_reads'), models.Index(condition=models.Q(('action__in', ['create', 'update'])), fields=['actor', 'child_id'], name='accesslog_actor_writes')],
                'constraints': [models.UniqueConstraint(fields=('chain', 'seq'), name='accesslog_chain_seq')],
            },
        ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
