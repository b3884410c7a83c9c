"""API of the support directory: public read (no sign-in) under /api/v1/stodkatalog/."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from agencies.models import Principal
from directory import selectors
from directory.models import NeedKind, SupportEntry


class NeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = NeedKind
        fields = ["code", "name"]


class PrincipalSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = Principal
        fields = ["id", "name", "kind", "code"]


class EntrySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    principal = PrincipalSerializer(read_only=True)
    needs = NeedSerializer(many=True, read_only=True)

    class Meta:
        model = SupportEntry
        fields = [
            "id",
            "name",
            "summary",
            "for_whom",
            "how_to_apply",
            "provider",
            "cost",
            "phone",
            "email",
            "website",
            "address",
            "age_min",
            "age_max",
            "nationwide",
            "principal",
            "needs",
            "updated_at",
        ]


class EntryDetailSerializer(EntrySerializer):
    municipalities = PrincipalSerializer(many=True, read_only=True)

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "municipalities"]


FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Fritext (alla ord ska finnas med)."),
    OpenApiParameter("omrade", OpenApiTypes.UUID, description="Kommunens eller regionens id."),
    OpenApiParameter("alder", OpenApiTypes.INT, description="Barnets ålder (0–25)."),
    OpenApiParameter("behov", OpenApiTypes.STR, description="Kod för typ av behov, till exempel 'respite'."),
]


@extend_schema_view(list=extend_schema(parameters=FILTER_PARAMETERS))
class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Published entries of the support directory. Public: no sign-in needed."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = SupportEntry.objects.none()  # for the schema; requests use get_queryset

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return EntryDetailSerializer if self.action == "retrieve" else EntrySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if self.action == "retrieve":
            return (
                SupportEntry.objects.published().select_related("principal").prefetch_related("needs", "municipalities")
            )
        params = self.request.query_params
        area = None
        if params.get("omrade"):
            try:
                area = Principal.objects.filter(uuid=params["omrade"]).first()
            except (ValueError, ValidationError):  # a malformed id filters nothing out
                area = None
        need = NeedKind.objects.filter(code=params.get("behov", "")).first() if params.get("behov") else None
        try:
            age = int(params["alder"]) if params.get("alder") else None
        except ValueError:
            age = None
        filters = selectors.Filters(text=params.get("q", "")[:100], area=area, age=age, need=need)
        return selectors.entry_search(filters=filters).order_by("-id")


class NeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The kinds of need to filter by. Public."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = NeedSerializer
    pagination_class = None
    queryset = NeedKind.objects.all()


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("stodkatalog/behov", NeedViewSet, basename="directory-need")
    router.register("stodkatalog", EntryViewSet, basename="directory-entry")
