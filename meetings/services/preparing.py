"""Before the meeting: each invited agency's preparation, and the child's own words."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from consent.models import CategoryDefault, InformationCategory
from meetings import push
from meetings.models import ChildVoice, Invitation, Meeting, Preparation, PreparationSection
from meetings.recipients import agency_user_ids, coordinator_ids
from meetings.selectors import consented_agency_ids
from meetings.services.base import (
    MeetingError,
    after_commit_push,
    cancel_reminders,
    detail_url,
    fresh_case,
    fresh_meeting,
    reminder_prefix,
    require_open_case,
    require_visible,
)
from portal import audit

LIMIT = 5000


def _agency_invitation(meeting: Meeting, agency_id: int | None) -> Invitation | None:
    with system_scope():
        return Invitation.objects.filter(meeting_id=meeting.pk, agency_id=agency_id, withdrawn_at__isnull=True).first()


def preparation_default_category(agency_id: int | None) -> InformationCategory:
    """The category a section of this agency's preparation gets unless the writer picks
    another: the default for the agency's kind (`consent.CategoryDefault`,
    `agency_kind:<kind>`), else "preparations"."""
    from agencies.models import Agency

    kind = Agency.objects.filter(pk=agency_id or 0).values_list("kind", flat=True).first() or ""
    return CategoryDefault.category_for(CategoryDefault.AGENCY_KIND, kind, fallback=Preparation.CATEGORY_CODE)


def _section_category(code: str, default: InformationCategory) -> InformationCategory:
    if not code:
        return default
    category = InformationCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise MeetingError(_("Välj en av kategorierna i listan."))
    return category


def preparation_save(
    *,
    viewer: Viewer,
    meeting: Meeting,
    what_we_see: str,
    what_we_contribute: str,
    our_questions: str,
    submit: bool = False,
    what_we_see_category: str = "",
    what_we_contribute_category: str = "",
    our_questions_category: str = "",
) -> Preparation:
    """Save (and with `submit`, hand in) the viewer's agency's preparation. Other agencies
    see it only once submitted, and only under a consent for "preparations"; each section
    ("what we see", "what we can contribute", "our questions") additionally only under a
    consent for its own category. `*_category` are category codes; empty means the
    default for the agency's kind. An empty section is not stored (an emptied one is
    removed)."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_visible(viewer, meeting)
    require_open_case(case)
    if not viewer.is_staff:
        raise MeetingError(_("Förberedelser skrivs av de inbjudna verksamheterna."))
    invitation = _agency_invitation(meeting, viewer.agency_id)
    if invitation is None and meeting.author_agency_id != viewer.agency_id:
        raise MeetingError(_("Din verksamhet är inte inbjuden till mötet."))
    if meeting.is_cancelled or meeting.ended_at is not None:
        raise MeetingError(_("Mötet är inte längre planerat."))
    default = preparation_default_category(viewer.agency_id)
    texts: dict[str, tuple[str, str]] = {
        PreparationSection.Kind.WHAT_WE_SEE: (what_we_see, what_we_see_category),
        PreparationSection.Kind.WHAT_WE_CONTRIBUTE: (what_we_contribute, what_we_contribute_category),
        PreparationSection.Kind.OUR_QUESTIONS: (our_questions, our_questions_category),
    }
    sections = {
        kind: ((text or "").strip()[:LIMIT], _section_category(code, default)) for kind, (text, code) in texts.items()
    }
    if submit and not any(text for text, _category in sections.values()):
        raise MeetingError(_("Skriv något i förberedelsen innan du skickar in den."))
    with transaction.atomic(), system_scope():
        preparation = (
            Preparation.objects.select_for_update().filter(meeting=meeting, author_agency_id=viewer.agency_id).first()
        )
        first_submit = submit and (preparation is None or preparation.submitted_at is None)
        now = timezone.now()
        if preparation is None:
            preparation = Preparation(
                meeting=meeting,
                case_id=meeting.case_id,
                author_agency_id=viewer.agency_id,  # type: ignore[misc]
                created_by_id=viewer.user_id,
                updated_at=now,
            )
            preparation.save()
        # `updated_at` moves only when what it says changes (or it is handed in), so a
        # submitted preparation shows "ändrad" only after a real edit.
        if _save_sections(viewer, preparation, sections, at=now) or first_submit:
            preparation.updated_at = now
        if first_submit:
            preparation.submitted_at = now
        preparation.save(update_fields=["updated_at", "submitted_at"])
        action = "preparation.submitted" if first_submit else "preparation.saved"
        audit.record(
            viewer=viewer,
            action=action,
            obj=preparation,
            case_id=case.pk,
            data={
                "meeting": str(meeting.uuid),
                "submitted": preparation.submitted_at is not None,
                "sections": {str(kind): category.code for kind, (text, category) in sections.items() if text},
            },
        )
        if first_submit:
            _notify_submitted(meeting, viewer.agency_id)  # type: ignore[arg-type]
            if invitation is not None:
                cancel_reminders(reminder_prefix(meeting, invitation, "prep"))
        if preparation.submitted_at is not None:
            after_commit_push(meeting.pk, push.MEETING)
    return preparation


def _save_sections(
    viewer: Viewer,
    preparation: Preparation,
    sections: dict[str, tuple[str, InformationCategory]],
    *,
    at: datetime,
) -> bool:
    """Write the preparation's sections: one row per non-empty kind, emptied ones removed.
    True when any text or category changed."""
    existing = {s.kind: s for s in PreparationSection.objects.filter(preparation=preparation)}
    positions = {kind: n for n, kind in enumerate(PreparationSection.Kind.values)}
    changed = False
    for kind, (text, category) in sections.items():
        row = existing.get(kind)
        if not text:
            if row is not None:
                row.delete()
                changed = True
            continue
        if row is None:
            row = PreparationSection(
                preparation=preparation,
                case_id=preparation.case_id,
                author_agency_id=preparation.author_agency_id,
                created_by_id=viewer.user_id,
                kind=kind,
                position=positions[kind],
            )
        elif row.text == text and row.category_id == category.pk:
            continue
        row.text, row.category, row.updated_at = text, category, at
        row.save()
        changed = True
    return changed


def _notify_submitted(meeting: Meeting, author_agency_id: int) -> None:
    """Tell the organiser, and the other invited agencies that may read preparations."""
    from notifications.services import notify

    url = detail_url(meeting)
    if meeting.author_agency_id != author_agency_id:
        notify(
            recipients=coordinator_ids(meeting),
            kind="preparation.submitted",
            case=meeting.case,
            agency_id=meeting.author_agency_id,
            target_url=url,
        )
    readers = consented_agency_ids(meeting.case_id, category=Preparation.CATEGORY_CODE)
    with system_scope():
        invited = set(
            Invitation.objects.filter(meeting_id=meeting.pk, withdrawn_at__isnull=True, agency__isnull=False)
            .exclude(agency_id=author_agency_id)
            .values_list("agency_id", flat=True)
        )
    for agency_id in sorted(invited & readers):
        notify(
            recipients=agency_user_ids(meeting.case_id, agency_id),
            kind="preparation.submitted",
            case=meeting.case,
            agency_id=agency_id,
            target_url=url,
        )


def child_voice_save(
    *,
    viewer: Viewer,
    meeting: Meeting,
    feeling: str,
    good_things: str,
    hard_things: str,
    wishes: str,
    share_with: str = ChildVoice.ShareWith.COORDINATOR,
) -> ChildVoice:
    """The child writes what they want to say at the meeting, and chooses who may read it.
    Kept with the coordinator's agency, marked as written by the child. Unless the child
    chooses everyone at the meeting, only the case's coordinator reads it (DESIGN rule 19)."""
    meeting = fresh_meeting(meeting)
    case = fresh_case(meeting.case_id)
    require_visible(viewer, meeting)
    require_open_case(case)
    if not (viewer.is_family and viewer.role == "child" and case.child.user_id == viewer.user_id):
        raise MeetingError(_("Det här är barnets egen sida."))
    if meeting.is_cancelled or meeting.ended_at is not None:
        raise MeetingError(_("Mötet är inte längre planerat."))
    if feeling not in ChildVoice.Feeling.values:
        raise MeetingError(_("Välj hur det känns."))
    if share_with not in ChildVoice.ShareWith.values:
        raise MeetingError(_("Välj vem som får läsa."))
    texts = {
        "good_things": (good_things or "").strip()[:LIMIT],
        "hard_things": (hard_things or "").strip()[:LIMIT],
        "wishes": (wishes or "").strip()[:LIMIT],
    }
    if not any(texts.values()) and not feeling:
        raise MeetingError(_("Skriv något, eller välj hur det känns."))
    with transaction.atomic(), system_scope():
        voice = ChildVoice.objects.select_for_update().filter(meeting=meeting).first()
        if voice is None:
            voice = ChildVoice(
                meeting=meeting,
                case_id=meeting.case_id,
                author_agency_id=meeting.author_agency_id,
                created_by_id=viewer.user_id,
                written_by_child=True,
            )
        for name, value in texts.items():
            setattr(voice, name, value)
        voice.feeling = feeling
        voice.share_with = share_with
        voice.updated_at = timezone.now()
        voice.save()
        audit.record(
            viewer=viewer,
            action="meeting.child_voice_saved",
            obj=voice,
            case_id=case.pk,
            data={"meeting": str(meeting.uuid), "share_with": share_with},
        )
        from notifications.services import notify

        # Tell only people who can read it: for the coordinator only, that is the
        # coordinator, not whoever else called the meeting.
        readers = coordinator_ids(meeting)
        if voice.for_coordinator_only and case.coordinator_id:
            readers = [case.coordinator_id]
        notify(
            recipients=readers,
            kind="preparation.submitted",
            case=meeting.case,
            agency_id=meeting.author_agency_id,
            target_url=detail_url(meeting),
        )
    return voice
