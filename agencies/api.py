"""API: the acting agency's own staff (agency admins only)."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import DefaultRouter

from agencies.models import Membership
from portal.api_auth import IsStaffViewer


class IsAgencyAdmin(IsStaffViewer):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return super().has_permission(request, view) and request._request.viewer.is_agency_admin


class MembershipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "name", "email", "role", "title", "is_active"]


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff of the agency the caller acts for. Another agency's staff do not exist here."""

    serializer_class = MembershipSerializer
    permission_classes = [IsAgencyAdmin]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Membership._base_manager.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Membership.objects.select_related("user").order_by("id")


def register(router: DefaultRouter) -> None:
    router.register("staff", StaffViewSet, basename="staff")
