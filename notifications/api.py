"""API of notifications under /api/v1/notifications/: the viewer's own list, mark read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from notifications import kinds, services
from notifications.models import Notification
from portal.api_auth import IsSignedInViewer, viewer_of


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["uuid", "kind", "text", "target_url", "created_at", "is_read"]
        read_only_fields = fields

    def get_text(self, obj: Notification) -> str:
        return kinds.text_for(obj.kind)

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in person's own notifications (recipient-scoped), newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsSignedInViewer]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Notification._base_manager.none()  # for the schema only; requests use get_queryset

    def get_queryset(self) -> Any:
        return Notification.objects.all()

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request: Request, uuid: str | None = None) -> Response:
        notification = self.get_object()
        marked = services.notifications_mark_read(viewer=viewer_of(request), uuids=[notification.uuid])
        return Response({"marked": marked})

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(viewer=viewer_of(request))})


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("notifications", NotificationViewSet, basename="notification")
