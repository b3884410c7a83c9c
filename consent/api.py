"""API: consents under the policy, and staff recording answers given on paper or orally.

GET  /api/v1/consents/?case=<case uuid>   versions in force the caller may see (staff:
     managers of the case and named recipients; family: their child's, a child once
     their answer counts). `?all_versions=1` includes older versions.
GET  /api/v1/consents/<uuid>/              one version; who answered what only for the
     case's managers and the family.
POST /api/v1/consents/<uuid>/decisions/    staff who manage the case record an answer
     given on paper or orally (`oral_to`: the uuid of the staff member who received it).

A family member's own answer is not possible over the API: giving or refusing consent
needs a fresh one-time code (the portal's step-up), and revoking is one click in the
portal. Related-field choices (`oral_to`, `party`) are looked up through the policy, so
an id from another agency or family is "not found", and OPTIONS reveals nothing
(metadata is disabled project-wide).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from agencies.models import Membership
from consent import api_cards, selectors, services
from consent.models import Consent, ConsentDecision
from consent.services import newest_versions_q
from portal import limits
from portal.api_auth import IsSignedInViewer, IsStaffViewer, viewer_of
from portal.api_schema import OutputSerializer


class PolicyMembershipField(serializers.SlugRelatedField):
    """Choices come from the scoped manager inside the request: the caller's own agency."""

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Membership.objects.filter(is_active=True)


class ConsentSerializer(serializers.Serializer):
    """Read-only shape of a consent version (documented for the schema)."""

    id = serializers.UUIDField()
    series = serializers.UUIDField()
    version = serializers.IntegerField()
    is_newest = serializers.BooleanField()
    case = serializers.UUIDField()
    purpose = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    state = serializers.ChoiceField(choices=sorted(selectors.STATE_LABELS))
    ended_at = serializers.DateTimeField(allow_null=True, help_text='when the consent ended (state "ended")')
    end_reason = serializers.CharField(allow_null=True, help_text='"case_closed": the collaboration closed')
    recipients = serializers.ListField(child=serializers.DictField())
    parties = serializers.ListField(child=serializers.DictField(), required=False)


class DecisionInSerializer(serializers.Serializer):
    party = serializers.CharField(
        help_text='"child", or the uuid of a custodial guardian', max_length=limits.CODE, error_messages=limits.TOO_LONG
    )
    decision = serializers.ChoiceField(choices=ConsentDecision.Decision.choices)
    method = serializers.ChoiceField(
        choices=[(ConsentDecision.Method.PAPER, "paper"), (ConsentDecision.Method.ORAL, "oral")]
    )
    oral_to = PolicyMembershipField(
        slug_field="uuid", queryset=Membership._base_manager.none(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, error_messages=limits.TOO_LONG)


class DecisionRecordedSerializer(OutputSerializer):
    decision = serializers.ChoiceField(choices=ConsentDecision.Decision.choices)
    method = serializers.ChoiceField(choices=ConsentDecision.Method.choices)
    decided_at = serializers.DateTimeField()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("case", OpenApiTypes.UUID, description="Only consents of this collaboration."),
            OpenApiParameter("all_versions", OpenApiTypes.STR, enum=["1"], description="1: older versions too."),
        ]
    )
)
class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConsentSerializer
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Consent._base_manager.none()  # for the schema only; requests use get_queryset

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "decisions":
            return [IsStaffViewer()]
        return [IsSignedInViewer()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        request = self.request
        queryset = api_cards.api_consents(viewer_of(request), Consent.objects.all())
        if request.query_params.get("all_versions") != "1" and self.action == "list":
            queryset = queryset.filter(newest_versions_q())
        case = request.query_params.get("case")
        if case:
            try:
                queryset = queryset.filter(case__uuid=case)
            except Exception:  # not a uuid: nothing matches
                queryset = queryset.none()
        viewer = viewer_of(request)
        if viewer.is_family and viewer.role == "child":
            allowed = [card.consent.pk for card in selectors.family_cards(viewer)]
            queryset = queryset.filter(pk__in=allowed)
        return queryset

    def _json(self, consents: list[Consent]) -> list[dict[str, Any]]:
        viewer = viewer_of(self.request)
        return api_cards.card_json(viewer, consents, for_family=viewer.is_family)

    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._json(list(page)))

    def retrieve(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return Response(self._json([self.get_object()])[0])

    @extend_schema(request=DecisionInSerializer, responses={201: DecisionRecordedSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecisionInSerializer)
    def decisions(self, request, uuid=None):  # type: ignore[no-untyped-def]
        viewer = viewer_of(request)
        consent = self.get_object()
        if not services.manages(viewer, consent.case):
            raise PermissionDenied(_("Bara samordnaren eller barnets bästa-ansvarig kan hantera samtycken."))
        serializer = DecisionInSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        party = self._party(consent, data["party"])
        oral_to = data.get("oral_to")
        try:
            row = services.decision_record(
                viewer=viewer,
                consent=consent,
                party=party,
                decision=data["decision"],
                method=data["method"],
                oral_to_membership_id=oral_to.pk if oral_to else None,
                note=data.get("note", ""),
            )
        except services.ConsentError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"decision": row.decision, "method": row.method, "decided_at": row.decided_at.isoformat()},
            status=status.HTTP_201_CREATED,
        )

    def _party(self, consent: Consent, value: str) -> services.Party:
        from cases.models import Guardianship

        if value == "child":
            return services.CHILD
        ship = (
            Guardianship.objects.filter(child_id=consent.case.child_id, has_custody=True, guardian__uuid=value)
            .select_related("guardian")
            .first()
            if _is_uuid(value)
            else None
        )
        if ship is None:
            raise serializers.ValidationError({"party": [_("Okänd part.")]})
        return services.Party(guardian_id=ship.guardian_id)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("consents", ConsentViewSet, basename="consent")
