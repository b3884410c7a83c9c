"""County-scale meetings for `manage.py seed_scale` (see benchdata/seed.py).

Per collaboration: one or two meetings held (minutes, decisions, preparations, the
family's answers to the minutes), and for most open ones a meeting coming up with
invitations in every state, an agenda, preparations (drafts and submitted) and the
child's own words. Invitations follow the rules the services enforce: each custodial
guardian separately, agencies only under an effective consent (those that lost it by a
revocation keep a withdrawn invitation), the child from 12 when they have an account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from benchdata.bulk import insert
from benchdata.county import CaseFacts, County
from consent.models import CategoryDefault, InformationCategory
from meetings.models import (
    AgendaItem,
    ChildVoice,
    Decision,
    Invitation,
    Meeting,
    MinuteNote,
    MinutesReply,
    Preparation,
    PreparationSection,
)

AGENDA = ["Hur har det gått sedan sist?", "Skolan", "Hälsa och mående", "Fritiden", "Vad gör vi nu?"]
ANSWERS = (
    [Invitation.Answer.YES] * 5 + [Invitation.Answer.PENDING] * 3 + [Invitation.Answer.NO, Invitation.Answer.MAYBE]
)


def seed(county: County) -> dict[str, int]:
    rng, now = county.rng, county.now
    meetings: list[Meeting] = []
    for case in county.cases:
        age_days = (now - case.opened_at).days
        held = 0 if age_days < 20 else (1 if age_days < 120 else 2)
        for k in range(held):
            starts = case.opened_at + timedelta(days=14 + k * max(age_days // 3, 10), hours=rng.randint(8, 14))
            starts = min(starts, now - timedelta(days=2 + k))
            meetings.append(_meeting(county, case, starts, Meeting.Status.HELD))
        if case.is_open and case.id % 20 < 13:
            starts = (now + timedelta(days=rng.randint(1, 40))).replace(hour=rng.randint(7, 13), minute=0, second=0)
            meetings.append(_meeting(county, case, starts, Meeting.Status.PLANNED))
        if case.is_open and case.id % 20 == 13:
            starts = now + timedelta(days=rng.randint(2, 20))
            meetings.append(_meeting(county, case, starts, Meeting.Status.CANCELLED))
    insert(Meeting, meetings)

    by_case = {case.id: case for case in county.cases}
    invitations: list[Invitation] = []
    invited: dict[int, list[Invitation]] = {}
    for meeting in meetings:
        rows = _invitations(county, by_case[meeting.case_id], meeting)
        invited[meeting.pk] = rows
        invitations.extend(rows)
    insert(Invitation, invitations)

    notes: list[MinuteNote]
    agenda, preparations, voices, notes, decisions, replies = [], [], [], [], [], []
    for meeting in meetings:
        case = by_case[meeting.case_id]
        rows = invited[meeting.pk]
        items = [
            AgendaItem(**_item(case, meeting.created_at), meeting_id=meeting.pk, title=title, position=p)
            for p, title in enumerate(rng.sample(AGENDA, 3), start=1)
        ]
        guardian_rows = [i for i in rows if i.guardian_id]
        if guardian_rows and meeting.pk % 3 == 0:
            items.append(
                AgendaItem(
                    **_item(case, meeting.created_at + timedelta(days=1)),
                    meeting_id=meeting.pk,
                    title="Läxorna hemma",
                    position=4,
                    written_by_guardian_id=guardian_rows[0].guardian_id,
                )
            )
        agenda.extend(items)
        held = meeting.status == Meeting.Status.HELD
        for k, invitation in enumerate(i for i in rows if i.agency_id and not i.withdrawn_at):
            if not held and (meeting.pk + k) % 2:
                continue
            agency_id: int = invitation.agency_id  # type: ignore[assignment]  # agency rows only
            contact = county.contact.get((case.id, agency_id))
            submitted = held or (meeting.pk + k) % 4 == 0
            preparations.append(
                Preparation(
                    case_id=case.id,
                    author_agency_id=agency_id,
                    created_by_id=contact.user_id if contact else None,
                    created_at=meeting.created_at + timedelta(days=2),
                    meeting_id=meeting.pk,
                    updated_at=meeting.created_at + timedelta(days=2),
                    submitted_at=meeting.created_at + timedelta(days=3) if submitted else None,
                )
            )
        if any(i.for_child for i in rows) and meeting.pk % 2 == 0:
            voices.append(
                ChildVoice(
                    **_item(case, meeting.created_at + timedelta(days=1)),
                    meeting_id=meeting.pk,
                    written_by_child=True,
                    feeling=ChildVoice.Feeling.OK,
                    good_things="Rasterna.",
                    hard_things="Matten.",
                    wishes="Att få sitta längst fram.",
                    share_with=ChildVoice.ShareWith.EVERYONE
                    if meeting.pk % 4 == 0
                    else ChildVoice.ShareWith.COORDINATOR,
                )
            )
        if held:
            at = meeting.starts_at + timedelta(minutes=20)
            notes.extend(
                MinuteNote(**_item(case, at), meeting_id=meeting.pk, text=text)
                for text in ("Familjen berättade om morgnarna.", "Skolan provar kortare dagar.")
            )
            decisions.append(
                Decision(
                    **_item(case, at),
                    meeting_id=meeting.pk,
                    text="Skolan och BUP träffas inför nästa termin.",
                    responsible_agency_id=case.owner_agency_id,
                    due_date=(meeting.starts_at + timedelta(days=30)).date(),
                )
            )
            if guardian_rows and meeting.pk % 2 == 0:
                replies.append(
                    MinutesReply(
                        case_id=case.id,
                        author_agency_id=case.coordinator_agency_id,
                        created_at=meeting.ends_at + timedelta(days=2),
                        meeting_id=meeting.pk,
                        approved=True,
                        written_by_guardian_id=guardian_rows[0].guardian_id,
                    )
                )
    insert(AgendaItem, agenda)
    insert(Preparation, preparations)
    sections = _sections(preparations)
    insert(PreparationSection, sections)
    insert(ChildVoice, voices)
    insert(MinuteNote, notes)
    insert(Decision, decisions)
    insert(MinutesReply, replies)
    for meeting in meetings:
        county.meetings.append((meeting, invited[meeting.pk]))
    return {
        "meetings": len(meetings),
        "invitations": len(invitations),
        "agenda_items": len(agenda),
        "preparations": len(preparations),
        "preparation_sections": len(sections),
        "minute_notes": len(notes),
        "meeting_decisions": len(decisions),
    }


SECTIONS = [
    (PreparationSection.Kind.WHAT_WE_SEE, "Eleven har hög frånvaro men trivs med sin mentor."),
    (PreparationSection.Kind.WHAT_WE_CONTRIBUTE, "Anpassningar i klassrummet och samtal varje vecka."),
    (PreparationSection.Kind.OUR_QUESTIONS, "Hur ser det ut hemma på morgnarna?"),
]


def _sections(preparations: list[Preparation]) -> list[PreparationSection]:
    """Each preparation's three sections, in the default category of its agency's kind."""
    from agencies.models import Agency

    kinds = dict(
        Agency._base_manager.filter(pk__in={p.author_agency_id for p in preparations}).values_list("pk", "kind")
    )
    defaults = CategoryDefault.table(CategoryDefault.AGENCY_KIND)
    fallback = InformationCategory.objects.get(code=Preparation.CATEGORY_CODE)
    return [
        PreparationSection(
            case_id=prep.case_id,
            author_agency_id=prep.author_agency_id,
            created_by_id=prep.created_by_id,
            created_at=prep.created_at,
            updated_at=prep.updated_at,
            preparation_id=prep.pk,
            kind=kind,
            position=position,
            category_id=defaults.get(kinds.get(prep.author_agency_id, ""), fallback).pk,
            text=text,
        )
        for prep in preparations
        for position, (kind, text) in enumerate(SECTIONS)
    ]


def _item(case: CaseFacts, at: Any) -> dict[str, Any]:
    """Fields every meeting item shares: written by the coordinator for the meeting's case."""
    return {
        "case_id": case.id,
        "author_agency_id": case.coordinator_agency_id,
        "created_by_id": case.coordinator_id,
        "created_at": at,
    }


def _meeting(county: County, case: CaseFacts, starts: Any, status: str) -> Meeting:
    rng = county.rng
    called = min(starts - timedelta(days=rng.randint(10, 25)), county.now - timedelta(hours=1))
    held = status == Meeting.Status.HELD
    meeting = Meeting(
        **_item(case, called),
        purpose="Gemensam planering kring stödet i skolan och hemma.",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
        place="Samordningsenheten, rum 2" if case.id % 3 else "",
        video_link="" if case.id % 3 else "https://video.example/mote",
        status=status,
        sequence=1 if case.id % 5 == 0 else 0,
        preparation_due_at=starts - timedelta(days=2),
        started_at=starts if held else None,
        ended_at=starts + timedelta(hours=1, minutes=25) if held else None,
        minutes_shared_at=starts + timedelta(days=1) if held and case.id % 4 else None,
        cancelled_at=called + timedelta(days=3) if status == Meeting.Status.CANCELLED else None,
        cancel_reason="Familjen är sjuk." if status == Meeting.Status.CANCELLED else "",
    )
    meeting.ical_uid = f"{meeting.uuid}@samverkansportalen"
    return meeting


def _invitations(county: County, case: CaseFacts, meeting: Meeting) -> list[Invitation]:
    rng = county.rng
    held = meeting.status == Meeting.Status.HELD
    access = county.access.get(case.id, {})
    lost = county.lost.get(case.id, set())
    rows: list[Invitation] = []

    def add(**invitee: Any) -> Invitation:
        answer = Invitation.Answer.YES if held else rng.choice(ANSWERS)
        invitation = Invitation(
            case_id=case.id,
            author_agency_id=case.coordinator_agency_id,
            created_by_id=case.coordinator_id,
            created_at=meeting.created_at,
            meeting_id=meeting.pk,
            answer=answer,
            answered_at=None if answer == Invitation.Answer.PENDING else meeting.created_at + timedelta(days=1),
            attendance=Invitation.Attendance.PRESENT if held else Invitation.Attendance.UNKNOWN,
            **invitee,
        )
        rows.append(invitation)
        return invitation

    for agency_id in case.team:
        if agency_id == case.coordinator_agency_id:
            continue
        consented = "basic" in access.get(agency_id, set())
        if consented or (held and agency_id in lost) or (not case.is_open and held):
            add(agency_id=agency_id)
        elif agency_id in lost and meeting.status == Meeting.Status.PLANNED:
            invitation = add(agency_id=agency_id)
            invitation.withdrawn_at = county.now - timedelta(days=rng.randint(1, 5))
            invitation.withdrawn_reason = "consent"
    for guardian_id in county.custodians.get(case.child_id, []):
        add(guardian_id=guardian_id)
    if county.child_user.get(case.child_id) and case.id % 3:
        add(for_child=True)
    return rows
