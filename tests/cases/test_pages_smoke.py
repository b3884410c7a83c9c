"""Every collaboration page renders for the coordinator (a smoke test of the templates)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_staff_page_renders_for_the_coordinator(planned):
    world = planned
    client = world.client_for(world.coordinator)
    case = world.case
    for name in [
        "detail",
        "family",
        "appoint",
        "handover",
        "team",
        "mapping",
        "plan",
        "plan_history",
        "family_plan",
        "concern",
        "shared_item_create",
        "close",
    ]:
        response = client.get(reverse(f"cases:{name}", args=[case.uuid]), follow=True)
        assert response.status_code == 200, name
    for name in ["list", "caseload", "open"]:
        assert client.get(reverse(f"cases:{name}")).status_code == 200
    assert (
        client.get(reverse("cases:action_edit", args=[case.uuid, world.extras["school_action"].uuid])).status_code
        == 200
    )
    assert client.get(reverse("cases:goal_edit", args=[case.uuid, world.extras["goal"].uuid])).status_code == 200
    assert client.get(reverse("cases:mapping_edit", args=[case.uuid, world.extras["entry"].uuid])).status_code == 200
    assert client.get("/").status_code == 200


def test_family_pages_render(planned):
    world = planned
    client = world.client_for(world.guardian1.user)
    assert client.get(reverse("cases:family_plan", args=[world.case.uuid])).status_code == 200
    assert client.get("/").status_code == 200
