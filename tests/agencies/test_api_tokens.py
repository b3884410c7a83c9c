"""Personal API keys: bound to one membership, shown once, revocable; the API uses them."""

import pytest
from django.test import Client
from django.urls import reverse

from access.scoping import system_scope
from agencies import services
from portal.models import ApiToken
from tests.world import family_viewer, mark_reauthenticated

pytestmark = pytest.mark.django_db


def _issue(world, membership):
    client = world.client_for(membership)
    mark_reauthenticated(client, membership.user)
    response = client.post(reverse("agencies:api_token_create"), {"name": "Integration"})
    assert response.status_code == 200
    return response.context["new_token"]


def test_token_authenticates_as_its_membership(world):
    raw = _issue(world, world.school_admin)
    with system_scope():
        token = ApiToken.objects.get()
    assert token.key_hash != raw and raw not in token.key_hash  # only a hash is stored
    response = Client().get("/api/v1/staff/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert world.school_staff.user.full_name in names
    assert world.health_staff.user.full_name not in names


def test_bad_or_revoked_token_is_refused(world):
    assert Client().get("/api/v1/staff/", HTTP_AUTHORIZATION="Token svp_nope").status_code == 401
    raw = _issue(world, world.school_admin)
    client = world.client_for(world.school_admin)
    with system_scope():
        token = ApiToken.objects.get()
    assert client.post(reverse("agencies:api_token_revoke", args=[token.uuid])).status_code == 302
    assert Client().get("/api/v1/staff/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_someone_elses_token_cannot_be_revoked(world):
    _issue(world, world.school_admin)
    with system_scope():
        token = ApiToken.objects.get()
    other = world.client_for(world.school_staff)
    assert other.post(reverse("agencies:api_token_revoke", args=[token.uuid])).status_code == 404
    with system_scope():
        assert ApiToken.objects.get().revoked_at is None


def test_token_of_deactivated_membership_stops_working(world):
    raw = _issue(world, world.school_admin)
    with system_scope():
        world.school_admin.is_active = False
        world.school_admin.save()
    assert Client().get("/api/v1/staff/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_creating_a_token_needs_a_name_and_changes_nothing_without(world):
    client = world.client_for(world.school_staff)
    mark_reauthenticated(client, world.school_staff.user)
    response = client.post(reverse("agencies:api_token_create"), {"name": "  "})
    assert response.status_code == 302
    with system_scope():
        assert not ApiToken.objects.exists()


def test_a_viewer_acting_for_no_membership_is_refused_a_key(world):
    viewer = family_viewer(world.guardian1.user)
    with pytest.raises(services.ServiceError):
        services.api_token_issue(viewer=viewer, name="Integration")
    with system_scope():
        assert not ApiToken.objects.exists()
    _issue(world, world.school_admin)
    with system_scope():
        token = ApiToken.objects.get()
    assert services.api_token_revoke(viewer=viewer, token_uuid=str(token.uuid)) is False
    with system_scope():
        assert ApiToken.objects.get().revoked_at is None


def test_openapi_schema_is_published(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"Samverkansportalen API" in response.content
