"""The meetings API: the same consent gate and policy as the pages."""

from __future__ import annotations

import pytest

from access.scoping import system_scope
from meetings import services
from meetings.models import Invitation, Meeting
from tests.meetings.conftest import at

pytestmark = pytest.mark.django_db


def call_payload(world, agencies):
    return {
        "case": str(world.case.uuid),
        "purpose": "Planera stödet tillsammans.",
        "starts_at": at(7).isoformat(),
        "ends_at": at(7, 14).isoformat(),
        "place": "Testskolan, rum 12",
        "agenda": ["Hur går det?"],
        "agencies": [str(a.uuid) for a in agencies],
    }


def test_coordinator_calls_a_meeting(consented):
    client = consented.client_for(consented.coordinator)
    response = client.post(
        "/api/v1/meetings/",
        call_payload(consented, [consented.school, consented.health]),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["sequence"] == 0
    assert data["agenda"][0]["title"] == "Hur går det?"
    with system_scope():
        assert Invitation.objects.filter(meeting__uuid=data["id"]).count() == 4


def test_agency_without_consent_cannot_be_invited_through_the_api(consented):
    client = consented.client_for(consented.coordinator)
    response = client.post(
        "/api/v1/meetings/", call_payload(consented, [consented.social]), content_type="application/json"
    )
    assert response.status_code == 400
    assert "samtycke" in response.json()["detail"]
    with system_scope():
        assert Meeting.objects.count() == 0


def test_staff_of_another_agency_cannot_call(consented):
    client = consented.client_for(consented.school_staff)
    response = client.post(
        "/api/v1/meetings/", call_payload(consented, [consented.health]), content_type="application/json"
    )
    assert response.status_code == 403  # she sees the collaboration; only the coordinator calls
    unrelated = consented.client_for(consented.unrelated_staff)
    response = unrelated.post(
        "/api/v1/meetings/", call_payload(consented, [consented.health]), content_type="application/json"
    )
    assert response.status_code == 404


def test_list_and_detail_follow_the_policy(consented, meeting):
    url = f"/api/v1/meetings/{meeting.uuid}/"
    for who in (consented.coordinator, consented.school_staff, consented.health_staff):
        client = consented.client_for(who)
        assert [m["id"] for m in client.get("/api/v1/meetings/").json()["results"]] == [str(meeting.uuid)]
        assert client.get(url).status_code == 200
    for who in (consented.social_staff, consented.unrelated_staff):
        client = consented.client_for(who)
        assert client.get("/api/v1/meetings/").json()["results"] == []
        assert client.get(url).status_code == 404
        assert client.get(f"/api/v1/meeting-invitations/?meeting={meeting.uuid}").json()["results"] == []
    assert consented.client_for(consented.guardian1.user).get(url).status_code == 200
    assert consented.client_for(consented.other_guardian.user).get(url).status_code == 404


def test_revoked_agency_gets_404_on_meeting_invitations_preparations_and_minutes(
    consented, meeting, django_capture_on_commit_callbacks
):
    school = consented.viewer(consented.school_staff)
    preparation = services.preparation_save(
        viewer=school, meeting=meeting, what_we_see="x", what_we_contribute="", our_questions="", submit=True
    )
    client = consented.client_for(consented.health_staff)
    urls = [
        f"/api/v1/meetings/{meeting.uuid}/",
        f"/api/v1/meetings/{meeting.uuid}/minutes/",
        f"/api/v1/meeting-preparations/{preparation.uuid}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        consented.decide(consented.extras["consent"], consented.guardian1, "revoked")
    for url in urls:
        assert client.get(url).status_code == 404, url
    for listing in ("/api/v1/meetings/", "/api/v1/meeting-invitations/", "/api/v1/meeting-preparations/"):
        assert client.get(listing).json()["results"] == [], listing


def test_answer_through_the_api_and_family_privacy(consented, meeting):
    with system_scope():
        g1 = Invitation.objects.get(meeting=meeting, guardian=consented.guardian1)
        g2 = Invitation.objects.get(meeting=meeting, guardian=consented.guardian2)
        school = Invitation.objects.get(meeting=meeting, agency=consented.school)
    gun = consented.client_for(consented.guardian1.user)
    response = gun.post(
        f"/api/v1/meeting-invitations/{g1.uuid}/answer/",
        {"answer": "yes", "comment": "Kommer"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["answer"] == "yes"
    assert (
        gun.post(
            f"/api/v1/meeting-invitations/{school.uuid}/answer/", {"answer": "no"}, content_type="application/json"
        ).status_code
        == 400
    )
    services.invitation_answer(viewer=consented.guardian2_viewer, invitation=g2, answer="no", comment="Privat")
    rows = {r["id"]: r for r in gun.get(f"/api/v1/meeting-invitations/?meeting={meeting.uuid}").json()["results"]}
    assert rows[str(g1.uuid)]["answer_comment"] == "Kommer"
    assert rows[str(g2.uuid)]["answer_comment"] == ""
    assert "email" not in str(rows)
    staff = consented.client_for(consented.coordinator)
    rows = {r["id"]: r for r in staff.get(f"/api/v1/meeting-invitations/?meeting={meeting.uuid}").json()["results"]}
    assert rows[str(g2.uuid)]["answer_comment"] == "Privat"


def test_preparation_through_the_api(consented, meeting):
    school = consented.client_for(consented.school_staff)
    response = school.post(
        "/api/v1/meeting-preparations/",
        {"meeting": str(meeting.uuid), "what_we_see": "Frånvaro", "submit": False},
        content_type="application/json",
    )
    assert response.status_code == 201
    prep_id = response.json()["id"]
    health = consented.client_for(consented.health_staff)
    assert health.get(f"/api/v1/meeting-preparations/{prep_id}/").status_code == 404
    school.post(
        "/api/v1/meeting-preparations/",
        {"meeting": str(meeting.uuid), "what_we_see": "Frånvaro", "submit": True},
        content_type="application/json",
    )
    assert health.get(f"/api/v1/meeting-preparations/{prep_id}/").json()["what_we_see"] == "Frånvaro"
    social = consented.client_for(consented.social_staff)
    response = social.post(
        "/api/v1/meeting-preparations/",
        {"meeting": str(meeting.uuid), "what_we_see": "x", "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 404
    family = consented.client_for(consented.guardian1.user)
    response = family.post(
        "/api/v1/meeting-preparations/",
        {"meeting": str(meeting.uuid), "what_we_see": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_reschedule_and_cancel_through_the_api(consented, meeting):
    client = consented.client_for(consented.coordinator)
    response = client.post(
        f"/api/v1/meetings/{meeting.uuid}/reschedule/",
        {
            "purpose": meeting.purpose,
            "starts_at": at(9).isoformat(),
            "ends_at": at(9, 14).isoformat(),
            "place": "Rum 1",
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["sequence"] == 1
    assert response.json()["ical_uid"] == meeting.ical_uid
    school = consented.client_for(consented.school_staff)
    assert (
        school.post(f"/api/v1/meetings/{meeting.uuid}/cancel/", {}, content_type="application/json").status_code == 403
    )
    response = client.post(f"/api/v1/meetings/{meeting.uuid}/cancel/", {}, content_type="application/json")
    assert response.json()["status"] == "cancelled" and response.json()["sequence"] == 2


def test_minutes_through_the_api_family_only_once_shared(consented, meeting):
    coordinator = consented.coordinator_viewer
    services.room_start(viewer=coordinator, meeting=meeting, confirmed=True)
    services.note_add(viewer=coordinator, meeting=meeting, text="Anteckning ett")
    family = consented.client_for(consented.guardian1.user)
    url = f"/api/v1/meetings/{meeting.uuid}/minutes/"
    assert family.get(url).json()["notes"] == []
    health = consented.client_for(consented.health_staff)
    assert health.get(url).json()["notes"][0]["text"] == "Anteckning ett"
    services.room_end(viewer=coordinator, meeting=meeting, confirmed=True)
    services.minutes_share(viewer=coordinator, meeting=meeting)
    assert family.get(url).json()["notes"][0]["text"] == "Anteckning ett"
