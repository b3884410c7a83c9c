"""meetings/: the meeting pages, the live room, the minutes and the API.

The matrix world gets two meetings on the case, called by the coordinating agency: a
planned one and a held one with shared minutes. Both invite the school (author_staff),
healthcare (consent_staff, agency_admin) and social services (no_consent_staff), each
guardian and the child. An invited agency sees a meeting only with a basic-category
grant (the school has none in any state; healthcare in granted / other_category /
narrowed; social services in every state but none); the coordinating agency always
(it wrote it); the child's family always. Preparations need a "preparations" grant and
minutes a "minutes" grant, which no state gives: there the author and the family see
them, nobody else. Only the coordinator changes a meeting or runs its room.
Signed-out visitors are sent to sign in (302); the API answers them 401.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.security.matrix import AGENCY, OWN_FAMILY, STAFF_ROLES, by_kind, by_role, entry, grants, when

INVITED = {"school", "health", "social"}


def sees_meeting(role: str, state: str) -> bool:
    if role == "coordinator":
        return True
    if role in STAFF_ROLES:
        return AGENCY[role] in INVITED and "basic" in grants(role, state)
    return role in OWN_FAMILY


def coordinator(role: str, state: str) -> bool:
    return role == "coordinator"


def writes_preparation(role: str, state: str) -> bool:
    """Staff of an invited agency that sees the meeting, and the organiser."""
    return role in STAFF_ROLES and sees_meeting(role, state)


def child(role: str, state: str) -> bool:
    return role == "child"


# --- objects (created once per world; the foreign ones on the other family's case)


def _meetings(mw: Any, foreign: bool) -> dict[str, Any]:
    key = "meetings:foreign" if foreign else "meetings"
    if key not in mw.objects:
        from django.utils import timezone

        from access.scoping import system_scope
        from consent.models import InformationCategory
        from meetings.models import (
            AgendaItem,
            Decision,
            Invitation,
            Meeting,
            MinuteNote,
            Preparation,
            PreparationSection,
        )

        case = mw.other_case if foreign else mw.case
        author = mw.unrelated if foreign else mw.coordination
        agencies = [mw.unrelated] if foreign else [mw.school, mw.health, mw.social]
        guardians = [mw.other_guardian] if foreign else [mw.guardian1, mw.guardian2]
        now = timezone.now()
        made: dict[str, Any] = {}
        with system_scope():
            for name, starts in (("planned", now + timedelta(days=7)), ("held", now - timedelta(days=7))):
                meeting = Meeting.objects.create(
                    case=case,
                    author_agency=author,
                    purpose="Möte i matrisen",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    place="Rum 1",
                )
                invitations = [Invitation(agency=a) for a in agencies] + [Invitation(guardian=g) for g in guardians]
                invitations.append(Invitation(for_child=True))
                for invitation in invitations:
                    invitation.meeting, invitation.case, invitation.author_agency = meeting, case, author
                    invitation.save()
                made[name] = meeting
                made[f"{name}:guardian_invitation"] = next(i for i in invitations if i.guardian_id)
                made[f"{name}:agency_invitation"] = invitations[0]
            planned, held = made["planned"], made["held"]
            made["agenda_item"] = AgendaItem.objects.create(
                meeting=planned, case=case, author_agency=author, title="Punkt", position=1
            )
            made["preparation"] = Preparation.objects.create(
                meeting=planned,
                case=case,
                author_agency=agencies[0],
                submitted_at=now,
            )
            PreparationSection.objects.create(
                preparation=made["preparation"],
                case=case,
                author_agency=agencies[0],
                kind=PreparationSection.Kind.WHAT_WE_SEE,
                category=InformationCategory.objects.get(code="preparations"),
                text="Förberedelse",
            )
            Meeting.objects.filter(pk=held.pk).update(
                status=Meeting.Status.HELD, started_at=held.starts_at, ended_at=held.ends_at, minutes_shared_at=now
            )
            MinuteNote.objects.create(meeting=held, case=case, author_agency=author, text="Anteckning")
            made["decision"] = Decision.objects.create(
                meeting=held,
                case=case,
                author_agency=author,
                text="Beslut",
                responsible_person="Gun",
                due_date=timezone.localdate() + timedelta(days=7),
            )
        mw.objects[key] = made
    return mw.objects[key]


def _uuid_of(name: str) -> Any:
    return lambda mw, foreign: _meetings(mw, foreign)[name].uuid


PLANNED = {"meeting_uuid": _uuid_of("planned")}
HELD = {"meeting_uuid": _uuid_of("held")}
GUARDIAN_INVITATION = {"invitation_uuid": _uuid_of("planned:guardian_invitation")}
AGENCY_INVITATION = {"invitation_uuid": _uuid_of("planned:agency_invitation")}
AGENDA_ITEM = {"item_uuid": _uuid_of("agenda_item")}
ROOM_PART = {**PLANNED, "part": lambda mw, foreign: "agenda"}


def _attendance(mw: Any) -> dict[str, str]:
    return {"invitation": str(_meetings(mw, False)["planned:guardian_invitation"].uuid), "attendance": "present"}


page = when(sees_meeting)
coordinator_page = when(coordinator)
post_only = by_kind(staff=405, family=405, anonymous=302)
api_signed_in = by_kind(staff=200, family=200, anonymous=401)
api_post_only = by_kind(staff=405, family=405, anonymous=401)

TABLE = {
    "meetings:list": entry(by_kind(staff=200, family=200, anonymous=302)),
    "meetings:call": entry(coordinator_page, post=when(coordinator, 400)),
    "meetings:detail": entry(page, kwargs=PLANNED),
    "meetings:edit": entry(coordinator_page, post=when(coordinator, 400), kwargs=PLANNED),
    "meetings:cancel": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:invite_more": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:agenda_add": entry(post_only, post=when(sees_meeting, 303), data={"title": "Punkt"}, kwargs=PLANNED),
    "meetings:agenda_remove": entry(post_only, post=when(sees_meeting, 303), kwargs=AGENDA_ITEM),
    "meetings:answer": entry(
        post_only, post=when(sees_meeting, 303), data={"answer": "yes"}, kwargs=GUARDIAN_INVITATION
    ),
    "meetings:withdraw": entry(post_only, post=when(coordinator, 303), kwargs=AGENCY_INVITATION),
    # Each invitation's calendar file: its invitee (here the guardian) and the coordinator.
    "meetings:ics": entry(by_role(404, coordinator=200, guardian=200, anonymous=302), kwargs=GUARDIAN_INVITATION),
    "meetings:preparation": entry(when(writes_preparation), post=when(writes_preparation, 303), kwargs=PLANNED),
    "meetings:child_voice": entry(when(child), post=when(child, 400), kwargs=PLANNED),
    "meetings:room": entry(page, kwargs=PLANNED),
    "meetings:room_part": entry(page, kwargs=ROOM_PART),
    "meetings:room_start": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:room_goto": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:room_attendance": entry(post_only, post=when(coordinator, 303), data=_attendance, kwargs=PLANNED),
    "meetings:room_note": entry(post_only, post=when(coordinator, 303), data={"note-text": "x"}, kwargs=PLANNED),
    "meetings:room_decision": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:room_end": entry(post_only, post=when(coordinator, 303), kwargs=PLANNED),
    "meetings:minutes": entry(page, kwargs=HELD),
    "meetings:minutes_share": entry(post_only, post=when(coordinator, 303), kwargs=HELD),
    "meetings:minutes_reply": entry(post_only, post=when(sees_meeting, 303), data={"approved": "on"}, kwargs=HELD),
    "meetings:minutes_print": entry(page, kwargs=HELD),
    "meetings:minutes_pdf": entry(page, kwargs=HELD),
    # The API.
    "meeting-list": entry(api_signed_in, post=by_kind(staff=400, family=400, anonymous=401), api=True),
    "meeting-detail": entry(when(sees_meeting, anonymous=401), kwargs={"uuid": _uuid_of("planned")}, api=True),
    "meeting-minutes": entry(when(sees_meeting, anonymous=401), kwargs={"uuid": _uuid_of("held")}, api=True),
    "meeting-reschedule": entry(
        api_post_only, post=when(sees_meeting, 400, anonymous=401), kwargs={"uuid": _uuid_of("planned")}, api=True
    ),
    "meeting-cancel": entry(
        api_post_only,
        # Seen but not the coordinator's: 403 (a refusal for who the caller is).
        post=lambda r, s: 200 if r == "coordinator" else when(sees_meeting, 403, anonymous=401)(r, s),
        kwargs={"uuid": _uuid_of("planned")},
        api=True,
    ),
    "meeting-agenda": entry(
        api_post_only, post=when(sees_meeting, 400, anonymous=401), kwargs={"uuid": _uuid_of("planned")}, api=True
    ),
    "meeting-invitation-list": entry(api_signed_in, api=True),
    "meeting-invitation-detail": entry(
        when(sees_meeting, anonymous=401), kwargs={"uuid": _uuid_of("planned:guardian_invitation")}, api=True
    ),
    "meeting-invitation-answer": entry(
        api_post_only,
        post=when(sees_meeting, 400, anonymous=401),
        kwargs={"uuid": _uuid_of("planned:guardian_invitation")},
        api=True,
    ),
    "meeting-preparation-list": entry(api_signed_in, post=by_kind(staff=400, family=403, anonymous=401), api=True),
    # The school's submitted preparation: its own agency and the family; no state grants
    # "preparations" to anyone else.
    "meeting-preparation-detail": entry(
        by_role(404, author_staff=200, guardian=200, other_guardian=200, child=200, anonymous=401),
        kwargs={"uuid": _uuid_of("preparation")},
        api=True,
    ),
    # A decision in the shared minutes: the coordinating agency and the family.
    "meeting-decision-list": entry(api_signed_in, api=True),
    "meeting-decision-detail": entry(
        by_role(404, coordinator=200, guardian=200, other_guardian=200, child=200, anonymous=401),
        kwargs={"uuid": _uuid_of("decision")},
        api=True,
    ),
}
