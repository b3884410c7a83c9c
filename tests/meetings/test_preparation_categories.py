"""Each section of a preparation carries the information category of what it holds
(issue 13 item 7): healthcare with consent for health and preparations but only a
pending consent for school situation does not read the school's school-situation
section — on the meeting page or in the API — until that consent is in force."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.scoping import scope, system_scope
from consent.models import InformationCategory
from meetings import services
from meetings.models import Meeting, PreparationSection
from tests.meetings.conftest import call_meeting
from tests.world import World

SCHOOL_TEXT = "SKOLAVSNITT: frånvaro 40 procent sedan oktober."
QUESTION_TEXT = "FRÅGA: hur ser morgnarna ut hemma?"


@pytest.fixture
def prepared(world: World, django_capture_on_commit_callbacks) -> World:
    world.grant([world.school, world.coordination], ["basic", "family", "school", "preparations"])
    world.grant([world.health], ["basic", "family", "health", "preparations"])
    pending = world.request_consent([world.health], ["school"])
    world.decide(pending, world.guardian1)
    world.extras["pending"] = pending
    with django_capture_on_commit_callbacks(execute=True):
        meeting = call_meeting(world)
    world.extras["meeting"] = meeting
    world.extras["preparation"] = services.preparation_save(
        viewer=world.viewer(world.school_staff),
        meeting=meeting,
        what_we_see=SCHOOL_TEXT,  # the school's default category: school situation
        what_we_contribute="",
        our_questions=QUESTION_TEXT,
        our_questions_category="preparations",
        submit=True,
    )
    return world


def _sections_seen_by(world: World, viewer) -> set[str]:  # type: ignore[no-untyped-def]
    with scope(viewer):
        return set(
            PreparationSection.objects.filter(preparation=world.extras["preparation"]).values_list("kind", flat=True)
        )


def test_sections_get_the_default_category_of_the_writing_agency(prepared):
    with system_scope():
        sections = {s.kind: s.category.code for s in PreparationSection.objects.select_related("category")}
    assert sections == {"what_we_see": "school", "our_questions": "preparations"}  # the empty one is not stored


def test_healthcare_cannot_read_the_school_section_while_the_school_consent_is_pending(prepared):
    meeting: Meeting = prepared.extras["meeting"]
    preparation = prepared.extras["preparation"]
    assert _sections_seen_by(prepared, prepared.viewer(prepared.health_staff)) == {"our_questions"}
    client = prepared.client_for(prepared.health_staff)
    page = client.get(reverse("meetings:detail", args=[meeting.uuid]))
    assert page.status_code == 200
    body = page.content.decode()
    assert QUESTION_TEXT in body and SCHOOL_TEXT not in body
    for url in (
        f"/api/v1/meeting-preparations/{preparation.uuid}/",
        f"/api/v1/meeting-preparations/?meeting={meeting.uuid}",
        "/api/v1/meeting-preparations/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SCHOOL_TEXT not in response.content.decode(), url
    detail = client.get(f"/api/v1/meeting-preparations/{preparation.uuid}/").json()
    assert detail["sections"] == [{"kind": "our_questions", "category": "preparations", "text": QUESTION_TEXT}]
    assert detail["what_we_see"] == ""


def test_healthcare_reads_the_school_section_once_the_school_consent_is_effective(prepared):
    prepared.decide(prepared.extras["pending"], prepared.guardian2)
    assert _sections_seen_by(prepared, prepared.viewer(prepared.health_staff)) == {"what_we_see", "our_questions"}
    client = prepared.client_for(prepared.health_staff)
    body = client.get(reverse("meetings:detail", args=[prepared.extras["meeting"].uuid])).content.decode()
    assert SCHOOL_TEXT in body
    detail = client.get(f"/api/v1/meeting-preparations/{prepared.extras['preparation'].uuid}/").json()
    assert detail["what_we_see"] == SCHOOL_TEXT


def test_a_section_needs_the_preparations_consent_as_well(prepared):
    # Social services is in the team with a school consent but none for preparations,
    # and is invited (basic): neither the preparation nor any section reaches it.
    prepared.grant([prepared.social], ["basic", "school"])
    with system_scope():
        from meetings.models import Invitation

        Invitation.objects.create(
            meeting=prepared.extras["meeting"],
            case=prepared.case,
            author_agency=prepared.coordination,
            agency=prepared.social,
        )
    social = prepared.viewer(prepared.social_staff)
    with scope(social):  # it takes part in the meeting, so only the consent keeps it out
        assert Meeting.objects.filter(pk=prepared.extras["meeting"].pk).exists()
    assert _sections_seen_by(prepared, social) == set()


def test_the_author_agency_always_sees_its_own_sections(prepared):
    assert _sections_seen_by(prepared, prepared.viewer(prepared.school_staff)) == {"what_we_see", "our_questions"}
    draft = services.preparation_save(
        viewer=prepared.viewer(prepared.health_staff),
        meeting=prepared.extras["meeting"],
        what_we_see="Utkast från vården",
        what_we_contribute="",
        our_questions="",
    )
    with scope(prepared.viewer(prepared.health_staff)):
        assert PreparationSection.objects.filter(preparation=draft).count() == 1
    with scope(prepared.viewer(prepared.school_staff)):  # a draft is the author's only
        assert not PreparationSection.objects.filter(preparation=draft).exists()


def test_the_family_sees_what_family_visible_categories_allow(prepared):
    assert _sections_seen_by(prepared, prepared.guardian1_viewer) == {"what_we_see", "our_questions"}
    InformationCategory.objects.filter(code="school").update(visible_to_family=False)
    assert _sections_seen_by(prepared, prepared.guardian1_viewer) == {"our_questions"}
    body = (
        prepared.client_for(prepared.guardian1.user)
        .get(reverse("meetings:detail", args=[prepared.extras["meeting"].uuid]))
        .content.decode()
    )
    assert SCHOOL_TEXT not in body and QUESTION_TEXT in body


def test_the_form_preselects_the_default_and_keeps_the_writers_choice(prepared):
    client = prepared.client_for(prepared.school_staff)
    url = reverse("meetings:preparation", args=[prepared.extras["meeting"].uuid])
    page = client.get(url).content.decode()
    assert '<option value="school" selected>' in page  # what_we_see: the school's default
    assert '<option value="preparations" selected>' in page  # our_questions: as written
    response = client.post(
        url,
        {
            "what_we_see": SCHOOL_TEXT,
            "what_we_see_category": "health",
            "what_we_contribute": "",
            "what_we_contribute_category": "school",
            "our_questions": "",
            "our_questions_category": "preparations",
            "submit": "1",
        },
    )
    assert response.status_code in (302, 303)
    with system_scope():
        sections = {s.kind: s.category.code for s in PreparationSection.objects.select_related("category")}
    assert sections == {"what_we_see": "health"}  # the emptied question section is gone
    assert _sections_seen_by(prepared, prepared.viewer(prepared.health_staff)) == {"what_we_see"}


def test_an_unknown_category_is_refused_and_changes_nothing(prepared):
    with pytest.raises(services.MeetingError):
        services.preparation_save(
            viewer=prepared.viewer(prepared.school_staff),
            meeting=prepared.extras["meeting"],
            what_we_see="Nytt",
            what_we_contribute="",
            our_questions="",
            what_we_see_category="no-such-category",
            submit=True,
        )
    with system_scope():
        assert PreparationSection.objects.get(kind="what_we_see").text == SCHOOL_TEXT
