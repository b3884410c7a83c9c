"""Access negatives, generated from the URL configuration: every collaboration page and
API object is a 404 for the agency without consent, the unrelated agency and the
unrelated family; the child's own family reaches only the family's plan."""

import pytest
from django.urls import URLPattern, reverse

from access.scoping import scope, system_scope
from cases import services, urls
from cases.models import ExternalContact, TeamMember
from tests.world import category

pytestmark = pytest.mark.django_db

# Routes not tied to one collaboration, and what each persona gets.
NOT_CASE_ROUTES = {"list": "staff", "caseload": "staff", "open": "staff", "join": "guardian"}
FAMILY_ROUTES = {"family_plan"}


def _objects(world):
    case = world.case
    sara = world.coordinator_viewer
    school = world.viewer(world.school_staff)
    with scope(school):
        item = services.shared_item_create(
            viewer=school, case=case, category_id=category("basic").pk, title="Delat", body="B"
        )
    with scope(sara):
        external = services.external_contact_add(viewer=sara, case=case, organisation="FK", name="Handläggare")
    with system_scope():
        member = TeamMember.objects.get(case=case, agency=world.health)
        assert ExternalContact.objects.filter(pk=external.pk).exists()
    return {
        "case_uuid": case.uuid,
        "guardian_uuid": world.guardian1.uuid,
        "member_uuid": member.uuid,
        "contact_uuid": external.uuid,
        "entry_uuid": world.extras["entry"].uuid,
        "goal_uuid": world.extras["goal"].uuid,
        "action_uuid": world.extras["health_action"].uuid,
        "item_uuid": item.uuid,
    }


def _case_routes(world):
    objects = _objects(world)
    routes = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = list(pattern.pattern.converters)
        if not names:
            assert pattern.name in NOT_CASE_ROUTES, f"new route without an access expectation: {pattern.name}"
            continue
        assert "case_uuid" in names, f"new route without an access expectation: {pattern.name}"
        routes.append((pattern.name, reverse(f"cases:{pattern.name}", kwargs={n: objects[n] for n in names})))
    return routes


@pytest.mark.parametrize("who", ["unrelated_staff", "health_staff", "social_staff", "other_guardian"])
def test_outsiders_get_404_on_every_collaboration_page(planned, who):
    world = planned
    routes = _case_routes(world)
    person = getattr(world, who)
    client = world.client_for(person if who.endswith("staff") else person.user)
    for name, url in routes:
        assert client.get(url).status_code == 404, (who, name, "GET")
        assert client.post(url, {"status": "done", "reason": "goals_met"}).status_code == 404, (who, name, "POST")


def test_the_childs_family_reaches_only_the_familys_plan(planned):
    world = planned
    for person in (world.guardian1.user, world.guardian2.user, world.child.user):
        client = world.client_for(person)
        for name, url in _case_routes(world):
            expected = 200 if name in FAMILY_ROUTES else 404
            assert client.get(url).status_code == expected, name
        for name, persona in NOT_CASE_ROUTES.items():
            guardian = persona == "guardian" and person != world.child.user
            assert client.get(reverse(f"cases:{name}")).status_code == (200 if guardian else 404), name


def test_a_guardian_without_custody_sees_nothing(planned):
    world = planned
    with system_scope():
        from cases.models import Guardianship

        Guardianship.objects.filter(child=world.child, guardian=world.guardian2).update(has_custody=False)
    client = world.client_for(world.guardian2.user)
    assert client.get(reverse("cases:family_plan", args=[world.case.uuid])).status_code == 404
    assert "Alva" not in client.get("/").content.decode()


def test_lists_do_not_leak_to_outsiders(planned):
    world = planned
    for member in (world.unrelated_staff, world.health_staff):
        client = world.client_for(member)
        for name in NOT_CASE_ROUTES:
            html = client.get(reverse(f"cases:{name}")).content.decode()
            assert "Alva" not in html and str(world.case.uuid) not in html, (member, name)


def test_anonymous_gets_nothing(planned):
    from django.test import Client

    client = Client()
    for _name, url in _case_routes(planned):
        assert client.get(url).status_code in (302, 404)
    assert client.get("/api/v1/cases/").status_code in (401, 403)


API_OBJECTS = [
    "/api/v1/cases/{case}/",
    "/api/v1/cases/{case}/plan/",
    "/api/v1/cases/{case}/mapping/",
    "/api/v1/plan-actions/{action}/",
    "/api/v1/mapping-entries/{entry}/",
]


@pytest.mark.parametrize("who", ["unrelated_staff", "health_staff", "other_guardian"])
def test_outsiders_get_404_on_every_api_object_and_nothing_in_lists(planned, who):
    world = planned
    person = getattr(world, who)
    client = world.client_for(person if who.endswith("staff") else person.user)
    ids = {
        "case": world.case.uuid,
        "action": world.extras["health_action"].uuid,
        "entry": world.extras["entry"].uuid,
    }
    for template in API_OBJECTS:
        assert client.get(template.format(**ids)).status_code == 404, template
    for url in ("/api/v1/cases/", f"/api/v1/plan-actions/?case={world.case.uuid}", "/api/v1/mapping-entries/"):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        if response.status_code == 200:
            assert str(world.case.uuid) not in response.content.decode(), url
    if who.endswith("staff"):
        response = client.post(
            "/api/v1/plan-actions/",
            {"case": str(world.case.uuid), "description": "X", "due_date": "2030-01-01", "responsible_person": "X"},
            content_type="application/json",
        )
        assert response.status_code == 404
        response = client.patch(
            f"/api/v1/plan-actions/{world.extras['health_action'].uuid}/",
            {"status": "done"},
            content_type="application/json",
        )
        assert response.status_code == 404


def _foreign_objects(world):
    """The same kinds of objects, on the other family's collaboration."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import MappingEntry, PlanAction, PlanGoal, SharedItem

    other, author = world.other_case, world.unrelated
    with system_scope():
        member, _created = TeamMember.objects.get_or_create(case=other, agency=author)
        return {
            "guardian_uuid": world.other_guardian.uuid,
            "member_uuid": member.uuid,
            "contact_uuid": ExternalContact.objects.create(case=other, organisation="FK", name="H").uuid,
            "entry_uuid": MappingEntry.objects.create(
                case=other, author_agency=author, area="school", category=category("school"), current_state="X"
            ).uuid,
            "goal_uuid": PlanGoal.objects.create(case=other, author_agency=author, text="Mål").uuid,
            "action_uuid": PlanAction.objects.create(
                case=other,
                author_agency=author,
                description="Insats",
                due_date=timezone.localdate() + timedelta(days=3),
                responsible_person="Olga",
            ).uuid,
            "item_uuid": SharedItem.objects.create(
                case=other, author_agency=author, category=category("basic"), title="T", body="B"
            ).uuid,
        }


@pytest.mark.parametrize("who", ["coordinator", "school_staff"])
def test_foreign_ids_are_404_on_every_route_even_inside_ones_own_collaboration(planned, who):
    """The other family's objects, with the other case's id or with one's own case's id."""
    world = planned
    own = _objects(world)
    foreign = _foreign_objects(world)
    client = world.client_for(getattr(world, who))
    for pattern in urls.urlpatterns:
        names = list(pattern.pattern.converters)
        if not names:
            continue
        variants = [{n: foreign[n] if n != "case_uuid" else world.other_case.uuid for n in names}]
        if len(names) > 1:  # own case, foreign object
            variants.append({n: own[n] if n == "case_uuid" else foreign[n] for n in names})
        for kwargs in variants:
            url = reverse(f"cases:{pattern.name}", kwargs=kwargs)
            assert client.get(url).status_code == 404, (pattern.name, url)
            assert client.post(url, {"status": "done", "contact": ""}).status_code == 404, (pattern.name, url)
