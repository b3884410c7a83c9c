"""Copy each preparation's three texts into sections. Existing text keeps the category it
was shared under ("preparations"), so nobody gains or loses access by this migration; the
writer can give a section the category of its content when they next edit it."""

from django.db import migrations

KINDS = [("what_we_see", 0), ("what_we_contribute", 1), ("our_questions", 2)]


def into_sections(apps, schema_editor):
    InformationCategory = apps.get_model("consent", "InformationCategory")
    Preparation = apps.get_model("meetings", "Preparation")
    PreparationSection = apps.get_model("meetings", "PreparationSection")
    category = InformationCategory.objects.filter(code="preparations").first()
    if category is None:
        return  # no categories means no preparations either (a fresh database)
    sections = []
    # Preparations that already have sections (written after 0004) are left as they are.
    done = set(PreparationSection.objects.values_list("preparation_id", flat=True).distinct())
    for prep in Preparation.objects.exclude(pk__in=done).iterator(chunk_size=2000):
        for kind, position in KINDS:
            text = (getattr(prep, kind) or "").strip()
            if text:
                sections.append(
                    PreparationSection(
                        preparation_id=prep.pk,
                        case_id=prep.case_id,
                        author_agency_id=prep.author_agency_id,
                        created_by_id=prep.created_by_id,
                        created_at=prep.created_at,
                        updated_at=prep.updated_at,
                        kind=kind,
                        position=position,
                        category_id=category.pk,
                        text=text,
                    )
                )
        if len(sections) >= 2000:
            PreparationSection.objects.bulk_create(sections)
            sections = []
    PreparationSection.objects.bulk_create(sections)


def back_into_fields(apps, schema_editor):
    Preparation = apps.get_model("meetings", "Preparation")
    PreparationSection = apps.get_model("meetings", "PreparationSection")
    for section in PreparationSection.objects.all().iterator(chunk_size=2000):
        Preparation.objects.filter(pk=section.preparation_id).update(**{section.kind: section.text})
    PreparationSection.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_preparation_sections")]
    operations = [migrations.RunPython(into_sections, back_into_fields)]
