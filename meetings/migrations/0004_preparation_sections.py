"""A preparation's text moves into sections, each with the information category of what
it holds (issue 13 item 7). The text is copied in 0005 and the old columns go in 0006."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_initial"),
        ("cases", "0003_child_wish_handover_mapping_plan_concern"),
        ("consent", "0007_seed_category_defaults"),
        ("meetings", "0003_agenda_preparations_minutes_live_room"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PreparationSection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("written_by_child", models.BooleanField(default=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("what_we_see", "Det här ser vi"),
                            ("what_we_contribute", "Det här kan vi bidra med"),
                            ("our_questions", "Våra frågor"),
                        ],
                        max_length=20,
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("text", models.TextField(verbose_name="text")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "author_agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency"
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.case"),
                ),
                (
                    "category",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="consent.informationcategory",
                        verbose_name="kategori",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "preparation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="sections", to="meetings.preparation"
                    ),
                ),
                (
                    "written_by_guardian",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="cases.guardian",
                    ),
                ),
            ],
            options={
                "verbose_name": "avsnitt i en förberedelse",
                "verbose_name_plural": "avsnitt i förberedelser",
                "ordering": ["preparation_id", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("preparation", "kind"), name="preparationsection_one_per_kind")
                ],
            },
        ),
    ]
