"""API for meetings, invitations, answers, preparations and minutes under /api/v1/.

Every read goes through the scoped managers (`access.policy`): a meeting, invitation,
preparation or decision the caller may not see does not exist here (404), and never
appears in a list. Every write goes through `meetings.services`, which check again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from access import policy
from access.scoping import ScopedQuerySet, peek_viewer
from meetings import services

# The serializers live in meetings.api_serializers; importable from here as before.
from meetings.api_serializers import (  # noqa: F401
    AGENDA_FIELDS,
    MEETING_FILTER,
    AgendaInput,
    AgendaItemCreatedSerializer,
    AgendaItemSerializer,
    AgendaRead,
    AnswerInput,
    CancelInput,
    DecisionSerializer,
    InvitationSerializer,
    InviteeSerializer,
    MeetingCallInput,
    MeetingSerializer,
    MeetingTimeInput,
    MinuteNoteSerializer,
    MinutesSerializer,
    PreparationInput,
    PreparationSectionSerializer,
    PreparationSerializer,
    agenda_json,
    invitee,
)
from meetings.models import AgendaItem, Decision, Invitation, Meeting, MinuteNote, Preparation, PreparationSection
from portal.api_auth import IsSignedInViewer, IsStaffViewer, viewer_of


def meetings_for_api() -> Any:
    """Meetings with what `MeetingSerializer` shows: the collaboration's uuid and the
    organising agency's name annotated (not a Case and an Agency per row), the agenda
    prefetched (`_WithAgenda`: in one read of plain rows)."""
    agenda = Prefetch("agenda_items", queryset=AgendaItem.objects.all())
    queryset = Meeting.objects.annotate(case_uuid=F("case__uuid"), organiser=F("author_agency__name"))
    queryset = queryset.prefetch_related(agenda)
    queryset.__class__ = _WithAgenda
    return queryset


class _WithAgenda(ScopedQuerySet):
    """Meetings whose agenda prefetch is one read of the items' columns through the scoped
    manager (`api_serializers.AGENDA_FIELDS`), not Django's prefetch of models, which
    builds a related manager and its queryset per meeting. The same rows are read, in the
    same query, when Django would prefetch them (every meeting read, the paginator's extra
    one too), and noted for the access log as the manager notes the models."""

    def _prefetch_related_objects(self) -> None:
        self._prefetch_done = True
        meetings = self._result_cache or []
        if not meetings:
            return
        by_meeting: dict[int, list[dict[str, Any]]] = {meeting.pk: [] for meeting in meetings}
        rows = list(AgendaItem.objects.filter(meeting__in=meetings).values_list(*AGENDA_FIELDS))
        viewer = peek_viewer()
        if viewer is not None and not viewer.is_system:
            policy.note_read(viewer, AgendaItem, [AgendaRead(*row[:4]) for row in rows])
        for row in rows:
            by_meeting[row[4]].append(agenda_json(row))
        for meeting in meetings:
            meeting.agenda_json = by_meeting[meeting.pk]  # type: ignore[attr-defined]


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _for_meeting(queryset: Any, meeting: str | None) -> Any:
    """`?meeting=<uuid>`: only that meeting's rows (none for a value that is no uuid)."""
    if not meeting:
        return queryset
    try:
        uuid.UUID(meeting)
    except ValueError:
        return queryset.none()
    return queryset.filter(meeting__uuid=meeting)


def _refused(error: services.MeetingError) -> APIException:
    """A refusal for who the caller is answers 403, any other 400."""
    if isinstance(error, services.MeetingRefused):
        return PermissionDenied(str(error))
    return ValidationError({"detail": str(error)})


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------


@extend_schema_view(create=extend_schema(request=MeetingCallInput, responses={201: MeetingSerializer}))
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings the caller may see. POST calls a meeting (the coordinator only; agencies
    without an effective consent are refused). The live room (starting and ending a
    meeting, with their confirm step) is not part of the API: it is run from the pages."""

    serializer_class = MeetingSerializer
    permission_classes = [IsSignedInViewer]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Meeting._base_manager.none()  # for the schema only; requests use get_queryset

    def get_queryset(self):  # type: ignore[no-untyped-def]
        # An explicit queryset: with a bare name Django asks every meeting's related manager
        # for its (policy-scoped) queryset only to put the prefetched rows in it.
        return meetings_for_api()

    @extend_schema(request=MeetingCallInput, responses={201: MeetingSerializer})
    def create(self, request: Request) -> Response:
        from agencies.models import Agency
        from cases.models import Case, ExternalContact

        viewer = viewer_of(request)
        data = _valid(MeetingCallInput, request)
        case = policy.get_or_404(Case, viewer, uuid=data.pop("case"))
        agency_uuids = data.pop("agencies")
        agency_ids = list(Agency.objects.filter(uuid__in=agency_uuids).values_list("pk", flat=True))
        if len(agency_ids) != len(set(agency_uuids)):
            raise ValidationError({"agencies": [_("Okänd verksamhet.")]})
        external_uuids = data.pop("externals")
        external_ids = list(
            ExternalContact.objects.filter(case=case, uuid__in=external_uuids).values_list("pk", flat=True)
        )
        if len(external_ids) != len(set(external_uuids)):
            raise ValidationError({"externals": [_("Okänd extern deltagare.")]})
        try:
            meeting = services.meeting_call(
                viewer=viewer, case=case, agency_ids=agency_ids, external_ids=external_ids, **data
            )
        except services.MeetingError as error:
            raise _refused(error) from error
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(self.get_serializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingTimeInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, uuid: str | None = None) -> Response:
        meeting = self.get_object()
        data = _valid(MeetingTimeInput, request)
        try:
            meeting = services.meeting_update(viewer=viewer_of(request), meeting=meeting, **data)
        except services.MeetingError as error:
            raise _refused(error) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(request=CancelInput, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, uuid: str | None = None) -> Response:
        meeting = self.get_object()
        data = _valid(CancelInput, request)
        try:
            meeting = services.meeting_cancel(viewer=viewer_of(request), meeting=meeting, reason=data["reason"])
        except services.MeetingError as error:
            raise _refused(error) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(request=AgendaInput, responses={201: AgendaItemCreatedSerializer})
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, uuid: str | None = None) -> Response:
        meeting = self.get_object()
        data = _valid(AgendaInput, request)
        try:
            item = services.agenda_item_add(viewer=viewer_of(request), meeting=meeting, **data)
        except services.MeetingError as error:
            raise _refused(error) from error
        return Response({"id": str(item.uuid), "title": item.title}, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MinutesSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def minutes(self, request: Request, uuid: str | None = None) -> Response:
        """Notes and decisions as the caller may see them (the family: once shared)."""
        meeting = self.get_object()
        notes = MinuteNote.objects.filter(meeting=meeting).select_related("agenda_item")
        decisions = Decision.objects.filter(meeting=meeting).select_related(
            "meeting", "responsible_agency", "plan_action"
        )
        return Response(
            {
                "meeting": str(meeting.uuid),
                "shared_at": meeting.minutes_shared_at,
                "notes": [
                    {
                        "id": str(n.uuid),
                        "agenda_item": n.agenda_item.title if n.agenda_item else None,
                        "text": n.text,
                        "created_at": n.created_at,
                    }
                    for n in notes
                ],
                "decisions": DecisionSerializer(decisions, many=True).data,
            }
        )


@extend_schema_view(list=extend_schema(parameters=[MEETING_FILTER]))
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invitations the caller may see; `?meeting=<uuid>` narrows to one meeting.
    POST …/answer/ answers the caller's own invitation."""

    serializer_class = InvitationSerializer
    permission_classes = [IsSignedInViewer]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Invitation._base_manager.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = Invitation.objects.select_related("meeting", "agency", "guardian", "external")
        return _for_meeting(queryset, self.request.query_params.get("meeting"))

    @extend_schema(request=AnswerInput, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, uuid: str | None = None) -> Response:
        invitation = self.get_object()
        data = _valid(AnswerInput, request)
        try:
            invitation = services.invitation_answer(viewer=viewer_of(request), invitation=invitation, **data)
        except services.MeetingError as error:
            raise _refused(error) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)


@extend_schema_view(
    list=extend_schema(parameters=[MEETING_FILTER]),
    create=extend_schema(request=PreparationInput, responses={201: PreparationSerializer}),
)
class PreparationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Preparations: the caller's agency's own (drafts too), others' once submitted and
    under a consent for "preparations". POST saves the caller's agency's preparation."""

    serializer_class = PreparationSerializer
    permission_classes = [IsSignedInViewer]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Preparation._base_manager.none()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsStaffViewer()]
        return super().get_permissions()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        # The sections come through their own scoped manager: each is read under its own
        # category, so one the caller may not read is absent from the answer.
        sections = Prefetch("sections", queryset=PreparationSection.objects.select_related("category"))
        queryset = Preparation.objects.select_related("meeting", "author_agency").prefetch_related(sections)
        return _for_meeting(queryset, self.request.query_params.get("meeting"))

    def create(self, request: Request) -> Response:
        viewer = viewer_of(request)
        data = _valid(PreparationInput, request)
        meeting = policy.get_or_404(Meeting, viewer, uuid=data.pop("meeting"))
        try:
            preparation = services.preparation_save(viewer=viewer, meeting=meeting, **data)
        except services.MeetingError as error:
            raise _refused(error) from error
        preparation = get_object_or_404(self.get_queryset(), pk=preparation.pk)
        return Response(self.get_serializer(preparation).data, status=status.HTTP_201_CREATED)


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Decisions of meetings, with the plan action each became."""

    serializer_class = DecisionSerializer
    permission_classes = [IsSignedInViewer]
    lookup_field = "uuid"
    lookup_value_converter = "uuid"
    queryset = Decision._base_manager.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Decision.objects.select_related("meeting", "responsible_agency", "plan_action")


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the shared /api/v1/ router."""
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("meeting-invitations", InvitationViewSet, basename="meeting-invitation")
    router.register("meeting-preparations", PreparationViewSet, basename="meeting-preparation")
    router.register("meeting-decisions", DecisionViewSet, basename="meeting-decision")
