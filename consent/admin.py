"""Administration of the information categories (DESIGN rule 6: data, not code).

Consents themselves are not edited here: they are immutable history, changed only
through the consent services. Scoped models would show an administrator nothing anyway
(the admin reads through the same policy as every other page).
"""

from django.contrib import admin

from consent.models import CategoryDefault, InformationCategory


@admin.register(InformationCategory)
class InformationCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "visible_to_family", "is_active", "ordering"]
    list_editable = ["ordering", "is_active"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The code is a stable handle used by item types (CATEGORY_CODE): fixed once created.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Categories are referenced by consent history; retire them with is_active instead.
        return False


@admin.register(CategoryDefault)
class CategoryDefaultAdmin(admin.ModelAdmin):
    """Which category a mapping row or a preparation section gets unless its writer picks
    another (`life_area:<area>`, `agency_kind:<kind>`)."""

    list_display = ["subject", "category"]
    list_editable = ["category"]
