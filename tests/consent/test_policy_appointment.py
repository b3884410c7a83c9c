"""The child's wish in their own words is for the agencies running the collaboration and
the family — not for every agency that may see basic details."""

import pytest

from access import policy
from cases.models import Case, CoordinatorAppointment

pytestmark = pytest.mark.django_db


def test_agency_with_basic_consent_sees_case_but_not_the_childs_wish(world):
    world.grant([world.health], ["basic"])
    health = world.viewer(world.health_staff)
    assert policy.visible_to(Case, health).filter(pk=world.case.pk).exists()
    assert not policy.visible_to(CoordinatorAppointment, health).filter(case=world.case).exists()


@pytest.mark.parametrize("who", ["coordinator", "school_staff"])
def test_running_agencies_see_the_appointment(world, who):
    viewer = world.viewer(getattr(world, who))
    assert policy.visible_to(CoordinatorAppointment, viewer).filter(case=world.case).exists()


def test_family_sees_the_appointment_and_a_stranger_does_not(world):
    assert policy.visible_to(CoordinatorAppointment, world.guardian1_viewer).filter(case=world.case).exists()
    assert not policy.visible_to(CoordinatorAppointment, world.viewer(world.unrelated_staff)).exists()


def test_case_page_names_the_coordinator_for_a_consenting_agency(world):
    world.grant([world.health], ["basic"])
    client = world.client_for(world.health_staff)
    html = client.get(f"/samverkan/{world.case.uuid}/").content.decode()
    assert world.coordinator.user.full_name in html
    assert "Ingen samordnare är utsedd" not in html
