"""API endpoints of the collaboration under /api/v1/: collaborations, mapping, the plan
and its actions. The same policy as the pages: querysets come from the scoped managers,
single objects 404 when missing or forbidden, writes go through the services. Ids are
UUIDs; related objects are named by UUID and looked up through the policy, so no
related-field choices can reveal anything.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from access import policy
from access.scoping import Viewer
from cases import selectors, services
from cases.models import Case, LifeArea, MappingEntry, PlanAction, PlanGoal
from portal import limits
from portal.api_auth import IsSignedInViewer, IsStaffViewer, viewer_of
from portal.api_schema import OutputSerializer


class StaffWritesOnly(IsSignedInViewer):
    """Family and staff read (the policy decides what); only staff write."""

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if request.method in ("GET", "HEAD"):
            return super().has_permission(request, view)
        return IsStaffViewer().has_permission(request, view)


def _case(request: Request, case_uuid: Any) -> Case:
    if not case_uuid:
        raise ValidationError({"case": [_("Ange samverkan (uuid).")]})
    return policy.get_or_404(Case, viewer_of(request), uuid=case_uuid)


def _service(call: Any, **kwargs: Any) -> Any:
    """Call a service; a refusal for who the caller is answers 403, any other 400."""
    try:
        return call(**kwargs)
    except services.CaseRefused as error:
        raise PermissionDenied(str(error)) from None
    except services.CaseError as error:
        raise ValidationError({"detail": str(error)}) from None


CASE_FILTER = OpenApiParameter("case", OpenApiTypes.UUID, description="Only rows of this collaboration.")


# --------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    child = serializers.CharField(source="child.full_name", read_only=True)
    owner_agency = serializers.CharField(source="owner_agency.name", read_only=True)
    coordinator = serializers.SerializerMethodField()
    coordinator_agency = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "child",
            "owner_agency",
            "coordinator",
            "coordinator_agency",
            "level",
            "phase",
            "status",
            "need_description",
            "opened_at",
            "closed_at",
        ]

    def get_coordinator(self, case: Case) -> str | None:
        return case.coordinator.full_name if case.coordinator_id else None  # type: ignore[union-attr]

    def get_coordinator_agency(self, case: Case) -> str | None:
        return case.coordinator_agency.name if case.coordinator_agency_id else None  # type: ignore[union-attr]


class MappingEntrySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    author_agency = serializers.CharField(source="author_agency.name", read_only=True)
    written_by_family = serializers.BooleanField(read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        model = MappingEntry
        fields = [
            "id",
            "case",
            "area",
            "category",
            "current_state",
            "desired_state",
            "is_priority",
            "author_agency",
            "written_by_family",
            "updated_at",
        ]


class MappingEntryInput(serializers.Serializer):
    case = serializers.UUIDField(required=False)
    area = serializers.ChoiceField(choices=LifeArea.choices)
    current_state = serializers.CharField(max_length=limits.TEXT, error_messages=limits.TOO_LONG)
    desired_state = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    is_priority = serializers.BooleanField(required=False, default=False)
    # An information category code; empty or left out: the life area's default.
    category = serializers.CharField(required=False, allow_blank=True, max_length=40, error_messages=limits.TOO_LONG)


class PlanActionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    responsible_agency = serializers.SerializerMethodField()
    responsible_external = serializers.SerializerMethodField()
    written_by_family = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "case",
            "description",
            "responsible_agency",
            "responsible_external",
            "responsible_person",
            "due_date",
            "status",
            "completed_at",
            "written_by_family",
            "updated_at",
        ]

    def get_responsible_agency(self, action: PlanAction) -> dict[str, str] | None:
        agency = action.responsible_agency
        return {"id": str(agency.uuid), "name": agency.name} if agency is not None else None

    def get_responsible_external(self, action: PlanAction) -> str | None:
        external = action.responsible_external
        return f"{external.organisation} – {external.name}" if external is not None else None


class PlanActionInput(serializers.Serializer):
    case = serializers.UUIDField(required=False)
    description = serializers.CharField(max_length=limits.SHORT, error_messages=limits.TOO_LONG)
    due_date = serializers.DateField()
    responsible_agency = serializers.UUIDField(required=False, allow_null=True, default=None)
    responsible_person = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.NAME, error_messages=limits.TOO_LONG
    )
    goal = serializers.UUIDField(required=False, allow_null=True, default=None)

    def validate_due_date(self, value: Any) -> Any:
        # In the window, unless it is the action's own date left as it was (context).
        if value != self.context.get("due_date"):
            limits.PLANNED(value)
        return value


class PlanActionStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlanAction.Status.choices)


class PlanActionPatch(serializers.Serializer):
    """A change to an action: `status` alone (progress), or any of the other fields."""

    status = serializers.ChoiceField(choices=PlanAction.Status.choices, required=False)
    description = serializers.CharField(required=False, max_length=limits.SHORT, error_messages=limits.TOO_LONG)
    due_date = serializers.DateField(required=False)
    responsible_agency = serializers.UUIDField(required=False, allow_null=True)
    responsible_person = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.NAME, error_messages=limits.TOO_LONG
    )
    goal = serializers.UUIDField(required=False, allow_null=True)


class PlanGoalSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    written_by_family = serializers.BooleanField(read_only=True)

    class Meta:
        model = PlanGoal
        fields = ["id", "area", "text", "status", "written_by_family"]


class PlanInput(serializers.Serializer):
    support_needed = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    others_do = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    overall_principal = serializers.UUIDField(required=False, allow_null=True, default=None)
    coordinator_will = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    coordinator_will_not = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )


class NamedRefSerializer(OutputSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class PlanSerializer(OutputSerializer):
    """The joint plan of a collaboration (version 0 and empty texts before it is written)."""

    case = serializers.UUIDField()
    phase = serializers.ChoiceField(choices=Case.Phase.choices)
    version = serializers.IntegerField()
    support_needed = serializers.CharField(allow_blank=True)
    others_do = serializers.CharField(allow_blank=True)
    overall_principal = NamedRefSerializer(allow_null=True)
    coordinator_will = serializers.CharField(allow_blank=True)
    coordinator_will_not = serializers.CharField(allow_blank=True)
    goals = PlanGoalSerializer(many=True)
    actions = PlanActionSerializer(many=True)


def _agency_id(uuid: Any) -> int | None:
    from agencies.models import Agency

    if uuid is None:
        return None
    agency_id = Agency.objects.filter(uuid=uuid, is_active=True).values_list("pk", flat=True).first()
    if agency_id is None:
        raise ValidationError({"responsible_agency": [_("Okänd verksamhet.")]})
    return agency_id


def _goal_id(case: Case, uuid: Any) -> int | None:
    if uuid is None:
        return None
    goal_id = PlanGoal.objects.filter(case=case, uuid=uuid).values_list("pk", flat=True).first()
    if goal_id is None:
        raise ValidationError({"goal": [_("Målet finns inte.")]})
    return goal_id


def _plan_payload(case: Case, *, viewer: Viewer) -> dict[str, Any]:
    overview = selectors.plan_overview(case, viewer=viewer)
    plan = overview.plan
    return {
        "case": str(case.uuid),
        "phase": case.phase,
        "version": plan.version if plan else 0,
        "support_needed": plan.support_needed if plan else "",
        "others_do": plan.others_do if plan else "",
        "overall_principal": (
            {"id": str(plan.overall_principal.uuid), "name": plan.overall_principal.name}
            if plan and plan.overall_principal is not None
            else None
        ),
        "coordinator_will": plan.coordinator_will if plan else "",
        "coordinator_will_not": plan.coordinator_will_not if plan else "",
        "goals": PlanGoalSerializer(overview.goals, many=True).data,
        "actions": PlanActionSerializer(overview.actions, many=True).data,
    }


# --------------------------------------------------------------------------------------
# Viewsets
# --------------------------------------------------------------------------------------


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Collaborations the caller may see: the policy decides (family: their own child)."""

    serializer_class = CaseSerializer
    permission_classes = [StaffWritesOnly]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Case._base_manager.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Case.objects.select_related("child", "owner_agency", "coordinator", "coordinator_agency")

    @extend_schema(responses=MappingEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def mapping(self, request: Request, uuid: Any = None) -> Response:
        case = self.get_object()
        entries = selectors.mapping_entries(case, viewer=viewer_of(request))
        return Response(MappingEntrySerializer(entries, many=True).data)

    @extend_schema(methods=["GET"], responses=PlanSerializer)
    @extend_schema(methods=["PUT"], request=PlanInput, responses=PlanSerializer)
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def plan(self, request: Request, uuid: Any = None) -> Response:
        case = self.get_object()
        if request.method == "PUT":
            data = PlanInput(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
            principal_uuid = values.pop("overall_principal")
            principal_id = None
            if principal_uuid is not None:
                from agencies.models import Principal

                principal_id = Principal.objects.filter(uuid=principal_uuid).values_list("pk", flat=True).first()
                if principal_id is None:
                    raise ValidationError({"overall_principal": [_("Okänd huvudman.")]})
            _service(
                services.plan_update,
                viewer=viewer_of(request),
                case=case,
                overall_principal_id=principal_id,
                **values,
            )
        return Response(_plan_payload(case, viewer=viewer_of(request)))


@extend_schema_view(
    list=extend_schema(parameters=[CASE_FILTER]),
    create=extend_schema(request=MappingEntryInput, responses={201: MappingEntrySerializer}),
    partial_update=extend_schema(request=MappingEntryInput, responses=MappingEntrySerializer),
)
class MappingEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The mapping (kartläggning), per life area. Filter a list with ?case=<uuid>."""

    serializer_class = MappingEntrySerializer
    permission_classes = [StaffWritesOnly]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "head"]
    queryset = MappingEntry._base_manager.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = MappingEntry.objects.select_related("case", "author_agency", "category").order_by("id")
        case_uuid = self.request.query_params.get("case")
        if case_uuid:
            try:
                queryset = queryset.filter(case__uuid=case_uuid)
            except Exception:
                return queryset.none()
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = MappingEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = _case(request, values.pop("case", None))
        entry = _service(services.mapping_entry_create, viewer=viewer_of(request), case=case, **values)
        return Response(MappingEntrySerializer(entry).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        merged = {
            "area": entry.area,
            "current_state": entry.current_state,
            "desired_state": entry.desired_state,
            "is_priority": entry.is_priority,
            **{k: v for k, v in request.data.items() if k != "case"},
        }
        data = MappingEntryInput(data=merged)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("case", None)
        values.setdefault("category", None)  # left out: keep the row's category (see the service)
        entry = _service(services.mapping_entry_update, viewer=viewer_of(request), entry=entry, **values)
        return Response(MappingEntrySerializer(entry).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(parameters=[CASE_FILTER]),
    create=extend_schema(request=PlanActionInput, responses={201: PlanActionSerializer}),
    partial_update=extend_schema(request=PlanActionPatch, responses=PlanActionSerializer),
)
class PlanActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Actions of the joint plan. Filter a list with ?case=<uuid>. PATCH with only
    `status` reports progress (the coordinator or the responsible agency); other fields
    are the coordinator's."""

    serializer_class = PlanActionSerializer
    permission_classes = [StaffWritesOnly]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    http_method_names = ["get", "post", "patch", "head"]
    queryset = PlanAction._base_manager.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = PlanAction.objects.select_related("case", "responsible_agency", "responsible_external").order_by(
            "id"
        )
        case_uuid = self.request.query_params.get("case")
        if case_uuid:
            try:
                queryset = queryset.filter(case__uuid=case_uuid)
            except Exception:
                return queryset.none()
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PlanActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = _case(request, values.pop("case", None))
        action = _service(
            services.plan_action_create,
            viewer=viewer_of(request),
            case=case,
            description=values["description"],
            due_date=values["due_date"],
            responsible_agency_id=_agency_id(values["responsible_agency"]),
            responsible_person=values["responsible_person"],
            goal_id=_goal_id(case, values["goal"]),
        )
        return Response(PlanActionSerializer(action).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        viewer = viewer_of(request)
        fields = set(request.data.keys())
        if fields == {"status"}:
            data = PlanActionStatusInput(data=request.data)
            data.is_valid(raise_exception=True)
            action = _service(
                services.plan_action_status_set, viewer=viewer, action=action, status=data.validated_data["status"]
            )
            return Response(PlanActionSerializer(action).data)
        if "status" in fields:
            raise ValidationError({"status": [_("Ändra läget i ett eget anrop.")]})
        merged = {
            "description": action.description,
            "due_date": action.due_date,
            "responsible_agency": action.responsible_agency.uuid if action.responsible_agency_id else None,  # type: ignore[union-attr]
            "responsible_person": action.responsible_person,
            "goal": None,
            **{k: v for k, v in request.data.items() if k != "case"},
        }
        data = PlanActionInput(data=merged, context={"due_date": action.due_date})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = action.case
        goal_id = _goal_id(case, values["goal"]) if "goal" in fields else action.goal_id
        action = _service(
            services.plan_action_update,
            viewer=viewer,
            action=action,
            description=values["description"],
            due_date=values["due_date"],
            responsible_agency_id=_agency_id(values["responsible_agency"]),
            responsible_external_id=action.responsible_external_id,
            responsible_person=values["responsible_person"],
            goal_id=goal_id,
        )
        return Response(PlanActionSerializer(action).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("cases", CaseViewSet, basename="case")
    router.register("mapping-entries", MappingEntryViewSet, basename="mapping-entry")
    router.register("plan-actions", PlanActionViewSet, basename="plan-action")
