"""Meeting guards (issue 17, item 6): starting more than an hour early and ending ask
first (server-side, with and without htmx); the default preparation deadline falls on a
working day at 16:00; place and video link are one pair; an edited preparation says so."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from meetings import services
from meetings.models import Meeting, MinuteNote, Preparation
from meetings.workdays import (
    is_working_day,
    preparation_due_default,
    preparation_reminder_at,
    working_days_before,
)
from portal.models import AuditEvent
from tests.meetings.conftest import act, at, call_meeting
from tests.meetings.test_pages import form_data

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")


def fresh(meeting: Meeting) -> Meeting:
    with system_scope():
        return Meeting.objects.get(pk=meeting.pk)


def started_audits(meeting: Meeting) -> int:
    with system_scope():
        return AuditEvent.objects.filter(action="meeting.started").count()


def room_url(meeting: Meeting, suffix: str = "") -> str:
    return reverse("meetings:room", args=[meeting.uuid]) + suffix


# --------------------------------------------------------------------------------------
# Starting early
# --------------------------------------------------------------------------------------


def test_early_start_without_confirm_asks_and_changes_nothing(consented, meeting):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_start", args=[meeting.uuid]))
    assert response.status_code == 303
    assert response["Location"] == room_url(meeting, "?bekrafta=starta")
    assert fresh(meeting).started_at is None
    assert started_audits(meeting) == 0
    html = coordinator.get(response["Location"]).content.decode()
    starts = timezone.localtime(meeting.starts_at)
    assert f"kl. {starts:%H:%M}. Vill du starta det nu ändå?" in html
    assert 'name="confirm" value="1"' in html
    assert "Nej, vänta" in html


def test_early_start_question_names_the_weekday_and_date(consented, meeting):
    with pytest.raises(services.ConfirmationRequired) as asked:
        act(services.room_start, viewer=consented.coordinator_viewer, meeting=meeting)
    assert asked.value.action == "start"
    weekdays = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
    starts = timezone.localtime(meeting.starts_at)
    assert str(asked.value).startswith(f"Mötet är planerat till {weekdays[starts.weekday()]} {starts.day} ")
    assert fresh(meeting).started_at is None


def test_early_start_with_htmx_returns_the_question_only(consented, meeting):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_start", args=[meeting.uuid]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vill du starta det nu ändå?" in html and 'name="confirm" value="1"' in html
    assert "<html" not in html
    assert fresh(meeting).started_at is None


def test_confirmed_early_start_starts(consented, meeting):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_start", args=[meeting.uuid]), {"confirm": "1"})
    assert response.status_code == 303 and response["Location"] == room_url(meeting)
    assert fresh(meeting).is_live
    with system_scope():
        assert AuditEvent.objects.get(action="meeting.started").data == {"early": True}


def test_confirmed_start_with_htmx_reloads_the_room(consented, meeting):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(
        reverse("meetings:room_start", args=[meeting.uuid]), {"confirm": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == room_url(meeting)
    assert fresh(meeting).is_live


def test_start_within_the_hour_needs_no_confirmation(consented):
    soon = timezone.now() + timedelta(minutes=50)
    meeting = call_meeting(consented, starts_at=soon, ends_at=soon + timedelta(hours=1))
    coordinator = consented.client_for(consented.coordinator)
    assert coordinator.get(room_url(meeting, "?bekrafta=starta")).content.decode().count("Vill du starta") == 0
    response = coordinator.post(reverse("meetings:room_start", args=[meeting.uuid]))
    assert response.status_code == 303 and response["Location"] == room_url(meeting)
    assert fresh(meeting).is_live


@pytest.mark.parametrize("who", ["school_staff", "social_staff", "guardian", "unrelated_staff"])
@pytest.mark.parametrize("confirm", [{}, {"confirm": "1"}])
def test_only_the_coordinator_can_start(consented, meeting, who, confirm):
    user = consented.guardian1.user if who == "guardian" else getattr(consented, who)
    client = consented.client_for(user)
    response = client.post(reverse("meetings:room_start", args=[meeting.uuid]), confirm)
    assert response.status_code == 404
    assert fresh(meeting).started_at is None
    if who == "school_staff":  # invited: sees the room, never the question
        html = client.get(room_url(meeting, "?bekrafta=starta")).content.decode()
        assert "Vill du starta" not in html and 'name="confirm"' not in html


def test_service_refuses_a_non_coordinator_even_confirmed(consented, meeting):
    with pytest.raises(services.MeetingError):
        act(services.room_start, viewer=consented.viewer(consented.school_staff), meeting=meeting, confirmed=True)
    assert fresh(meeting).started_at is None


# --------------------------------------------------------------------------------------
# Ending
# --------------------------------------------------------------------------------------


@pytest.fixture
def live(consented, meeting):
    act(services.room_start, viewer=consented.coordinator_viewer, meeting=meeting, confirmed=True)
    return meeting


def test_end_without_confirm_asks_and_changes_nothing(consented, live):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_end", args=[live.uuid]))
    assert response.status_code == 303
    assert response["Location"] == room_url(live, "?bekrafta=avsluta")
    assert fresh(live).is_live and fresh(live).status == Meeting.Status.PLANNED
    html = coordinator.get(response["Location"]).content.decode()
    assert "Avsluta mötet?" in html and "kan inte startas igen" in html
    assert "Ja, avsluta mötet" in html and "Nej, fortsätt mötet" in html


def test_end_with_htmx_returns_the_question_only(consented, live):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_end", args=[live.uuid]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Ja, avsluta mötet" in response.content.decode()
    assert fresh(live).is_live


def test_confirmed_end_holds_the_meeting_and_locks_the_minutes(consented, live):
    coordinator = consented.client_for(consented.coordinator)
    response = coordinator.post(reverse("meetings:room_end", args=[live.uuid]), {"confirm": "1"})
    assert response.status_code == 303
    assert response["Location"] == reverse("meetings:minutes", args=[live.uuid])
    ended = fresh(live)
    assert ended.status == Meeting.Status.HELD and ended.ended_at is not None
    with pytest.raises(services.MeetingError, match="avslutat"):
        act(services.note_add, viewer=consented.coordinator_viewer, meeting=live, text="Efteråt")
    with system_scope():
        assert not MinuteNote.objects.filter(meeting=live).exists()
    # And it cannot be started again.
    again = coordinator.post(reverse("meetings:room_start", args=[live.uuid]), {"confirm": "1"})
    assert again.status_code == 303 and fresh(live).ended_at == ended.ended_at


def test_service_end_without_confirmation_changes_nothing(consented, live):
    with pytest.raises(services.ConfirmationRequired) as asked:
        act(services.room_end, viewer=consented.coordinator_viewer, meeting=live)
    assert asked.value.action == "end"
    assert fresh(live).is_live


@pytest.mark.parametrize("who", ["health_staff", "guardian"])
def test_only_the_coordinator_can_end(consented, live, who):
    user = consented.guardian1.user if who == "guardian" else getattr(consented, who)
    response = consented.client_for(user).post(reverse("meetings:room_end", args=[live.uuid]), {"confirm": "1"})
    assert response.status_code == 404
    assert fresh(live).is_live


def test_no_question_on_a_meeting_not_live(consented, meeting):
    html = consented.client_for(consented.coordinator).get(room_url(meeting, "?bekrafta=avsluta")).content.decode()
    assert "Ja, avsluta mötet" not in html


# --------------------------------------------------------------------------------------
# The default preparation deadline
# --------------------------------------------------------------------------------------


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("starts_at", "due_day"),
    [
        (local(2026, 12, 14, 13), date(2026, 12, 10)),  # Monday -> Thursday
        (local(2026, 12, 15, 9), date(2026, 12, 11)),  # Tuesday -> the Friday before
        (local(2026, 12, 16, 13), date(2026, 12, 14)),  # Wednesday -> Monday, over no weekend
        (local(2026, 12, 12, 10), date(2026, 12, 10)),  # Saturday -> Thursday
        (local(2026, 12, 13, 10), date(2026, 12, 10)),  # Sunday -> Thursday
        (local(2026, 12, 28, 13), date(2026, 12, 22)),  # after Christmas: 24, 25 off
        (local(2027, 1, 7, 13), date(2027, 1, 4)),  # after Epiphany (Wed 6 Jan) and New Year
        (local(2026, 4, 7, 13), date(2026, 4, 1)),  # after Easter: Good Friday, Easter Monday
        (local(2026, 6, 22, 13), date(2026, 6, 17)),  # after Midsummer Eve (Fri 19 June)
        (local(2026, 5, 15, 13), date(2026, 5, 12)),  # after Ascension Day (Thu 14 May)
    ],
)
def test_default_deadline_is_16_on_a_working_day(starts_at, due_day):
    due = preparation_due_default(starts_at)
    local_due = due.astimezone(STOCKHOLM)
    assert local_due.date() == due_day
    assert (local_due.hour, local_due.minute) == (16, 0)
    assert is_working_day(local_due.date())


def test_default_deadline_is_16_local_across_dst_changes():
    # Summer time starts Sun 29 March 2026 and ends Sun 25 October 2026.
    spring = preparation_due_default(local(2026, 3, 31, 9))  # Tuesday in summer time
    assert spring == local(2026, 3, 27, 16) and spring.astimezone(UTC).hour == 15  # CET, +01:00
    autumn = preparation_due_default(local(2026, 10, 27, 9))  # Tuesday in winter time
    assert autumn == local(2026, 10, 23, 16) and autumn.astimezone(UTC).hour == 14  # CEST, +02:00


def test_default_deadline_uses_the_meetings_local_day():
    # 23:30 UTC on Monday is 00:30 on Tuesday in Stockholm: the meeting is on Tuesday.
    due = preparation_due_default(datetime(2026, 12, 14, 23, 30, tzinfo=UTC))
    assert due == local(2026, 12, 11, 16)


def test_preparation_reminder_falls_on_a_working_day():
    assert preparation_reminder_at(local(2026, 12, 14, 16)) == local(2026, 12, 10, 16)  # Monday -> Thursday
    assert preparation_reminder_at(local(2026, 12, 10, 16)) == local(2026, 12, 8, 16)  # Thursday -> Tuesday


def test_working_days_before_skips_weekends():
    assert working_days_before(date(2026, 12, 14), 1) == date(2026, 12, 11)
    assert working_days_before(date(2026, 12, 14), 5) == date(2026, 12, 7)


def test_called_meeting_gets_the_working_day_deadline(consented):
    meeting = call_meeting(consented)
    assert meeting.preparation_due_at == preparation_due_default(meeting.starts_at)
    due = timezone.localtime(meeting.preparation_due_at)
    assert due.weekday() < 5 and (due.hour, due.minute) == (16, 0)


def test_default_deadline_already_passed_is_left_out(consented):
    soon = timezone.now() + timedelta(hours=3)
    meeting = call_meeting(consented, starts_at=soon, ends_at=soon + timedelta(hours=1))
    assert meeting.preparation_due_at is None


def test_help_text_states_the_rule(consented):
    html = consented.client_for(consented.coordinator).get(reverse("meetings:call", args=[consented.case.uuid]))
    assert "Lämna tomt: kl. 16 två arbetsdagar före mötet." in html.content.decode()


def test_a_chosen_deadline_on_a_weekend_is_refused(consented):
    saturday = timezone.localdate() + timedelta(days=(5 - timezone.localdate().weekday()) % 7 or 7)
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    data = form_data(consented, day=(saturday + timedelta(days=7)).isoformat(), preparation_due=saturday.isoformat())
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Välj en vardag som inte är en helgdag." in response.content.decode()
    with system_scope():
        assert Meeting.objects.count() == 0


# --------------------------------------------------------------------------------------
# Place or video link
# --------------------------------------------------------------------------------------


def test_call_form_shows_one_place_or_link_pair(consented):
    html = (
        consented.client_for(consented.coordinator)
        .get(reverse("meetings:call", args=[consented.case.uuid]))
        .content.decode()
    )
    assert "<legend>Plats eller videolänk</legend>" in html
    assert "Fyll i minst ett av fälten." in html
    pair = html[html.index("Plats eller videolänk") : html.index("Förberedelser senast")]
    assert "frivilligt" not in pair


def test_both_empty_is_an_error_on_the_pair(consented):
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    response = client.post(url, form_data(consented, place="", video_link=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="place-pair-errors"' in html
    assert html.count("Fyll i en plats eller en länk till videomötet.") == 1
    with system_scope():
        assert Meeting.objects.count() == 0


@pytest.mark.parametrize("link", ["http://meet.example.se/abc", "ftp://meet.example.se/abc", "inte en länk"])
def test_video_link_must_be_https(consented, link):
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    response = client.post(url, form_data(consented, place="", video_link=link))
    assert response.status_code == 400
    with system_scope():
        assert Meeting.objects.count() == 0


def test_a_video_link_alone_is_enough(consented):
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    response = client.post(url, form_data(consented, place="", video_link="https://meet.example.se/abc"))
    assert response.status_code == 303
    with system_scope():
        assert Meeting.objects.get().video_link == "https://meet.example.se/abc"


def test_service_refuses_an_http_link(consented):
    with pytest.raises(services.MeetingError, match="https"):
        call_meeting(consented, place="", video_link="http://meet.example.se/abc")


def test_an_old_http_link_left_as_it_was_does_not_block_a_reschedule(consented):
    """Links stored before https was required stay until someone changes them; a new
    http:// link is still refused."""
    meeting = call_meeting(consented, place="", video_link="https://meet.example.se/abc")
    with system_scope():
        Meeting.objects.filter(pk=meeting.pk).update(video_link="http://old.example.se/abc")
        meeting.refresh_from_db()
    with scope(consented.coordinator_viewer):
        moved = services.meeting_update(
            viewer=consented.coordinator_viewer, meeting=meeting, purpose=meeting.purpose,
            starts_at=at(8), ends_at=at(8, 14), place="", video_link="http://old.example.se/abc",
        )  # fmt: skip
        assert moved.video_link == "http://old.example.se/abc"
        with pytest.raises(services.MeetingError, match="https"):
            services.meeting_update(
                viewer=consented.coordinator_viewer, meeting=moved, purpose=meeting.purpose,
                starts_at=at(8), ends_at=at(8, 14), place="", video_link="http://new.example.se/abc",
            )  # fmt: skip


def test_api_refuses_no_place_and_an_http_link(consented):
    client = consented.client_for(consented.coordinator)
    payload = {
        "case": str(consented.case.uuid),
        "purpose": "Planera stödet tillsammans.",
        "starts_at": at(7).isoformat(),
        "ends_at": at(7, 14).isoformat(),
        "agencies": [str(consented.school.uuid)],
    }
    response = client.post("/api/v1/meetings/", payload, content_type="application/json")
    assert response.status_code == 400 and "place" in response.json()
    payload["video_link"] = "http://meet.example.se/abc"
    response = client.post("/api/v1/meetings/", payload, content_type="application/json")
    assert response.status_code == 400 and "https" in response.json()["video_link"][0]
    with system_scope():
        assert Meeting.objects.count() == 0


# --------------------------------------------------------------------------------------
# An edited preparation
# --------------------------------------------------------------------------------------


def _prepare(world, meeting, text: str, *, submit: bool = True) -> Preparation:
    return act(
        services.preparation_save,
        viewer=world.viewer(world.school_staff),
        meeting=meeting,
        what_we_see=text,
        what_we_contribute="",
        our_questions="",
        submit=submit,
    )


def test_edited_preparation_shows_first_sent_and_last_changed(consented, meeting):
    first = _prepare(consented, meeting, "Frånvaro")
    sent = timezone.now() - timedelta(days=2)
    with system_scope():
        Preparation.objects.filter(pk=first.pk).update(submitted_at=sent, updated_at=sent)
    edited = _prepare(consented, meeting, "Frånvaro, men bättre nu")
    assert edited.submitted_at == sent
    assert edited.updated_at > sent
    sent_local, changed_local = timezone.localtime(sent), timezone.localtime(edited.updated_at)
    expected = (
        f"Inskickad {sent_local.day} {_month(sent_local)} kl. {sent_local:%H:%M}, "
        f"ändrad {changed_local.day} {_month(changed_local)} kl. {changed_local:%H:%M}"
    )
    detail = consented.client_for(consented.coordinator).get(reverse("meetings:detail", args=[meeting.uuid]))
    assert expected in detail.content.decode()
    own = consented.client_for(consented.school_staff).get(reverse("meetings:preparation", args=[meeting.uuid]))
    assert f"ändrad {changed_local.day} {_month(changed_local)}" in own.content.decode()


def test_saving_an_unchanged_preparation_does_not_mark_it_changed(consented, meeting):
    first = _prepare(consented, meeting, "Frånvaro")
    assert first.updated_at == first.submitted_at
    again = _prepare(consented, meeting, "Frånvaro")
    assert again.updated_at == first.updated_at and not again.changed_after_submit
    detail = consented.client_for(consented.coordinator).get(reverse("meetings:detail", args=[meeting.uuid]))
    assert "ändrad" not in detail.content.decode()


def _month(moment: datetime) -> str:
    months = [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ]
    return months[moment.month - 1]
