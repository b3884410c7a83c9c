"""The benchmark's plain reference page (web/benchref.py): 404 unless `make bench`
turned it on; then only for staff, and only their own agency's collaborations."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_plain_page_is_not_served_outside_the_benchmark(world: World) -> None:
    url = reverse("portal:plain_reference")
    for who in (world.coordinator, world.school_staff, world.guardian1.user):
        assert world.client_for(who).get(url).status_code == 404


@override_settings(PORTAL_BENCH_PAGES=True)
def test_under_the_benchmark_staff_see_their_own_agencys_collaborations_only(world: World) -> None:
    url = reverse("portal:plain_reference")
    opener = world.client_for(world.school_staff).get(url)
    assert opener.status_code == 200
    assert world.child.first_name in opener.content.decode()
    assert world.other_child.first_name not in opener.content.decode()
    for who in (world.unrelated_staff, world.health_staff, world.coordinator):
        page = world.client_for(who).get(url)
        assert page.status_code == 200
        assert world.child.first_name not in page.content.decode()
    assert world.client_for(world.guardian1.user).get(url).status_code == 404
