"""Meeting pages: who may open what, the consent gate on the call form, the family's
view, answering, preparing, minutes, print and PDF, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import system_scope
from meetings import services
from meetings.models import Invitation, Meeting, Preparation
from tests.meetings.conftest import call_meeting

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    day = timezone.localdate() + timedelta(days=7)
    data = {
        "purpose": "Planera stödet tillsammans.",
        "day": day.isoformat(),
        "start": "13:00",
        "end": "14:30",
        "place": "Testskolan, rum 12",
        "video_link": "",
        "preparation_due": "",
        "agenda": "Hur går det?\nNästa steg",
        "agencies": [str(world.school.pk), str(world.health.pk)],
        "invite_child": "",
    }
    data.update(overrides)
    return data


def test_call_page_greys_out_agency_without_consent(consented):
    client = consented.client_for(consented.coordinator)
    html = client.get(reverse("meetings:call", args=[consented.case.uuid])).content.decode()
    assert f'value="{consented.school.pk}" id="agency-{consented.school.pk}" checked' in html
    assert f'value="{consented.social.pk}" id="agency-{consented.social.pk}" disabled' in html
    assert "Inget gällande samtycke" in html
    assert "Gun Testsson" in html and "Gustav Andersson" in html


def test_call_page_refuses_agency_without_consent_and_changes_nothing(consented):
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    response = client.post(url, form_data(consented, agencies=[str(consented.social.pk)]))
    assert response.status_code == 400
    assert "Socialtjänsten Test kan inte bjudas in" in response.content.decode()
    with system_scope():
        assert Meeting.objects.count() == 0


def test_coordinator_calls_a_meeting_through_the_page(consented, mailoutbox, django_capture_on_commit_callbacks):
    client = consented.client_for(consented.coordinator)
    url = reverse("meetings:call", args=[consented.case.uuid])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(consented))
    assert response.status_code == 303
    with system_scope():
        meeting = Meeting.objects.get()
        assert Invitation.objects.filter(meeting=meeting).count() == 4  # 2 agencies, 2 guardians
    assert response["Location"] == reverse("meetings:detail", args=[meeting.uuid])
    assert mailoutbox


@pytest.mark.parametrize("who", ["school_staff", "unrelated_staff", "health_admin"])
def test_only_the_coordinator_reaches_the_call_page(consented, who):
    client = consented.client_for(getattr(consented, who))
    assert client.get(reverse("meetings:call", args=[consented.case.uuid])).status_code == 404


def test_meeting_page_for_invited_and_404_for_the_rest(consented, meeting):
    url = reverse("meetings:detail", args=[meeting.uuid])
    for who in (consented.coordinator, consented.school_staff, consented.health_staff):
        assert consented.client_for(who).get(url).status_code == 200
    for who in (consented.social_staff, consented.unrelated_staff):
        assert consented.client_for(who).get(url).status_code == 404
    assert consented.client_for(consented.guardian1.user).get(url).status_code == 200
    assert consented.client_for(consented.other_guardian.user).get(url).status_code == 404


def test_lists_do_not_leak_meetings(consented, meeting):
    purpose = "Planera stödet i skolan"
    assert purpose in consented.client_for(consented.school_staff).get(reverse("meetings:list")).content.decode()
    for who in (consented.social_staff, consented.unrelated_staff):
        html = consented.client_for(who).get(reverse("meetings:list")).content.decode()
        assert purpose not in html
        assert "Alva" not in html
    html = consented.client_for(consented.other_guardian.user).get("/").content.decode()
    assert "Alva" not in html


def test_revoked_agency_gets_404_everywhere(consented, meeting, django_capture_on_commit_callbacks):
    client = consented.client_for(consented.health_staff)
    with system_scope():
        invitation = Invitation.objects.get(meeting=meeting, agency=consented.health)
    urls = [
        reverse("meetings:detail", args=[meeting.uuid]),
        reverse("meetings:room", args=[meeting.uuid]),
        reverse("meetings:room_part", args=[meeting.uuid, "minutes"]),
        reverse("meetings:preparation", args=[meeting.uuid]),
        reverse("meetings:ics", args=[invitation.uuid]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian1, "revoked")
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("meetings:answer", args=[invitation.uuid]), {"answer": "yes"})
    assert response.status_code == 404
    assert meeting.purpose not in client.get(reverse("meetings:list")).content.decode()


def test_family_sees_plain_language_and_answers(consented, meeting):
    client = consented.client_for(consented.guardian1.user)
    home = client.get("/").content.decode()
    assert "Vilka kommer:" in home
    assert "Testskolan" in home and "BUP Test" in home
    assert "Svara på inbjudan" in home
    with system_scope():
        mine = Invitation.objects.get(meeting=meeting, guardian=consented.guardian1)
        other = Invitation.objects.get(meeting=meeting, guardian=consented.guardian2)
    response = client.post(reverse("meetings:answer", args=[mine.uuid]), {"answer": "yes", "comment": "Vi kommer båda"})
    assert response.status_code == 303
    mine.refresh_from_db()
    assert mine.answer == "yes"
    # The other (separated) guardian's invitation cannot be answered, and its comment is not shown.
    assert client.post(reverse("meetings:answer", args=[other.uuid]), {"answer": "no"}).status_code == 303
    other.refresh_from_db()
    assert other.answer == "pending"
    services.invitation_answer(
        viewer=consented.guardian2_viewer, invitation=other, answer="no", comment="Privat kommentar"
    )
    html = client.get(reverse("meetings:detail", args=[meeting.uuid])).content.decode()
    assert "Vi kommer båda" in html
    assert "Privat kommentar" not in html
    assert "gustav@test.example" not in html and "Vägen 2" not in html


def test_guardian_adds_an_agenda_item_through_the_page(consented, meeting):
    client = consented.client_for(consented.guardian2.user)
    client.post(reverse("meetings:agenda_add", args=[meeting.uuid]), {"title": "Skolskjutsen"})
    html = consented.client_for(consented.health_staff).get(reverse("meetings:detail", args=[meeting.uuid])).content
    assert "Skolskjutsen" in html.decode()
    assert "Från familjen" in html.decode()


def test_preparation_page_draft_then_submit(consented, meeting):
    school = consented.client_for(consented.school_staff)
    url = reverse("meetings:preparation", args=[meeting.uuid])
    data = {"what_we_see": "Hög frånvaro", "what_we_contribute": "Mentor", "our_questions": "Hur mår hon?"}
    assert school.post(url, {**data, "draft": "1"}).status_code == 303
    health = consented.client_for(consented.health_staff)
    detail = reverse("meetings:detail", args=[meeting.uuid])
    assert "Hög frånvaro" not in health.get(detail).content.decode()
    assert school.post(url, {**data, "submit": "1"}).status_code == 303
    assert "Hög frånvaro" in health.get(detail).content.decode()
    assert consented.client_for(consented.social_staff).get(url).status_code == 404
    with system_scope():
        assert Preparation.objects.get().submitted_at is not None


def test_child_voice_page_is_the_childs(consented, meeting):
    url = reverse("meetings:child_voice", args=[meeting.uuid])
    child = consented.client_for(consented.child.user)
    assert child.get(url).status_code == 200
    response = child.post(url, {"feeling": "good", "good_things": "Rasterna", "share_with": "everyone"})
    assert response.status_code == 303
    assert consented.client_for(consented.guardian1.user).get(url).status_code == 404
    assert (
        "Rasterna"
        in consented.client_for(consented.coordinator)
        .get(reverse("meetings:detail", args=[meeting.uuid]))
        .content.decode()
    )


def test_room_minutes_print_and_pdf(consented, meeting):
    coordinator = consented.client_for(consented.coordinator)
    coordinator.post(reverse("meetings:room_start", args=[meeting.uuid]), {"confirm": "1"})
    response = coordinator.post(
        reverse("meetings:room_note", args=[meeting.uuid]), {"note-text": "Det går bättre nu."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Det går bättre nu." in response.content.decode()
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    response = coordinator.post(
        reverse("meetings:room_decision", args=[meeting.uuid]),
        {
            "decision-text": "Skolan ordnar stöd.",
            "decision-responsible_agency": str(consented.school.pk),
            "decision-due_date": due,
        },
        HTTP_HX_REQUEST="true",
    )
    assert "I planen" in response.content.decode()
    bad = coordinator.post(
        reverse("meetings:room_decision", args=[meeting.uuid]),
        {"decision-text": "x", "decision-responsible_agency": str(consented.social.pk), "decision-due_date": due},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400
    health = consented.client_for(consented.health_staff)
    part = health.get(reverse("meetings:room_part", args=[meeting.uuid, "minutes"])).content.decode()
    assert "Det går bättre nu." in part
    family = consented.client_for(consented.guardian1.user)
    assert family.get(reverse("meetings:minutes", args=[meeting.uuid])).status_code == 404
    coordinator.post(reverse("meetings:room_end", args=[meeting.uuid]), {"confirm": "1"})
    coordinator.post(reverse("meetings:minutes_share", args=[meeting.uuid]))
    html = family.get(reverse("meetings:minutes", args=[meeting.uuid])).content.decode()
    assert "Det går bättre nu." in html and "Stämmer anteckningarna?" in html
    family.post(reverse("meetings:minutes_reply", args=[meeting.uuid]), {"approved": "on"})
    assert "Godkänt" in coordinator.get(reverse("meetings:minutes", args=[meeting.uuid])).content.decode()
    printed = health.get(reverse("meetings:minutes_print", args=[meeting.uuid]))
    assert printed.status_code == 200 and "Skolan ordnar stöd." in printed.content.decode()
    pdf = health.get(reverse("meetings:minutes_pdf", args=[meeting.uuid]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        consented.client_for(consented.social_staff)
        .get(reverse("meetings:minutes_pdf", args=[meeting.uuid]))
        .status_code
        == 404
    )


def test_live_reads_are_in_the_access_log(consented, meeting):
    from accesslog.models import AccessLogEntry

    consented.client_for(consented.health_staff).get(reverse("meetings:room_part", args=[meeting.uuid, "agenda"]))
    with system_scope():
        entries = AccessLogEntry.objects.filter(actor=consented.health_staff.user, object_type="meetings.AgendaItem")
        assert entries.exists()
        assert {e.basis for e in entries} == {"consent"}


def _more_meetings(world, count):
    for _ in range(count):
        call_meeting(world)


@pytest.mark.parametrize("who", ["coordinator", "health_staff"])
def test_list_runs_a_fixed_number_of_queries(consented, meeting, who, django_assert_max_num_queries):
    client = consented.client_for(getattr(consented, who))
    url = reverse("meetings:list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_meetings(consented, 5)
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert html.count("Planera stödet i skolan") == 6
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_detail_and_home_run_a_fixed_number_of_queries(consented, meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = consented.client_for(consented.coordinator)
    detail = reverse("meetings:detail", args=[meeting.uuid])
    for extra in range(1, 3):
        services.agenda_item_add(viewer=consented.coordinator_viewer, meeting=meeting, title=f"Punkt {extra}")
    client.get(detail)
    with CaptureQueriesContext(connection) as small:
        client.get(detail)
    for extra in range(3, 8):
        services.agenda_item_add(viewer=consented.coordinator_viewer, meeting=meeting, title=f"Punkt {extra}")
    services.preparation_save(
        viewer=consented.viewer(consented.school_staff),
        meeting=meeting,
        what_we_see="x",
        what_we_contribute="",
        our_questions="",
        submit=True,
    )
    with CaptureQueriesContext(connection) as large:
        client.get(detail)
    assert len(large.captured_queries) == len(small.captured_queries)
    family = consented.client_for(consented.guardian1.user)
    family.get("/")
    with CaptureQueriesContext(connection) as home_small:
        family.get("/")
    _more_meetings(consented, 4)
    with CaptureQueriesContext(connection) as home_large:
        family.get("/")
    assert len(home_large.captured_queries) == len(home_small.captured_queries)


def test_the_team_is_read_once_and_agrees_with_the_consent_gate_and_the_recipients(consented):
    """The coordinator's team for the call and invite forms (and the meeting page's "nobody
    there was told" warning) comes from one query, and agrees with what the services
    decide on their own: who may be invited (consented_agency_ids) and who would be told
    (agencies_without_contact). Anyone but the coordinator gets nothing, without a query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from access.scoping import scope
    from cases.models import TeamMember
    from meetings import recipients, selectors

    w, case = consented, consented.case
    with system_scope():
        TeamMember.objects.filter(case=case, agency=w.health).update(contact=None)
    team_ids = {w.school.pk, w.health.pk, w.social.pk, w.coordination.pk}
    with scope(w.coordinator_viewer), CaptureQueriesContext(connection) as ctx:
        team = selectors.invitable_agencies(w.coordinator_viewer, case)
    assert len(ctx.captured_queries) == 1
    assert {o.agency_id for o in team.options} == team_ids - {w.coordination.pk}  # not the organiser's own
    allowed = {o.agency_id for o in team.options if o.allowed}
    assert allowed == selectors.consented_agency_ids(case.pk) - {w.coordination.pk} == {w.school.pk, w.health.pk}
    uncontacted = set(recipients.agencies_without_contact(case.pk, team_ids))
    assert team.reachable == team_ids - uncontacted == {w.school.pk}
    for viewer in (w.viewer(w.health_staff), w.guardian1_viewer):
        with scope(viewer), CaptureQueriesContext(connection) as ctx:
            assert selectors.invitable_agencies(viewer, case) == selectors.TeamAgencies(options=[], reachable=set())
        assert not ctx.captured_queries
