"""The collaboration page's case query, compiled once per kind of viewer (portal.prepared):
every request binds its own viewer, case and moment, a consent change holds on the next
request, and a query that bakes in a value of its own is refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.policy import visible_to
from access.scoping import scope, system_scope
from cases import selectors_hub
from cases.models import Case, SharedItem
from portal import prepared
from tests.world import category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    prepared.clear()
    yield
    prepared.clear()


def _by_uuid(viewer, values):
    return visible_to(Case, viewer).filter(uuid=values["uuid"])


def test_one_compiled_query_serves_each_viewer_of_a_kind_its_own_rows(world):
    coordinator, stranger = world.coordinator_viewer, world.viewer(world.unrelated_staff)
    assert coordinator.kind == stranger.kind
    with scope(coordinator):
        mine = prepared.rows("t.case", _by_uuid, viewer=coordinator, values={"uuid": world.case.uuid})
    with scope(stranger):
        theirs = prepared.rows("t.case", _by_uuid, viewer=stranger, values={"uuid": world.case.uuid})
    assert [c.pk for c in mine] == [world.case.pk]
    assert theirs == []
    assert len(prepared._cache) == 1 or {k[3] for k in prepared._cache} == {coordinator.role, stranger.role}


def test_the_case_query_binds_the_case_asked_for(world):
    viewer = world.coordinator_viewer
    with scope(viewer):
        first = selectors_hub.case_hub_get(world.case.uuid, viewer=viewer)
        other = selectors_hub.case_hub_get(world.other_case.uuid, viewer=viewer)
        again = selectors_hub.case_hub_get(world.case.uuid, viewer=viewer)
    assert first is not None and first.pk == world.case.pk
    assert again is not None and again.pk == world.case.pk
    assert other is None or other.pk == world.other_case.pk


def test_a_revoked_consent_holds_on_the_next_request(world):
    world.grant([world.health], ["basic"])
    consent = world.grant([world.health], ["school"])
    school = world.client_for(world.school_staff)
    response = school.post(
        reverse("cases:shared_item_create", args=[world.case.uuid]),
        {"category": str(category("school").pk), "title": "Skolans iakttagelser", "body": "Text"},
    )
    assert response.status_code == 302
    client = world.client_for(world.health_staff)
    url = reverse("cases:detail", args=[world.case.uuid])
    assert "Skolans iakttagelser" in client.get(url).content.decode()
    world.decide(consent, world.guardian1, "revoked")
    response = client.get(url)  # the same compiled query, the next request
    assert response.status_code == 200
    assert "Skolans iakttagelser" not in response.content.decode()
    with system_scope():
        assert SharedItem.objects.filter(case=world.case, title="Skolans iakttagelser").exists()


def test_a_moment_baked_into_the_query_is_refused(world):
    cutoff = timezone.now() - timedelta(days=30)

    def since(viewer, values):
        return visible_to(Case, viewer).filter(uuid=values["uuid"], opened_at__gte=cutoff)

    with scope(world.coordinator_viewer), pytest.raises(prepared.PreparedQueryError):
        prepared.rows("t.since", since, viewer=world.coordinator_viewer, values={"uuid": world.case.uuid})


def test_a_viewer_value_outside_the_slots_is_caught_by_the_fresh_compile(world):
    def by_membership(viewer, values):  # reads a viewer value the probe does not carry
        return (
            visible_to(Case, viewer)
            .filter(uuid=values["uuid"], opened_by_id=viewer.user_id or 0)
            .exclude(pk=viewer.membership_id or 0)
        )

    viewer = world.coordinator_viewer
    assert viewer.membership_id
    with scope(viewer), pytest.raises(prepared.PreparedQueryError):
        prepared.rows("t.member", by_membership, viewer=viewer, values={"uuid": world.case.uuid})
