"""Tenant isolation and staff administration."""

import pytest
from django.urls import reverse

from access.scoping import system_scope
from agencies.models import Membership
from tests.world import make_staff, mark_reauthenticated

pytestmark = pytest.mark.django_db


def test_admin_sees_only_own_staff(world):
    client = world.client_for(world.school_admin)
    html = client.get(reverse("agencies:staff")).content.decode()
    assert world.school_staff.user.full_name in html
    assert world.health_staff.user.full_name not in html


def test_admin_cannot_deactivate_other_agencys_staff(world):
    client = world.client_for(world.school_admin)
    mark_reauthenticated(client, world.school_admin.user)
    response = client.post(reverse("agencies:deactivate", args=[world.health_staff.uuid]))
    assert response.status_code == 404
    with system_scope():
        assert Membership.objects.get(pk=world.health_staff.pk).is_active


def test_api_staff_list_is_own_agency_and_foreign_id_is_404(world):
    client = world.client_for(world.school_admin)
    data = client.get("/api/v1/staff/").json()
    names = {row["name"] for row in data["results"]}
    assert world.school_staff.user.full_name in names
    assert world.health_staff.user.full_name not in names
    assert client.get(f"/api/v1/staff/{world.health_staff.uuid}/").status_code == 404
    assert client.get(f"/api/v1/staff/{world.school_staff.uuid}/").status_code == 200


@pytest.mark.parametrize("who", ["school_staff", "coordinator", "health_staff"])
def test_non_admins_of_the_agency_get_404_on_staff_pages(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("agencies:staff")).status_code == 404
    assert client.get("/api/v1/staff/").status_code == 403


def test_deactivation_ends_the_session_at_once(world):
    victim = make_staff(world.school, "Ska Bort")
    victim_client = world.client_for(victim)
    assert victim_client.get("/").status_code == 200
    admin = world.client_for(world.school_admin)
    mark_reauthenticated(admin, world.school_admin.user)
    response = admin.post(reverse("agencies:deactivate", args=[victim.uuid]))
    assert response.status_code == 302
    response = victim_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_invitation_creates_membership_and_requires_totp(world, mailoutbox, django_capture_on_commit_callbacks):
    admin = world.client_for(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("agencies:invite"),
            {"full_name": "Nina Ny", "email": "nina@test.example", "role": "staff", "title": "Mentor"},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = next(word for word in body.split() if "/verksamhet/inbjudan/" in word)
    path = link[link.index("/verksamhet/") :]
    from django.test import Client

    newcomer = Client()
    response = newcomer.post(path, {"password1": "Ett-nytt-bra-losenord-1", "password2": "Ett-nytt-bra-losenord-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert newcomer.get("/").status_code == 302  # TOTP first
    with system_scope():
        assert Membership.objects.filter(user__email="nina@test.example", agency=world.school).exists()


def test_invitation_with_bad_input_changes_nothing(world, mailoutbox):
    admin = world.client_for(world.school_admin)
    response = admin.post(reverse("agencies:invite"), {"full_name": "", "email": "inte-en-adress", "role": "boss"})
    assert response.status_code == 400
    assert mailoutbox == []


def test_switching_agency_is_explicit(world):
    with system_scope():
        second = Membership.objects.create(user=world.coordinator.user, agency=world.social, role="staff")
    client = world.client_for(world.coordinator)
    html = client.get("/").content.decode()
    assert "Samordningsenheten Test" in html
    response = client.post(reverse("agencies:switch"), {"membership": second.pk})
    assert response.status_code == 302
    assert "Socialtjänsten Test" in client.get("/").content.decode()
    # Someone else's membership cannot be chosen.
    response = client.post(reverse("agencies:switch"), {"membership": world.health_staff.pk})
    assert response.status_code == 302
