"""The API: collaborations, mapping, plan and actions under the same policy and services."""

import pytest

from access.scoping import system_scope
from cases.models import PlanAction

pytestmark = pytest.mark.django_db


def test_coordinator_reads_the_collaboration_mapping_and_plan(planned):
    world = planned
    client = world.client_for(world.coordinator)
    cases = client.get("/api/v1/cases/").json()["results"]
    assert [c["id"] for c in cases] == [str(world.case.uuid)]
    assert cases[0]["coordinator"] == "Sara Samordnare" and "personal_number" not in cases[0]
    mapping = client.get(f"/api/v1/cases/{world.case.uuid}/mapping/").json()
    assert mapping[0]["area"] == "school" and mapping[0]["written_by_family"] is True
    plan = client.get(f"/api/v1/cases/{world.case.uuid}/plan/").json()
    assert plan["support_needed"] == "Anpassad skolgång." and plan["version"] == 4
    assert {a["responsible_agency"]["name"] for a in plan["actions"]} == {"Testskolan", "BUP Test"}
    assert plan["goals"][0]["text"] == "Alva går till skolan."


def test_coordinator_writes_through_the_services(planned):
    world = planned
    client = world.client_for(world.coordinator)
    response = client.post(
        "/api/v1/plan-actions/",
        {
            "case": str(world.case.uuid),
            "description": "Socialtjänsten erbjuder avlösarservice.",
            "due_date": "2030-02-01",
            "responsible_agency": str(world.social.uuid),
            "goal": str(world.extras["goal"].uuid),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    action_id = response.json()["id"]
    response = client.patch(
        f"/api/v1/plan-actions/{action_id}/", {"due_date": "2030-03-01"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["due_date"] == "2030-03-01"
    response = client.put(
        f"/api/v1/cases/{world.case.uuid}/plan/",
        {"support_needed": "Mer stöd.", "coordinator_will_not": "Tar inte över."},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["support_needed"] == "Mer stöd."
    response = client.post(
        "/api/v1/mapping-entries/",
        {"case": str(world.case.uuid), "area": "leisure", "current_state": "Inga kompisar."},
        content_type="application/json",
    )
    assert response.status_code == 201
    response = client.patch(
        f"/api/v1/mapping-entries/{response.json()['id']}/", {"is_priority": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_priority"] is True


def test_bad_input_is_a_400_and_changes_nothing(planned):
    world = planned
    client = world.client_for(world.coordinator)
    before = PlanAction._base_manager.count()
    for body in (
        {"case": str(world.case.uuid), "description": "", "due_date": "2030-02-01", "responsible_person": "X"},
        {"case": str(world.case.uuid), "description": "X", "due_date": "igår", "responsible_person": "X"},
        {"case": str(world.case.uuid), "description": "X", "due_date": "2030-02-01"},
        {"description": "X", "due_date": "2030-02-01", "responsible_person": "X"},
    ):
        response = client.post("/api/v1/plan-actions/", body, content_type="application/json")
        assert response.status_code == 400, body
    assert PlanAction._base_manager.count() == before


def test_the_responsible_agency_reports_status_by_api_with_consent(planned):
    world = planned
    world.grant([world.school], ["basic", "plan"])
    client = world.client_for(world.school_staff)
    school_action = world.extras["school_action"]
    response = client.patch(
        f"/api/v1/plan-actions/{school_action.uuid}/", {"status": "in_progress"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = client.patch(
        f"/api/v1/plan-actions/{school_action.uuid}/", {"description": "Ändrat"}, content_type="application/json"
    )
    assert response.status_code == 403  # she sees it; only the coordinator changes it
    response = client.patch(
        f"/api/v1/plan-actions/{world.extras['health_action'].uuid}/",
        {"status": "done"},
        content_type="application/json",
    )
    assert response.status_code == 403
    with system_scope():
        assert PlanAction.objects.get(pk=world.extras["health_action"].pk).status == "planned"


def test_the_family_reads_the_plan_and_cannot_write(planned):
    world = planned
    client = world.client_for(world.guardian1.user)
    assert client.get(f"/api/v1/cases/{world.case.uuid}/plan/").status_code == 200
    assert [c["id"] for c in client.get("/api/v1/cases/").json()["results"]] == [str(world.case.uuid)]
    response = client.post(
        "/api/v1/plan-actions/",
        {"case": str(world.case.uuid), "description": "X", "due_date": "2030-01-01", "responsible_person": "X"},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.put(f"/api/v1/cases/{world.case.uuid}/plan/", {}, content_type="application/json")
    assert response.status_code == 403
