"""A world grown so that every page a signed-in child can open has something to show:
an upcoming meeting she is invited to (with what she wants to say), a meeting going on
now, a meeting whose minutes are shared with the family, a plan with a mapping, goals
and actions, notifications, and a support-directory entry. Used by the words check
(tests/portal/test_child_words.py) and the browser walk of the child's pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from tests.world import World

ALL_CODES = ["basic", "family", "school", "health", "social", "preparations", "minutes", "plan"]


def grow_for_child(world: World) -> dict[str, Any]:
    """Grow the world; returns the objects the child's pages are about."""
    from cases import services as cases
    from cases.models import TeamMember
    from meetings import services as meetings
    from notifications import services as notes
    from tests.directory.conftest import make_entry
    from tests.meetings.conftest import call_meeting

    world.extras["consent"] = world.grant([world.school, world.health, world.coordination], ALL_CODES)
    with system_scope():
        for membership in (world.school_staff, world.health_staff):
            TeamMember.objects.filter(case=world.case, agency_id=membership.agency_id).update(contact=membership)
        entry = make_entry(world.social, "Föräldrastöd i grupp", age_min=3, age_max=17)

    coordinator = world.coordinator_viewer
    with scope(coordinator):
        upcoming = call_meeting(world)
        live = call_meeting(world, purpose="Hur går det i skolan nu?")
        done = call_meeting(world, purpose="Följa upp planen.")
        cases.plan_update(
            viewer=coordinator,
            case=world.case,
            support_needed="Stöd i skolan och hemma.",
            coordinator_will="Kallar till möten.",
            coordinator_will_not="Bestämmer inte åt familjen.",
        )
        mapping = cases.mapping_entry_create(
            viewer=coordinator,
            case=world.case,
            area="school",
            current_state="Det är stökigt i klassen.",
            desired_state="Lugnt i klassen.",
            is_priority=True,
            written_by_child=True,
        )
        goal = cases.goal_create(viewer=coordinator, case=world.case, text="Alva trivs i skolan.", from_mapping=mapping)
        cases.plan_action_create(
            viewer=coordinator,
            case=world.case,
            description="Skolan ordnar en lugn plats.",
            due_date=timezone.localdate() + timedelta(days=20),
            responsible_agency_id=world.school.pk,
            goal_id=goal.pk,
        )
        meetings.room_start(viewer=coordinator, meeting=live, confirmed=True)
        meetings.room_start(viewer=coordinator, meeting=done, confirmed=True)
        meetings.note_add(viewer=coordinator, meeting=done, text="Det går bättre nu.")
        meetings.room_end(viewer=coordinator, meeting=done, confirmed=True)
        meetings.minutes_share(viewer=coordinator, meeting=done)
    with scope(world.child_viewer):
        meetings.child_voice_save(
            viewer=world.child_viewer,
            meeting=upcoming,
            feeling="ok",
            good_things="Rasterna",
            hard_things="Matten",
            wishes="",
            share_with="coordinator",
        )
    with system_scope():
        for kind in ("meeting.called", "minutes.shared", "case.coordinator_appointed", "consent.requested"):
            notes.notify(recipients=[world.child.user, world.guardian1.user], kind=kind, case=world.case)
    return {"upcoming": upcoming, "live": live, "done": done, "entry": entry}


def child_pages(world: World, grown: dict[str, Any]) -> dict[str, str]:
    """Every page a signed-in child can open (tests/security/routes: the routes that
    answer the child 200), by a short name."""
    case = [world.case.uuid]
    upcoming, live, done = grown["upcoming"].uuid, grown["live"].uuid, grown["done"].uuid
    return {
        "home": reverse("portal:home"),
        "plan": reverse("cases:family_plan", args=case),
        "meetings": reverse("meetings:list"),
        "meeting": reverse("meetings:detail", args=[upcoming]),
        "meeting_live": reverse("meetings:detail", args=[live]),
        "meeting_done": reverse("meetings:detail", args=[done]),
        "child_voice": reverse("meetings:child_voice", args=[upcoming]),
        "room": reverse("meetings:room", args=[live]),
        "minutes": reverse("meetings:minutes", args=[done]),
        "minutes_print": reverse("meetings:minutes_print", args=[done]),
        "notifications": reverse("notifications:list"),
        "notification_settings": reverse("notifications:preferences"),
        "directory": reverse("directory:search"),
        "directory_entry": reverse("directory:detail", args=[grown["entry"].uuid]),
        "consents": reverse("consent:family"),
        "access_log": reverse("accesslog:family", args=[world.child.uuid]),
    }
