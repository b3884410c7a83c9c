from django.contrib import admin

from insights.models import GapCategory, ManagementRole, ServiceArea


@admin.register(GapCategory)
class GapCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ordering", "is_active"]
    list_editable = ["ordering", "is_active"]


@admin.register(ManagementRole)
class ManagementRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "principal", "granted_at"]
    list_select_related = ["user", "principal"]
    raw_id_fields = ["user"]
