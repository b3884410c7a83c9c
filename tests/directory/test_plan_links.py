"""Linking directory entries into actions of the joint plan: the coordinator links; the
links are plan data, visible exactly where the plan is (consent for "plan")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import scope, system_scope
from cases.services import plan_action_create
from directory import services
from directory.models import PlanActionLink
from portal.models import AuditEvent
from tests.world import family_viewer, staff_viewer


def _action(world, text="Ansöka om avlastning"):
    with scope(world.coordinator_viewer):
        return plan_action_create(
            viewer=world.coordinator_viewer,
            case=world.case,
            description=text,
            due_date=date.today() + timedelta(days=30),
            responsible_agency_id=world.social.pk,
        )


def _link(viewer, action, entry):
    with scope(viewer):
        return services.plan_action_link(viewer=viewer, action=action, entry=entry)


def test_coordinator_links_an_entry_from_the_directory(world, entries):
    action = _action(world)
    client = world.client_for(world.coordinator)
    url = reverse("directory:link_action", args=[action.uuid])
    page = client.get(url, {"q": "korttid", "tillbaka": f"/samverkan/{world.case.uuid}/"})
    assert page.status_code == 200
    assert "Korttidsvistelse (LSS)" in page.content.decode()
    response = client.post(url, {"stod": entries["respite"].uuid, "tillbaka": f"/samverkan/{world.case.uuid}/"})
    assert response.status_code == 302 and response["Location"] == f"/samverkan/{world.case.uuid}/"
    with system_scope():
        link = PlanActionLink.objects.get()
        assert (link.case, link.action, link.entry) == (world.case, action, entries["respite"])
        assert link.author_agency == world.coordination and link.created_by == world.coordinator.user
        assert AuditEvent.objects.filter(action="plan.support_linked", case_id=world.case.pk).exists()
    # Linking again changes nothing; an outside address to go back to is ignored.
    again = client.post(url, {"stod": entries["respite"].uuid, "tillbaka": "https://evil.example/"})
    assert again.status_code == 302 and again["Location"].startswith("/samverkan/")
    with system_scope():
        assert PlanActionLink.objects.count() == 1


def test_unpublished_entry_cannot_be_linked(world, entries):
    action = _action(world)
    with pytest.raises(services.DirectoryError):
        _link(world.coordinator_viewer, action, entries["hidden"])
    client = world.client_for(world.coordinator)
    client.post(reverse("directory:link_action", args=[action.uuid]), {"stod": entries["hidden"].uuid})
    with system_scope():
        assert not PlanActionLink.objects.exists()


@pytest.mark.parametrize("who", ["school_staff", "health_staff", "social_staff", "unrelated_staff", "school_admin"])
def test_only_the_coordinator_links(world, entries, who):
    action = _action(world)
    world.grant([world.health, world.social], ["basic", "plan"])
    client = world.client_for(getattr(world, who))
    url = reverse("directory:link_action", args=[action.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"stod": entries["respite"].uuid}).status_code == 404
    with system_scope():
        assert not PlanActionLink.objects.exists()


def test_family_cannot_link(world, entries):
    action = _action(world)
    client = world.client_for(world.guardian1.user)
    assert (
        client.post(reverse("directory:link_action", args=[action.uuid]), {"stod": entries["respite"].uuid}).status_code
        == 404
    )
    with system_scope():
        assert not PlanActionLink.objects.exists()


def test_links_are_as_visible_as_the_plan(world, entries):
    action = _action(world)
    _link(world.coordinator_viewer, action, entries["respite"])
    health = staff_viewer(world.health_staff)
    with scope(health):
        assert not PlanActionLink.objects.exists()  # no consent yet
    world.grant([world.health], ["basic"])
    with scope(health):
        assert not PlanActionLink.objects.exists()  # the case, but not the plan
    world.grant([world.health], ["basic", "plan"])
    with scope(health):
        assert PlanActionLink.objects.count() == 1
    with scope(staff_viewer(world.unrelated_staff)):
        assert not PlanActionLink.objects.exists()
    with scope(family_viewer(world.guardian1.user)):
        assert PlanActionLink.objects.count() == 1
    with scope(family_viewer(world.other_guardian.user)):
        assert not PlanActionLink.objects.exists()


def _render(world, viewer, user, actions):
    """The plan view's read of the panel (directory/panels.py), then the include for each
    action, which starts no query of its own."""
    from directory.panels import plan
    from tests.template_queries import no_template_queries

    request = RequestFactory().get(f"/samverkan/{world.case.uuid}/")
    request.user = user
    template = Template("{% for action in actions %}{% include 'directory/_plan_action_links.html' %}{% endfor %}")
    with scope(viewer):
        context = {"actions": actions, "viewer": viewer, "request": request, **plan(viewer, case=world.case)}
        with no_template_queries():
            return template.render(Context(context))


def test_plan_include_shows_links_with_a_fixed_number_of_queries(world, entries):
    actions = [_action(world, f"Insats {i}") for i in range(5)]
    for action in actions:
        _link(world.coordinator_viewer, action, entries["respite"])
    with CaptureQueriesContext(connection) as one:
        html_one = _render(world, world.coordinator_viewer, world.coordinator.user, actions[:1])
    with CaptureQueriesContext(connection) as five:
        html = _render(world, world.coordinator_viewer, world.coordinator.user, actions)
    assert len(one) == len(five) <= 2
    assert html.count(">Korttidsvistelse (LSS)</a>") == 5 and "Koppla stöd från stödkatalogen" in html
    assert "Korttidsvistelse (LSS)" in html_one
    family_html = _render(world, family_viewer(world.guardian1.user), world.guardian1.user, actions)
    assert "Korttidsvistelse (LSS)" in family_html and "Koppla stöd" not in family_html and "Ta bort" not in family_html


def test_coordinator_unlinks_others_get_404(world, entries):
    action = _action(world)
    link = _link(world.coordinator_viewer, action, entries["respite"])
    world.grant([world.health], ["basic", "plan"])
    url = reverse("directory:unlink_action", args=[link.uuid])
    assert world.client_for(world.health_staff).post(url).status_code == 404
    assert world.client_for(world.unrelated_staff).post(url).status_code == 404
    with system_scope():
        assert PlanActionLink.objects.exists()
    assert world.client_for(world.coordinator).post(url).status_code == 302
    with system_scope():
        assert not PlanActionLink.objects.exists()
        assert AuditEvent.objects.filter(action="plan.support_unlinked").exists()
