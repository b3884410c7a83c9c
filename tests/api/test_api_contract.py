"""The API's contract in particular: the shapes the schema once got wrong, the security
alternatives, `page_size` and the status codes of refusals (403 once the object is seen,
404 when it is missing or invisible)."""

from __future__ import annotations

from typing import Any

import pytest

from access.scoping import system_scope
from cases.models import Plan
from cases.services.plan import PLAN_ONLY_COORDINATOR
from tests.meetings.conftest import ALL_CODES, call_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock(), system_scope():
        return SchemaGenerator().get_schema(request=None, public=True)


def _ref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _body(schema: dict[str, Any], path: str, method: str, code: str = "200") -> dict[str, Any]:
    return schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


def test_session_and_token_are_alternatives(schema):
    for item in schema["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["security"] in ([{"sessionAuth": []}, {"tokenAuth": []}], [{}]), operation["operationId"]
    assert schema["paths"]["/api/v1/cases/"]["get"]["security"] == [{"sessionAuth": []}, {"tokenAuth": []}]


def test_every_operation_documents_its_errors(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            if operation["security"] != [{}]:
                assert {"401", "403"} <= codes, (method, path)
            if "{" in path or "requestBody" in operation:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "400" in codes, (method, path)
    error = _ref(schema, _body(schema, "/api/v1/cases/{uuid}/", "get", "404"))
    assert error["properties"]["detail"]["type"] == "string"


def test_mapping_plan_and_minutes_are_documented_as_they_answer(schema):
    mapping = _body(schema, "/api/v1/cases/{uuid}/mapping/", "get")
    assert mapping["type"] == "array" and _ref(schema, mapping["items"])["properties"]["area"]
    plan = _ref(schema, _body(schema, "/api/v1/cases/{uuid}/plan/", "get"))
    assert {"version", "goals", "actions", "support_needed"} <= set(plan["properties"])
    put = schema["paths"]["/api/v1/cases/{uuid}/plan/"]["put"]
    assert _ref(schema, put["requestBody"]["content"]["application/json"]["schema"])["properties"].keys() >= {
        "support_needed",
        "overall_principal",
    }
    minutes = _ref(schema, _body(schema, "/api/v1/meetings/{uuid}/minutes/", "get"))
    assert set(minutes["properties"]) == {"meeting", "shared_at", "notes", "decisions"}


def test_reschedule_documents_its_input_not_the_meeting(schema):
    operation = schema["paths"]["/api/v1/meetings/{uuid}/reschedule/"]["post"]
    body = _ref(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"purpose", "starts_at", "ends_at", "place", "video_link", "preparation_due_at"}
    assert _ref(schema, _body(schema, "/api/v1/meetings/{uuid}/reschedule/", "post"))["properties"]["agenda"]


def test_page_size_is_a_whole_number_in_range(world):
    client = world.client_for(world.coordinator)
    assert client.get("/api/v1/cases/?page_size=5").status_code == 200
    for bad in ("abc", "0", "-1", "201", "1.5", ""):
        response = client.get(f"/api/v1/cases/?page_size={bad}")
        assert response.status_code == 400, bad
        assert "page_size" in response.json()


def test_live_shapes_of_mapping_plan_and_minutes(world):
    world.grant([world.school, world.health], ALL_CODES)
    meeting = call_meeting(world)
    client = world.client_for(world.coordinator)
    mapping = client.get(f"/api/v1/cases/{world.case.uuid}/mapping/")
    assert mapping.status_code == 200 and isinstance(mapping.json(), list)
    plan = client.get(f"/api/v1/cases/{world.case.uuid}/plan/").json()
    assert plan["case"] == str(world.case.uuid) and plan["version"] == 0 and plan["actions"] == []
    minutes = client.get(f"/api/v1/meetings/{meeting.uuid}/minutes/").json()
    assert set(minutes) == {"meeting", "shared_at", "notes", "decisions"}


def test_a_visible_non_coordinator_is_refused_the_plan_with_403(world):
    client = world.client_for(world.school_staff)
    url = f"/api/v1/cases/{world.case.uuid}/plan/"
    assert client.get(url).status_code == 200  # she sees it
    response = client.put(url, {"support_needed": "Mer stöd."}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == str(PLAN_ONLY_COORDINATOR)
    with system_scope():
        assert not Plan.objects.filter(case=world.case).exists()


def test_an_invisible_or_missing_case_is_404_not_403(world):
    client = world.client_for(world.unrelated_staff)
    url = f"/api/v1/cases/{world.case.uuid}/plan/"
    assert client.get(url).status_code == 404
    assert client.put(url, {"support_needed": "x"}, content_type="application/json").status_code == 404
    missing = "/api/v1/cases/00000000-0000-0000-0000-000000000001/plan/"
    coordinator = world.client_for(world.coordinator)
    assert coordinator.put(missing, {"support_needed": "x"}, content_type="application/json").status_code == 404


def test_the_coordinator_may_change_the_plan(world):
    client = world.client_for(world.coordinator)
    response = client.put(
        f"/api/v1/cases/{world.case.uuid}/plan/", {"support_needed": "Mer stöd."}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["support_needed"] == "Mer stöd."
