"""The child's own words are the child's (DESIGN rule 19): what a child writes before a
meeting goes to the coordinator only — the named person, not her colleagues, not the
other invited agencies, not the guardians — unless the child chooses everyone at the
meeting; her page shows her choice back to her and speaks to her."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from access import policy
from access.scoping import scope, system_scope
from accesslog.models import AccessLogEntry
from meetings import services
from meetings.forms import ChildVoiceForm
from meetings.models import ChildVoice
from notifications.models import Notification
from tests.meetings.conftest import act
from tests.world import make_staff

pytestmark = pytest.mark.django_db

WORDS = "Jag vill inte byta klass"


def write(world, meeting, **overrides):
    kwargs = {
        "viewer": world.child_viewer,
        "meeting": meeting,
        "feeling": "hard",
        "good_things": "Rasterna",
        "hard_things": WORDS,
        "wishes": "",
    }
    kwargs.update(overrides)
    return act(services.child_voice_save, **kwargs)


@pytest.fixture
def colleague(consented):
    """Another coordinator at the coordinating unit: not this case's coordinator."""
    return make_staff(consented.coordination, "Kim Kollega")


@pytest.fixture
def mentor(consented):
    """A mentor at the invited school who is not the school's contact person."""
    return make_staff(consented.school, "Mira Mentor")


def checked(html: str, value: str) -> bool:
    """The share_with radio button with `value` is preselected."""
    tag = re.search(rf'<input type="radio" name="share_with" value="{value}"[^>]*>', html)
    assert tag is not None
    return " checked" in tag.group(0)


def detail(world, who, meeting) -> str:
    response = world.client_for(who).get(reverse("meetings:detail", args=[meeting.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_coordinator_only_is_the_default_in_model_form_and_service(consented, meeting):
    assert ChildVoice().share_with == ChildVoice.ShareWith.COORDINATOR
    assert ChildVoice._meta.get_field("share_with").default == ChildVoice.ShareWith.COORDINATOR
    form = ChildVoiceForm()
    assert form["share_with"].value() == ChildVoice.ShareWith.COORDINATOR
    # An answer without a choice is the coordinator only, never everyone.
    unanswered = ChildVoiceForm({"feeling": "good", "good_things": "x"})
    assert unanswered.is_valid()
    assert unanswered.cleaned_data["share_with"] == ChildVoice.ShareWith.COORDINATOR
    voice = write(consented, meeting)  # no share_with: the service's default
    assert voice.share_with == ChildVoice.ShareWith.COORDINATOR


def test_child_page_preselects_the_coordinator_and_matches_the_button(consented, meeting):
    html = (
        consented.client_for(consented.child.user)
        .get(reverse("meetings:child_voice", args=[meeting.uuid]))
        .content.decode()
    )
    assert checked(html, "coordinator")
    assert not checked(html, "everyone")
    assert "Skicka till min samordnare" in html
    assert "bara din samordnare" in html


def test_coordinator_only_voice_is_read_by_the_coordinator_and_the_child_alone(consented, meeting, colleague, mentor):
    voice = write(consented, meeting, share_with="coordinator")
    for viewer in (consented.coordinator_viewer, consented.child_viewer):
        with scope(viewer):
            assert ChildVoice.objects.filter(pk=voice.pk).exists()
    assert policy.can_view(consented.coordinator_viewer, voice)
    nobody_else = [
        consented.viewer(colleague),  # same agency as the coordinator, wrote the row
        consented.viewer(consented.school_staff),  # invited agency, full consent, contact
        consented.viewer(mentor),  # invited agency, full consent
        consented.viewer(consented.health_admin),
        consented.viewer(consented.social_staff),  # in the team, no consent
        consented.guardian1_viewer,
        consented.guardian2_viewer,
    ]
    for viewer in nobody_else:
        with scope(viewer):
            assert not ChildVoice.objects.filter(pk=voice.pk).exists()
        assert not policy.can_view(viewer, voice)
    assert WORDS in detail(consented, consented.coordinator, meeting)
    for who in (colleague, consented.school_staff, mentor, consented.guardian1.user, consented.guardian2.user):
        assert WORDS not in detail(consented, who, meeting)
    # The child's page itself is hers alone.
    url = reverse("meetings:child_voice", args=[meeting.uuid])
    for who in (consented.coordinator, colleague, mentor, consented.guardian1.user):
        assert consented.client_for(who).get(url).status_code == 404


def test_coordinator_only_voice_tells_only_the_coordinator(consented, meeting, colleague):
    with system_scope():
        type(meeting)._base_manager.filter(pk=meeting.pk).update(created_by=colleague.user)
    write(consented, meeting, share_with="coordinator")
    with system_scope():
        told = set(Notification.objects.filter(kind="preparation.submitted").values_list("recipient_id", flat=True))
    assert told == {consented.coordinator.user_id}


def test_voice_shared_with_everyone_reaches_the_meeting_under_consent(consented, meeting, colleague, mentor):
    voice = write(consented, meeting, share_with="everyone")
    readers = [
        consented.coordinator_viewer,
        consented.child_viewer,
        consented.viewer(colleague),
        consented.viewer(consented.school_staff),
        consented.viewer(mentor),
        consented.guardian1_viewer,
        consented.guardian2_viewer,
    ]
    for viewer in readers:
        with scope(viewer):
            assert ChildVoice.objects.filter(pk=voice.pk).exists()
    # Still no consent, still nothing; and nobody outside the case.
    for viewer in (consented.viewer(consented.social_staff), consented.viewer(consented.unrelated_staff)):
        with scope(viewer):
            assert not ChildVoice.objects.filter(pk=voice.pk).exists()
    for who in (mentor, consented.guardian1.user):
        assert WORDS in detail(consented, who, meeting)
    # She can narrow it again: the mentor loses it on the next request.
    write(consented, meeting, share_with="coordinator")
    assert WORDS not in detail(consented, mentor, meeting)
    assert WORDS not in detail(consented, consented.guardian1.user, meeting)


def test_child_sees_her_choice_shown_back_after_sending(consented, meeting):
    child = consented.client_for(consented.child.user)
    url = reverse("meetings:child_voice", args=[meeting.uuid])
    response = child.post(url, {"feeling": "good", "good_things": "Rasterna"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("meetings:detail", args=[meeting.uuid])
    assert "Det här kan bara din samordnare läsa." in html
    assert "Tack! Nu kan din samordnare läsa det du skrev." in html
    assert "Det här kan alla på mötet läsa." not in html
    # The page speaks to her, not about her.
    assert "Ditt möte" in html
    assert "På mötet träffas du, dina föräldrar" in html
    for about_the_child in ("ditt barn", "Ditt barn", "Skrivet av barnet", "(barnet)", "Möte om Alva"):
        assert about_the_child not in html
    html = child.post(url, {"good_things": "Rasterna", "share_with": "everyone"}, follow=True).content.decode()
    assert "Det här kan alla på mötet läsa." in html
    assert "Tack! Nu kan alla som är med på mötet läsa det du skrev." in html
    assert "Det här kan bara din samordnare läsa." not in html
    # Editing again starts from her own choice, not the default.
    html = child.get(url).content.decode()
    assert checked(html, "everyone")
    assert not checked(html, "coordinator")


def test_bad_choice_is_refused_and_changes_nothing(consented, meeting):
    write(consented, meeting, share_with="coordinator")
    response = consented.client_for(consented.child.user).post(
        reverse("meetings:child_voice", args=[meeting.uuid]), {"good_things": "x", "share_with": "all-agencies"}
    )
    assert response.status_code == 400
    with pytest.raises(services.MeetingError):
        write(consented, meeting, share_with="all-agencies")
    with system_scope():
        assert ChildVoice.objects.get().share_with == ChildVoice.ShareWith.COORDINATOR


def test_existing_voices_become_coordinator_only(consented, meeting):
    voice = write(consented, meeting, share_with="everyone")
    migration = importlib.import_module("meetings.migrations.0005_childvoice_existing_rows_for_coordinator_only")
    migration.narrow_to_coordinator(django_apps, None)
    with system_scope():
        voice.refresh_from_db()
    assert voice.share_with == ChildVoice.ShareWith.COORDINATOR
    with scope(consented.guardian1_viewer):
        assert not ChildVoice.objects.filter(pk=voice.pk).exists()


def test_guardians_log_does_not_reveal_a_coordinator_only_voice(consented, meeting):
    """'Vem har tittat?' would otherwise tell a guardian that the child wrote something
    for the coordinator, and when it was read."""
    voice = write(consented, meeting, share_with="coordinator")
    assert WORDS in detail(consented, consented.coordinator, meeting)  # the read is logged
    log = reverse("accesslog:family", args=[consented.child.uuid])
    thing = "det jag vill säga"
    with system_scope():
        assert AccessLogEntry.objects.filter(object_type="meetings.ChildVoice", object_id=str(voice.uuid)).exists()
    for guardian in (consented.guardian1.user, consented.guardian2.user):
        assert thing not in consented.client_for(guardian).get(log).content.decode()
    with scope(consented.guardian1_viewer):
        assert not AccessLogEntry.objects.filter(object_type="meetings.ChildVoice").exists()
    # She sees who read her words.
    assert thing in consented.client_for(consented.child.user).get(log).content.decode()
    # Shared with everyone, the read is the guardians' to see as well.
    write(consented, meeting, share_with="everyone")
    assert thing in consented.client_for(consented.guardian1.user).get(log).content.decode()
