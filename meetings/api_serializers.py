"""Serializers of the meetings API (`meetings.api`): the shapes it answers with and the
input it validates. Reads and writes happen in the views, through the scoped managers
and `meetings.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from meetings import selectors
from meetings.models import Decision, Invitation, Meeting, Preparation, PreparationSection
from portal import limits
from portal.api_schema import OutputSerializer

# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def invitee(invitation: Invitation) -> dict[str, Any]:
    """Who is invited: a kind and a display name. Never contact details."""
    if invitation.agency is not None:
        return {"kind": "agency", "name": invitation.agency.name, "agency": str(invitation.agency.uuid)}
    if invitation.guardian is not None:
        return {"kind": "guardian", "name": invitation.guardian.full_name}
    if invitation.for_child:
        return {"kind": "child", "name": ""}
    return {"kind": "external", "name": invitation.external.organisation if invitation.external else ""}


class InviteeSerializer(serializers.Serializer):
    """Who is invited: a kind and a display name (`agency`: the agency's id, for an agency)."""

    kind = serializers.ChoiceField(choices=["agency", "guardian", "child", "external"])
    name = serializers.CharField(allow_blank=True)
    agency = serializers.UUIDField(required=False)


class AgendaItemSerializer(OutputSerializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    details = serializers.CharField(allow_blank=True)
    by_family = serializers.BooleanField()


class AgendaItemCreatedSerializer(OutputSerializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class InvitationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    meeting = serializers.UUIDField(source="meeting.uuid", read_only=True)
    invitee = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "meeting",
            "invitee",
            "answer",
            "answer_comment",
            "proposed_time",
            "answered_at",
            "attendance",
            "withdrawn_at",
        ]

    @extend_schema_field(InviteeSerializer)
    def get_invitee(self, obj: Invitation) -> dict[str, Any]:
        return invitee(obj)

    def to_representation(self, instance: Invitation) -> dict[str, Any]:
        data = super().to_representation(instance)
        viewer = self.context["request"]._request.viewer
        if viewer.is_family and not _is_own(viewer, instance):
            # Separated guardians do not read each other's comments.
            data["answer_comment"] = ""
            data["proposed_time"] = None
        return data


def _is_own(viewer: Any, invitation: Invitation) -> bool:
    return selectors.own_invitation(viewer, invitation.meeting, [invitation]) is not None


class MeetingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    organiser = serializers.CharField(source="author_agency.name", read_only=True)
    agenda = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "case",
            "organiser",
            "purpose",
            "starts_at",
            "ends_at",
            "place",
            "video_link",
            "status",
            "sequence",
            "ical_uid",
            "preparation_due_at",
            "started_at",
            "ended_at",
            "minutes_shared_at",
            "agenda",
        ]

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, obj: Meeting) -> list[dict[str, Any]]:
        return _agenda(obj)

    def to_representation(self, instance: Meeting) -> dict[str, Any]:
        """The fields above written out (a page of 50 meetings spent a fifth of its time in
        the generic field walk): the same JSON. `case_uuid` and `organiser` come annotated
        by the views' queryset (`meetings.api.meetings_for_api`)."""
        obj = instance
        when = _when_in(timezone.get_current_timezone())
        case_uuid = getattr(obj, "case_uuid", None) or obj.case.uuid
        organiser = obj.organiser if hasattr(obj, "organiser") else obj.author_agency.name
        return {
            "id": str(obj.uuid),
            "case": str(case_uuid),
            "organiser": organiser,
            "purpose": obj.purpose,
            "starts_at": when(obj.starts_at),
            "ends_at": when(obj.ends_at),
            "place": obj.place,
            "video_link": obj.video_link,
            "status": obj.status,
            "sequence": obj.sequence,
            "ical_uid": obj.ical_uid,
            "preparation_due_at": when(obj.preparation_due_at) if obj.preparation_due_at else None,
            "started_at": when(obj.started_at) if obj.started_at else None,
            "ended_at": when(obj.ended_at) if obj.ended_at else None,
            "minutes_shared_at": when(obj.minutes_shared_at) if obj.minutes_shared_at else None,
            "agenda": _agenda(obj),
        }


_DATETIME = serializers.DateTimeField()  # DRF's own rendering of a date and time (zone, "Z")


def _when_in(zone: Any) -> Any:
    """`_DATETIME.to_representation` with the zone looked up once: the time in `zone` in
    ISO 8601, "+00:00" as "Z" (DRF's rendering of an aware time; others go to DRF)."""

    def when(value: Any) -> Any:
        if not value or value.tzinfo is None:
            return _DATETIME.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


# An agenda item's columns as `meetings.api._WithAgenda` reads them: first what the access
# log notes of a row (`AgendaRead`), then the meeting and what the API shows.
AGENDA_FIELDS = (
    "pk",
    "uuid",
    "case_id",
    "author_agency_id",
    "meeting_id",
    "title",
    "details",
    "written_by_child",
    "written_by_guardian_id",
)


@dataclass(frozen=True, slots=True)
class AgendaRead:
    """An agenda item as the access log notes it (what `policy.note_read` reads of a row)."""

    pk: int
    uuid: Any
    case_id: int
    author_agency_id: int | None


def agenda_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """An agenda item's JSON from its `AGENDA_FIELDS` (as `AgendaItem.written_by_family`)."""
    _pk, uuid, _case, _author, _meeting, title, details, by_child, by_guardian = row
    return {"id": str(uuid), "title": title, "details": details, "by_family": by_child or by_guardian is not None}


def _agenda(meeting: Meeting) -> list[dict[str, Any]]:
    read = getattr(meeting, "agenda_json", None)  # read with the meeting (`meetings.api._WithAgenda`)
    if read is not None:
        return read  # type: ignore[no-any-return]
    return [
        {"id": str(item.uuid), "title": item.title, "details": item.details, "by_family": item.written_by_family}
        for item in meeting.agenda_items.all()
    ]


class PreparationSectionSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        model = PreparationSection
        fields = ["kind", "category", "text"]


class PreparationSerializer(serializers.ModelSerializer):
    """A preparation with the sections the caller may read (each under its own category).
    The flat text fields repeat those sections: empty when a section is not written *or*
    not readable by the caller, so they tell nothing the sections do not."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    meeting = serializers.UUIDField(source="meeting.uuid", read_only=True)
    agency = serializers.CharField(source="author_agency.name", read_only=True)
    sections = PreparationSectionSerializer(many=True, read_only=True)
    what_we_see = serializers.SerializerMethodField()
    what_we_contribute = serializers.SerializerMethodField()
    our_questions = serializers.SerializerMethodField()

    class Meta:
        model = Preparation
        fields = [
            "id",
            "meeting",
            "agency",
            "sections",
            "what_we_see",
            "what_we_contribute",
            "our_questions",
            "updated_at",
            "submitted_at",
        ]

    @staticmethod
    def _text(obj: Preparation, kind: str) -> str:
        return next((s.text for s in obj.sections.all() if s.kind == kind), "")

    def get_what_we_see(self, obj: Preparation) -> str:
        return self._text(obj, PreparationSection.Kind.WHAT_WE_SEE)

    def get_what_we_contribute(self, obj: Preparation) -> str:
        return self._text(obj, PreparationSection.Kind.WHAT_WE_CONTRIBUTE)

    def get_our_questions(self, obj: Preparation) -> str:
        return self._text(obj, PreparationSection.Kind.OUR_QUESTIONS)


class DecisionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    meeting = serializers.UUIDField(source="meeting.uuid", read_only=True)
    responsible_agency = serializers.CharField(source="responsible_agency.name", read_only=True, default="")
    plan_action = serializers.UUIDField(source="plan_action.uuid", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "meeting", "text", "responsible_agency", "responsible_person", "due_date", "plan_action"]


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------


class MeetingTimeInput(serializers.Serializer):
    purpose = serializers.CharField(max_length=limits.TEXT, error_messages=limits.TOO_LONG)
    starts_at = serializers.DateTimeField(validators=[limits.MEETING])
    ends_at = serializers.DateTimeField(validators=[limits.MEETING])
    place = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.NAME,
        error_messages=limits.TOO_LONG,
        help_text="A place, a video link, or both: at least one.",
    )
    video_link = serializers.URLField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        error_messages=limits.TOO_LONG,
        help_text="An https:// link to the video meeting.",
    )
    preparation_due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        validators=[limits.MEETING],
        help_text="Left out or null: 16:00 Europe/Stockholm, two working days (Mon-Fri, not Swedish "
        "public holidays) before the meeting's day; none if that has passed.",
    )

    def validate_video_link(self, value: str) -> str:
        if value and not value.lower().startswith("https://"):
            raise ValidationError(_("Länken måste börja med https://."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("place") or "").strip() and not attrs.get("video_link"):
            raise ValidationError({"place": [_("Fyll i en plats eller en länk till videomötet.")]})
        return attrs


class MeetingCallInput(MeetingTimeInput):
    case = serializers.UUIDField()
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=limits.NAME, error_messages=limits.TOO_LONG),
        required=False,
        default=list,
        max_length=limits.AGENDA_ITEMS,
    )
    agencies = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    invite_child = serializers.BooleanField(required=False, default=False)
    externals = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.LINE, error_messages=limits.TOO_LONG
    )


class AnswerInput(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["yes", "no", "maybe"])
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.SHORT, error_messages=limits.TOO_LONG
    )
    proposed_time = serializers.DateTimeField(
        required=False, allow_null=True, default=None, validators=[limits.MEETING]
    )


class AgendaInput(serializers.Serializer):
    title = serializers.CharField(max_length=limits.NAME, error_messages=limits.TOO_LONG)
    details = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.SHORT, error_messages=limits.TOO_LONG
    )


class PreparationInput(serializers.Serializer):
    meeting = serializers.UUIDField()
    what_we_see = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    what_we_contribute = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    our_questions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT, error_messages=limits.TOO_LONG
    )
    # Information category codes per section; empty or left out: the default for the
    # caller's kind of agency.
    what_we_see_category = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, error_messages=limits.TOO_LONG
    )
    what_we_contribute_category = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, error_messages=limits.TOO_LONG
    )
    our_questions_category = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, error_messages=limits.TOO_LONG
    )
    submit = serializers.BooleanField(required=False, default=False)


class MinuteNoteSerializer(OutputSerializer):
    id = serializers.UUIDField()
    agenda_item = serializers.CharField(allow_null=True, help_text="the agenda item's title")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class MinutesSerializer(OutputSerializer):
    """Notes and decisions of a meeting as the caller may see them."""

    meeting = serializers.UUIDField()
    shared_at = serializers.DateTimeField(allow_null=True)
    notes = MinuteNoteSerializer(many=True)
    decisions = DecisionSerializer(many=True)


MEETING_FILTER = OpenApiParameter("meeting", OpenApiTypes.UUID, description="Only rows of this meeting.")
