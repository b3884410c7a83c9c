"""Fixtures for the meeting tests: a world where the school and healthcare have consent
and social services (in the team) has none, and a helper to call a meeting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from django.utils import timezone

from access.scoping import scope, system_scope
from agencies.models import Membership
from cases.models import TeamMember
from consent.rules import STOCKHOLM
from meetings import services
from meetings.models import Meeting
from tests.world import World

T = TypeVar("T")

ALL_CODES = ["basic", "family", "school", "health", "social", "preparations", "minutes", "plan"]


def at(days: int, hour: int = 13, minute: int = 0) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute), tzinfo=STOCKHOLM)


def call_meeting(world: World, **overrides: Any) -> Meeting:
    kwargs: dict[str, Any] = {
        "viewer": world.coordinator_viewer,
        "case": world.case,
        "purpose": "Planera stödet i skolan tillsammans.",
        "starts_at": at(7),
        "ends_at": at(7, 14, 30),
        "place": "Testskolan, rum 12",
        "agenda": ["Hur går det?", "Nästa steg"],
        "agency_ids": [world.school.pk, world.health.pk],
        "invite_child": True,
    }
    kwargs.update(overrides)
    return act(services.meeting_call, **kwargs)


def act(service: Callable[..., T], **kwargs: Any) -> T:
    """Call `service` as its view does: inside the scope of the `viewer` it is given
    (the middleware's), so the test says whose eyes every call runs with."""
    with scope(kwargs["viewer"]):
        return service(**kwargs)


def name_contact(world: World, membership: Membership) -> None:
    """Name `membership` as its agency's contact person in the case's team."""
    with system_scope():
        TeamMember.objects.filter(case=world.case, agency_id=membership.agency_id).update(contact=membership)


@pytest.fixture
def consented(world: World) -> World:
    """School and healthcare (and the coordinating unit) under an effective consent for
    every category; social services is in the team without any consent. The school's
    contact person in the team is Rut Rektor (school_staff), healthcare's Hanna Hälsa
    (health_staff): invitations reach them, not their colleagues (DESIGN rule 20)."""
    world.extras["consent"] = world.grant([world.school, world.health, world.coordination], ALL_CODES)
    name_contact(world, world.school_staff)
    name_contact(world, world.health_staff)
    return world


@pytest.fixture
def meeting(consented: World, django_capture_on_commit_callbacks: Any) -> Meeting:
    with django_capture_on_commit_callbacks(execute=True):
        return call_meeting(consented)
