"""Fixtures for the collaboration tests: Luhn-valid personal numbers and a case with a
mapping and a plan, made through the services."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, LifeArea
from cases.personnummer import with_check_digit
from tests.world import World

_serial = itertools.count(101)


def valid_pnr(born: date = date(2016, 8, 15)) -> str:
    """A personal number with a correct check digit (unique per call)."""
    return with_check_digit(f"{born:%Y%m%d}-{next(_serial) % 1000:03d}")


@pytest.fixture
def planned(world: World) -> World:
    """The world's case with a mapping entry, a goal and two actions owned by two agencies
    (school and healthcare), made by the coordinator."""
    sara = world.coordinator_viewer
    case = world.case
    entry = services.mapping_entry_create(
        viewer=sara,
        case=case,
        area=LifeArea.SCHOOL,
        current_state="Alva är hemma de flesta dagar.",
        desired_state="Alva går till skolan tre dagar i veckan.",
        is_priority=True,
        written_by_guardian_id=world.guardian1.pk,
    )
    goal = services.goal_create(viewer=sara, case=case, text="Alva går till skolan.", from_mapping=entry)
    services.plan_update(
        viewer=sara,
        case=case,
        support_needed="Anpassad skolgång.",
        coordinator_will="Kallar till möten.",
        coordinator_will_not="Tar inte över vårdnadshavarnas ansvar.",
        overall_principal_id=world.municipality.pk,
    )
    today = timezone.localdate()
    school_action = services.plan_action_create(
        viewer=sara,
        case=case,
        description="Liten undervisningsgrupp.",
        due_date=today + timedelta(days=14),
        responsible_agency_id=world.school.pk,
        goal_id=goal.pk,
    )
    health_action = services.plan_action_create(
        viewer=sara,
        case=case,
        description="Bedömningssamtal på BUP.",
        due_date=today + timedelta(days=30),
        responsible_agency_id=world.health.pk,
    )
    world.extras.update(entry=entry, goal=goal, school_action=school_action, health_action=health_action)
    return world


def page_queries(client: Any, url: str) -> tuple[int, str]:
    """Queries of one page view, and its HTML.

    The access log is appended with one bulk INSERT per request, which SQLite splits into
    batches by its parameter limit (one more INSERT per ~40 rows read); those batches
    are not counted, so the figure compares the page's own reads on every database.
    """
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    own = [q for q in ctx.captured_queries if not q["sql"].startswith('INSERT INTO "portal_accesslogentry"')]
    return len(own), response.content.decode()


def open_case(world: World, **kwargs: object) -> Case:
    defaults = {
        "personal_number": valid_pnr(),
        "first_name": "Vera",
        "last_name": "Andersson",
        "need_description": "Vera behöver stöd.",
    }
    defaults.update(kwargs)
    return services.case_open(viewer=world.viewer(world.school_staff), **defaults)  # type: ignore[arg-type]
