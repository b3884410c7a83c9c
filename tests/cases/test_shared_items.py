"""Shared items: written by one agency, read by another only while consent covers
(that agency, the item's category)."""

import pytest
from django.urls import reverse

from access.scoping import system_scope
from cases.models import SharedItem
from consent import services as consent_services
from tests.world import category

pytestmark = pytest.mark.django_db


def _share(world, code="health", title="Sömn och oro"):
    client = world.client_for(world.school_staff)
    response = client.post(
        reverse("cases:shared_item_create", args=[world.case.uuid]),
        {"category": str(category(code).pk), "title": title, "body": "Elevhälsan har sett att Alva sover dåligt."},
    )
    assert response.status_code == 302
    with system_scope():
        return SharedItem.objects.get(title=title)


def test_school_shares_and_healthcare_reads_only_while_consent_covers_it(world):
    item = _share(world)
    assert item.author_agency_id == world.school.pk and item.created_by_id == world.school_staff.user_id
    url = reverse("cases:shared_item_detail", args=[world.case.uuid, item.uuid])
    health = world.client_for(world.health_staff)
    assert health.get(url).status_code == 404
    world.grant([world.health], ["school"])  # another category is not enough
    assert health.get(url).status_code == 404
    consent = world.grant([world.health], ["health"])
    html = health.get(url).content.decode()
    assert "Alva sover dåligt" in html and "Testskolan" in html
    # Without the basic category the child's name is not shown next to the item.
    assert "Alva Testsson" not in html
    with system_scope():
        consent_services.decision_record(
            viewer=world.coordinator_viewer,
            consent=consent,
            party=consent_services.Party(guardian_id=world.guardian2.pk),
            decision="revoked",
            method="paper",
        )
    assert health.get(url).status_code == 404


def test_the_hub_lists_only_the_items_the_viewer_may_see(world):
    _share(world, "health", "Hälsoinfo")
    _share(world, "school", "Skolinfo")
    world.grant([world.health], ["basic", "school"])
    html = world.client_for(world.health_staff).get(reverse("cases:detail", args=[world.case.uuid])).content.decode()
    assert "Skolinfo" in html and "Hälsoinfo" not in html


def test_bad_input_shares_nothing(world):
    client = world.client_for(world.school_staff)
    url = reverse("cases:shared_item_create", args=[world.case.uuid])
    assert client.post(url, {"category": "", "title": "T", "body": "B"}).status_code == 400
    assert client.post(url, {"category": "999999", "title": "T", "body": "B"}).status_code == 400
    assert client.post(url, {"category": str(category("school").pk), "title": "", "body": "B"}).status_code == 400
    assert SharedItem._base_manager.count() == 0


def test_an_agency_without_access_to_the_case_cannot_share_into_it(world):
    client = world.client_for(world.unrelated_staff)
    url = reverse("cases:shared_item_create", args=[world.case.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"category": str(category("school").pk), "title": "T", "body": "B"}).status_code == 404
    assert SharedItem._base_manager.count() == 0
