"""Consent API: list/detail under the policy, staff recording paper/oral answers, related
fields limited by the policy, and OPTIONS revealing nothing."""

import pytest

from access.scoping import system_scope
from consent.models import ConsentDecision

pytestmark = pytest.mark.django_db


def test_list_shows_only_consents_the_caller_may_see(world):
    consent = world.grant([world.health], ["basic", "school"])
    other = world.request_consent([world.social], ["basic"])
    health = world.client_for(world.health_staff).get("/api/v1/consents/").json()
    assert [row["id"] for row in health["results"]] == [str(consent.uuid)]
    assert "parties" not in health["results"][0]  # who said what is for managers and the family
    assert health["results"][0]["state"] == "effective"
    coordinator = world.client_for(world.coordinator).get(f"/api/v1/consents/?case={world.case.uuid}").json()
    assert {row["id"] for row in coordinator["results"]} == {str(consent.uuid), str(other.uuid)}
    assert {p["answer"] for p in coordinator["results"][0]["parties"]} <= {"granted", None}
    unrelated = world.client_for(world.unrelated_staff).get(f"/api/v1/consents/?case={world.case.uuid}").json()
    assert unrelated["results"] == []
    guardian = world.client_for(world.guardian1.user).get("/api/v1/consents/").json()
    assert len(guardian["results"]) == 2
    assert world.client_for(world.other_guardian.user).get("/api/v1/consents/").json()["results"] == []
    assert world.client_for(world.child.user).get("/api/v1/consents/").json()["results"] == []  # 10: not asked


def test_detail_is_404_for_missing_and_forbidden_alike(world):
    consent = world.grant([world.health], ["basic", "school"])
    url = f"/api/v1/consents/{consent.uuid}/"
    assert world.client_for(world.health_staff).get(url).status_code == 200
    assert world.client_for(world.social_staff).get(url).status_code == 404
    assert world.client_for(world.unrelated_staff).get(url).status_code == 404
    assert (
        world.client_for(world.social_staff).get("/api/v1/consents/00000000-0000-0000-0000-000000000000/").status_code
        == 404
    )
    from django.test import Client

    assert Client().get(url).status_code in {401, 403}


def test_staff_record_paper_and_oral_answers(world):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.coordinator)
    url = f"/api/v1/consents/{consent.uuid}/decisions/"
    ok = client.post(
        url,
        {"party": str(world.guardian1.uuid), "decision": "granted", "method": "paper"},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    oral = client.post(
        url,
        {
            "party": str(world.guardian2.uuid),
            "decision": "granted",
            "method": "oral",
            "oral_to": str(world.coordinator.uuid),
        },
        content_type="application/json",
    )
    assert oral.status_code == 201, oral.content
    with system_scope():
        assert list(ConsentDecision.objects.order_by("id").values_list("method", flat=True)) == ["paper", "oral"]


def test_related_choices_are_limited_by_the_policy(world):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.coordinator)
    url = f"/api/v1/consents/{consent.uuid}/decisions/"
    # A staff member of another agency is "not found" as oral receiver.
    response = client.post(
        url,
        {
            "party": str(world.guardian1.uuid),
            "decision": "granted",
            "method": "oral",
            "oral_to": str(world.health_staff.uuid),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "oral_to" in response.json()
    # Another family's guardian is not a party.
    response = client.post(
        url,
        {"party": str(world.other_guardian.uuid), "decision": "granted", "method": "paper"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "party" in response.json()
    with system_scope():
        assert ConsentDecision.objects.count() == 0


def test_non_managers_and_family_cannot_record(world):
    consent = world.grant([world.health], ["basic", "school"])
    url = f"/api/v1/consents/{consent.uuid}/decisions/"
    body = {"party": "child", "decision": "revoked", "method": "paper"}
    # Healthcare sees the consent (a recipient) but does not manage the case: 403, not 404.
    response = world.client_for(world.health_staff).post(url, body, content_type="application/json")
    assert response.status_code == 403 and "Bara samordnaren" in response.json()["detail"]
    assert world.client_for(world.unrelated_staff).post(url, body, content_type="application/json").status_code == 404
    assert world.client_for(world.guardian1.user).post(url, body, content_type="application/json").status_code == 403


def test_options_reveals_nothing(world):
    consent = world.grant([world.health], ["basic", "school"])
    for who in (world.coordinator, world.unrelated_staff):
        client = world.client_for(who)
        for url in (
            "/api/v1/consents/",
            f"/api/v1/consents/{consent.uuid}/",
            f"/api/v1/consents/{consent.uuid}/decisions/",
        ):
            response = client.options(url)
            assert response.status_code == 405
            assert "oral_to" not in response.content.decode() and "Testskolan" not in response.content.decode()


def test_list_query_count_is_fixed(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client_for(world.coordinator)
    world.grant([world.health], ["school"])
    client.get("/api/v1/consents/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/consents/")
    for _ in range(5):
        world.grant([world.health, world.social], ["school", "basic"])
    with CaptureQueriesContext(connection) as six:
        assert len(client.get("/api/v1/consents/").json()["results"]) == 6
    assert len(six) == len(one)
