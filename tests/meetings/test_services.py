"""Meeting services: calling, changing, cancelling, answers, preparations, the family's
input, the live room, minutes into the plan, and consent lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.scoping import scope, system_scope
from cases.models import ExternalContact, PlanAction
from meetings import services
from meetings.models import (
    AgendaItem,
    ChildVoice,
    Decision,
    Invitation,
    Meeting,
    MinuteNote,
    Preparation,
)
from notifications.models import Notification, Reminder
from portal.models import AuditEvent
from tests.meetings.conftest import act, at, call_meeting

pytestmark = pytest.mark.django_db


def invitations(meeting):
    with system_scope():
        return list(Invitation.objects.filter(meeting=meeting).order_by("id"))


def test_call_invites_agencies_each_guardian_and_the_child(consented, meeting):
    rows = invitations(meeting)
    assert {i.agency_id for i in rows if i.agency_id} == {consented.school.pk, consented.health.pk}
    assert {i.guardian_id for i in rows if i.guardian_id} == {consented.guardian1.pk, consented.guardian2.pk}
    assert sum(i.for_child for i in rows) == 1
    assert meeting.sequence == 0
    assert meeting.ical_uid == f"{meeting.uuid}@samverkansportalen"
    with system_scope():
        assert [a.title for a in AgendaItem.objects.filter(meeting=meeting)] == ["Hur går det?", "Nästa steg"]
        event = AuditEvent.objects.get(action="meeting.called")
        assert event.object_id == str(meeting.uuid)
        assert set(event.data["agencies"]) == {consented.school.pk, consented.health.pk}
        recipients = set(Notification.objects.filter(kind="meeting.called").values_list("recipient_id", "agency_id"))
        assert (consented.school_staff.user_id, consented.school.pk) in recipients
        assert (consented.guardian1.user_id, None) in recipients
        assert (consented.child.user_id, None) in recipients
        assert not any(user == consented.social_staff.user_id for user, _agency in recipients)
        assert Reminder.objects.filter(key__startswith=f"meeting:{meeting.uuid}:", kind="meeting.tomorrow").exists()
        assert Reminder.objects.filter(kind="preparation.due", agency=consented.school).exists()
        assert Reminder.objects.filter(kind="invitation.unanswered").count() == len(rows)


def test_agency_without_consent_cannot_be_invited_and_nothing_changes(consented):
    with pytest.raises(services.MeetingError, match="Socialtjänsten Test kan inte bjudas in"):
        call_meeting(consented, agency_ids=[consented.school.pk, consented.social.pk])
    with system_scope():
        assert Meeting.objects.count() == 0
        assert Invitation.objects.count() == 0
        assert not Notification.objects.filter(kind__startswith="meeting.").exists()


def test_agency_outside_the_team_cannot_be_invited(consented):
    with pytest.raises(services.MeetingError, match="teamet"):
        call_meeting(consented, agency_ids=[consented.unrelated.pk])
    with system_scope():
        assert Meeting.objects.count() == 0


def test_only_the_coordinator_calls_a_meeting(consented):
    with pytest.raises(services.MeetingError):
        call_meeting(consented, viewer=consented.viewer(consented.school_staff))
    with pytest.raises(services.MeetingError):
        call_meeting(consented, viewer=consented.guardian1_viewer)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"purpose": "  "}, "syftet"),
        ({"starts_at": at(-1), "ends_at": at(-1, 14)}, "framtiden"),
        ({"ends_at": at(7, 12)}, "sluta efter"),
        ({"place": "", "video_link": ""}, "plats"),
        ({"place": "Hemma hos Alva"}, "barnets namn"),
        ({"agency_ids": []}, "minst en"),
        ({"preparation_due_at": at(8)}, "före mötet"),
    ],
)
def test_bad_input_changes_nothing(consented, overrides, message):
    with pytest.raises(services.MeetingError, match=message):
        call_meeting(consented, **overrides)
    with system_scope():
        assert Meeting.objects.count() == 0


def test_reschedule_raises_sequence_and_resets_answers(consented, meeting, django_capture_on_commit_callbacks):
    school_invitation = next(i for i in invitations(meeting) if i.agency_id == consented.school.pk)
    act(
        services.invitation_answer,
        viewer=consented.viewer(consented.school_staff),
        invitation=school_invitation,
        answer="yes",
        comment="Vi kommer",
    )
    with django_capture_on_commit_callbacks(execute=True):
        changed = act(
            services.meeting_update,
            viewer=consented.coordinator_viewer,
            meeting=meeting,
            purpose=meeting.purpose,
            starts_at=at(8),
            ends_at=at(8, 14),
            place=meeting.place,
        )
    assert changed.sequence == 1
    assert changed.ical_uid == meeting.ical_uid
    school_invitation.refresh_from_db()
    assert school_invitation.answer == "pending"
    assert school_invitation.answer_comment == ""
    event = AuditEvent.objects.get(action="meeting.changed")
    assert event.data["answers_reset"] is True
    # Old reminders cancelled, new ones at the new sequence.
    assert Reminder.objects.filter(key__endswith=":s0", cancelled_at__isnull=True).count() == 0
    assert Reminder.objects.filter(key__endswith=":s1", cancelled_at__isnull=True).exists()


def test_a_change_of_place_keeps_the_answers_but_raises_sequence(consented, meeting):
    guardian_invitation = next(i for i in invitations(meeting) if i.guardian_id == consented.guardian1.pk)
    act(services.invitation_answer, viewer=consented.guardian1_viewer, invitation=guardian_invitation, answer="maybe")
    changed = act(
        services.meeting_update,
        viewer=consented.coordinator_viewer,
        meeting=meeting,
        purpose=meeting.purpose,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place="Testskolan, biblioteket",
        preparation_due_at=meeting.preparation_due_at,
    )
    assert changed.sequence == 1
    guardian_invitation.refresh_from_db()
    assert guardian_invitation.answer == "maybe"


def test_an_unchanged_update_sends_nothing(consented, meeting):
    same = act(
        services.meeting_update,
        viewer=consented.coordinator_viewer,
        meeting=meeting,
        purpose=meeting.purpose,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        preparation_due_at=meeting.preparation_due_at,
    )
    assert same.sequence == 0
    assert not AuditEvent.objects.filter(action="meeting.changed").exists()


def test_cancel_cancels_reminders_and_notifies(consented, meeting):
    cancelled = act(services.meeting_cancel, viewer=consented.coordinator_viewer, meeting=meeting, reason="Sjukdom")
    assert cancelled.status == Meeting.Status.CANCELLED
    assert cancelled.sequence == 1
    with system_scope():
        assert not Reminder.objects.filter(
            key__startswith=f"meeting:{meeting.uuid}:", cancelled_at__isnull=True
        ).exists()
        assert Notification.objects.filter(kind="meeting.cancelled", recipient=consented.guardian2.user).exists()
    with pytest.raises(services.MeetingError):
        act(services.meeting_cancel, viewer=consented.coordinator_viewer, meeting=meeting)


def test_answers_only_for_own_invitation(consented, meeting):
    rows = invitations(meeting)
    guardian1 = next(i for i in rows if i.guardian_id == consented.guardian1.pk)
    health = next(i for i in rows if i.agency_id == consented.health.pk)
    with pytest.raises(services.MeetingError):
        act(services.invitation_answer, viewer=consented.guardian2_viewer, invitation=guardian1, answer="no")
    with pytest.raises(services.MeetingError):
        act(services.invitation_answer, viewer=consented.viewer(consented.school_staff), invitation=health, answer="no")
    with pytest.raises(services.MeetingError, match="ja, nej"):
        act(services.invitation_answer, viewer=consented.guardian1_viewer, invitation=guardian1, answer="pending")
    answered = act(
        services.invitation_answer,
        viewer=consented.guardian1_viewer,
        invitation=guardian1,
        answer="no",
        proposed_time=at(9),
    )
    assert answered.answer == "no"
    assert answered.proposed_time == at(9)
    with system_scope():
        assert Notification.objects.filter(kind="invitation.answered", recipient=consented.coordinator.user).exists()
        key = f"meeting:{meeting.uuid}:inv:{guardian1.uuid}:unanswered:"
        assert Reminder.objects.get(key__startswith=key).cancelled_at is not None


def test_preparation_draft_is_own_and_submitted_is_shared_per_consent(consented, meeting):
    school = consented.viewer(consented.school_staff)
    health = consented.viewer(consented.health_staff)
    draft = act(
        services.preparation_save,
        viewer=school,
        meeting=meeting,
        what_we_see="Frånvaro",
        what_we_contribute="",
        our_questions="",
    )
    assert draft.submitted_at is None
    with scope(health):
        assert not Preparation.objects.filter(pk=draft.pk).exists()
    with scope(consented.coordinator_viewer):
        assert not Preparation.objects.filter(pk=draft.pk).exists()
    submitted = act(
        services.preparation_save,
        viewer=school,
        meeting=meeting,
        what_we_see="Frånvaro",
        what_we_contribute="Mentor",
        our_questions="",
        submit=True,
    )
    assert submitted.pk == draft.pk and submitted.submitted_at is not None
    with scope(health):
        assert Preparation.objects.filter(pk=draft.pk).exists()
    with scope(consented.coordinator_viewer):
        assert Preparation.objects.filter(pk=draft.pk).exists()
    with scope(consented.guardian1_viewer):
        assert Preparation.objects.filter(pk=draft.pk).exists()
    with scope(consented.viewer(consented.social_staff)):
        assert not Preparation.objects.filter(pk=draft.pk).exists()
    with system_scope():
        assert Notification.objects.filter(kind="preparation.submitted", recipient=consented.health_staff.user).exists()
        assert Reminder.objects.get(kind="preparation.due", agency=consented.school).cancelled_at is not None


def test_preparation_needs_a_preparations_consent_to_be_read(consented, django_capture_on_commit_callbacks):
    # A second consent version without "preparations" for healthcare.
    from consent import services as consent_services
    from consent.models import ConsentScope, InformationCategory

    consent = consented.extras["consent"]
    with system_scope():
        prep = InformationCategory.objects.get(code="preparations")
    with django_capture_on_commit_callbacks(execute=True):
        act(
            consent_services.consent_narrow,
            viewer=consented.coordinator_viewer,
            consent=consent,
            remove=[(consented.health.pk, prep.pk)],
        )
    with system_scope():
        assert not ConsentScope.objects.filter(agency=consented.health, category=prep, consent__version=2).exists()
    meeting = call_meeting(consented)
    preparation = act(
        services.preparation_save,
        viewer=consented.viewer(consented.school_staff),
        meeting=meeting,
        what_we_see="x",
        what_we_contribute="",
        our_questions="",
        submit=True,
    )
    with scope(consented.viewer(consented.health_staff)):
        assert Meeting.objects.filter(pk=meeting.pk).exists()
        assert not Preparation.objects.filter(pk=preparation.pk).exists()
    with system_scope():
        assert not Notification.objects.filter(
            kind="preparation.submitted", recipient=consented.health_staff.user
        ).exists()


def test_uninvited_agency_cannot_write_a_preparation(consented, meeting):
    with pytest.raises(services.MeetingError):
        act(
            services.preparation_save,
            viewer=consented.viewer(consented.social_staff),
            meeting=meeting,
            what_we_see="x",
            what_we_contribute="",
            our_questions="",
            submit=True,
        )
    with pytest.raises(services.MeetingError, match="Skriv något"):
        act(
            services.preparation_save,
            viewer=consented.viewer(consented.school_staff),
            meeting=meeting,
            what_we_see=" ",
            what_we_contribute="",
            our_questions="",
            submit=True,
        )


def test_guardian_adds_agenda_item_marked_as_the_familys(consented, meeting):
    item = act(services.agenda_item_add, viewer=consented.guardian2_viewer, meeting=meeting, title="Skolskjutsen")
    assert item.written_by_guardian_id == consented.guardian2.pk
    assert item.author_agency_id == consented.coordination.pk
    with scope(consented.viewer(consented.health_staff)):
        assert AgendaItem.objects.filter(pk=item.pk).exists()
    with pytest.raises(services.MeetingError):
        act(services.agenda_item_add, viewer=consented.viewer(consented.school_staff), meeting=meeting, title="x")
    with pytest.raises(services.MeetingError):
        act(services.agenda_item_remove, viewer=consented.guardian1_viewer, item=item)
    act(services.agenda_item_remove, viewer=consented.guardian2_viewer, item=item)
    with system_scope():
        assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_child_voice_for_the_coordinator_only(consented, meeting):
    voice = act(
        services.child_voice_save,
        viewer=consented.child_viewer,
        meeting=meeting,
        feeling="hard",
        good_things="Rasterna",
        hard_things="Morgnarna",
        wishes="Börja senare",
        share_with="coordinator",
    )
    assert voice.written_by_child
    with scope(consented.coordinator_viewer):
        assert ChildVoice.objects.filter(pk=voice.pk).exists()
    with scope(consented.child_viewer):
        assert ChildVoice.objects.filter(pk=voice.pk).exists()
    for viewer in (consented.viewer(consented.school_staff), consented.guardian1_viewer):
        with scope(viewer):
            assert not ChildVoice.objects.filter(pk=voice.pk).exists()
    act(
        services.child_voice_save,
        viewer=consented.child_viewer,
        meeting=meeting,
        feeling="",
        good_things="Rasterna",
        hard_things="",
        wishes="",
        share_with="everyone",
    )
    with scope(consented.viewer(consented.school_staff)):
        assert ChildVoice.objects.filter(pk=voice.pk).exists()
    with pytest.raises(services.MeetingError):
        act(
            services.child_voice_save,
            viewer=consented.guardian1_viewer,
            meeting=meeting,
            feeling="",
            good_things="x",
            hard_things="",
            wishes="",
            share_with="everyone",
        )


def test_live_room_minutes_and_decision_become_a_plan_action(consented, meeting):
    coordinator = consented.coordinator_viewer
    with pytest.raises(services.MeetingError):
        act(services.note_add, viewer=coordinator, meeting=meeting, text="För tidigt")
    started = act(services.room_start, viewer=coordinator, meeting=meeting, confirmed=True)
    assert started.current_item.title == "Hur går det?"
    with pytest.raises(services.MeetingError):
        act(services.room_start, viewer=consented.viewer(consented.school_staff), meeting=meeting, confirmed=True)
    note = act(services.note_add, viewer=coordinator, meeting=meeting, text="Det går bättre.")
    assert note.agenda_item_id == started.current_item_id
    school_invitation = next(i for i in invitations(meeting) if i.agency_id == consented.school.pk)
    act(services.attendance_mark, viewer=coordinator, invitation=school_invitation, attendance="present")
    decision = act(
        services.decision_add,
        viewer=coordinator,
        meeting=meeting,
        text="Skolan ordnar anpassad studiegång.",
        due_date=timezone.localdate() + timedelta(days=30),
        responsible_agency_id=consented.school.pk,
    )
    with system_scope():
        action = PlanAction.objects.get(pk=decision.plan_action_id)
        assert action.description == "Skolan ordnar anpassad studiegång."
        assert action.responsible_agency_id == consented.school.pk
        created = AuditEvent.objects.get(action="plan.action_created")
        assert created.data == {"decision": str(decision.uuid)}
    with pytest.raises(services.MeetingError, match="med på mötet"):
        act(
            services.decision_add,
            viewer=coordinator,
            meeting=meeting,
            text="x",
            due_date=timezone.localdate() + timedelta(days=3),
            responsible_agency_id=consented.social.pk,
        )
    with system_scope():
        assert Decision.objects.count() == 1
    # Invited agencies follow the minutes live; the family sees them once shared.
    with scope(consented.viewer(consented.health_staff)):
        assert MinuteNote.objects.filter(pk=note.pk).exists()
    with scope(consented.viewer(consented.social_staff)):
        assert not MinuteNote.objects.filter(pk=note.pk).exists()
    with scope(consented.guardian1_viewer):
        assert not MinuteNote.objects.filter(pk=note.pk).exists()
    with pytest.raises(services.MeetingError):
        act(services.minutes_share, viewer=coordinator, meeting=meeting)
    act(services.room_end, viewer=coordinator, meeting=meeting, confirmed=True)
    act(services.minutes_share, viewer=coordinator, meeting=meeting)
    with scope(consented.guardian1_viewer):
        assert MinuteNote.objects.filter(pk=note.pk).exists()
        assert Decision.objects.filter(pk=decision.pk).exists()
    with system_scope():
        assert Notification.objects.filter(kind="minutes.shared", recipient=consented.guardian2.user).exists()
    reply = act(services.minutes_reply, viewer=consented.guardian1_viewer, meeting=meeting, approved=True)
    assert reply.written_by_guardian_id == consented.guardian1.pk
    with pytest.raises(services.MeetingError):
        act(services.minutes_reply, viewer=consented.viewer(consented.school_staff), meeting=meeting, approved=True)
    with pytest.raises(services.MeetingError):
        act(services.note_add, viewer=coordinator, meeting=meeting, text="Efter delning")


def test_external_actor_is_invited_by_email(consented, django_capture_on_commit_callbacks):
    with system_scope():
        external = ExternalContact.objects.create(
            case=consented.case, organisation="Försäkringskassan", name="Eva Extern", email="eva@fk.example"
        )
    meeting = call_meeting(consented, external_ids=[external.pk])
    with system_scope():
        assert Invitation.objects.filter(meeting=meeting, external=external).exists()
        no_email = ExternalContact.objects.create(case=consented.case, organisation="Förening", name="Utan Post")
    with pytest.raises(services.MeetingError):
        call_meeting(consented, external_ids=[no_email.pk])


def test_access_lost_withdraws_invitations_and_cancels_reminders(
    consented, meeting, django_capture_on_commit_callbacks
):
    consent = consented.extras["consent"]
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consent, consented.guardian1, "revoked")
    rows = invitations(meeting)
    agency_rows = [i for i in rows if i.agency_id]
    assert all(i.withdrawn_at is not None and i.withdrawn_reason == "consent" for i in agency_rows)
    assert all(i.withdrawn_at is None for i in rows if i.guardian_id)
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    for invitation in agency_rows:
        prefix = f"meeting:{meeting.uuid}:inv:{invitation.uuid}:"
        assert not Reminder.objects.filter(key__startswith=prefix, cancelled_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="meeting.invitation_withdrawn").count() == 2
    with scope(consented.viewer(consented.school_staff)):
        assert not Meeting.objects.filter(pk=meeting.pk).exists()
    # Nothing left to withdraw: calling the hook again is harmless.
    services.access_lost(case_id=consented.case.pk, agency_ids=[consented.school.pk])
    assert AuditEvent.objects.filter(action="meeting.invitation_withdrawn").count() == 2


def test_access_lost_closes_live_connections_before_withdrawing(
    consented, meeting, monkeypatch, django_capture_on_commit_callbacks
):
    """The sockets are told first; the withdrawal (locks, audit, reminders, notifications)
    follows, and still happens when the push finds no channel layer."""
    from meetings import push

    seen = []
    monkeypatch.setattr(
        push,
        "access_revoked",
        lambda case_id, agency_ids: seen.append(
            (case_id, agency_ids, [i.withdrawn_at for i in invitations(meeting) if i.agency_id])
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian1, "revoked")
    assert len(seen) == 1
    case_id, agency_ids, withdrawn_at_push = seen[0]
    assert case_id == consented.case.pk and consented.school.pk in agency_ids
    assert withdrawn_at_push and all(at is None for at in withdrawn_at_push)
    assert all(i.withdrawn_at is not None for i in invitations(meeting) if i.agency_id)


def test_withdrawn_agency_cannot_be_invited_again_without_consent(
    consented, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian2, "revoked")
    with pytest.raises(services.MeetingError, match="samtycke"):
        act(
            services.invitation_add,
            viewer=consented.coordinator_viewer,
            meeting=meeting,
            agency_ids=[consented.school.pk],
        )
