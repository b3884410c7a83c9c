"""Django admin: the access log, read-only.

The log's queryset passes the policy like every other (the admin's own agency's chain;
nothing for a signed-in user who acts for no agency). Nothing can be added, changed or
deleted here — on PostgreSQL the database refuses it too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accesslog.models import AccessLogEntry
from portal.admin import ReadOnlyAdmin


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "agency_name", "role", "action", "object_type", "count", "basis", "outcome")
    list_filter = ("action", "basis", "outcome")
    search_fields = ("actor_name", "request_id", "object_id")
    date_hierarchy = None  # no COUNT-heavy date drill-down over the log
    show_full_result_count = False
    ordering = ("-id",)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        viewer = getattr(request, "viewer", None)
        return bool(request.user.is_active and request.user.is_staff and viewer is not None and viewer.is_agency_admin)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
