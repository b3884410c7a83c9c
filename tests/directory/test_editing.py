"""Editing the directory: only admins of the agency that keeps an entry; others get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from directory import services
from directory.models import NeedKind, SupportEntry
from portal.models import AuditEvent


def _form(world, **extra):
    data = {
        "name": "Familjebehandling",
        "summary": "Samtal med hela familjen.",
        "for_whom": "Familjer med barn 0–17 år.",
        "how_to_apply": "Ring socialtjänsten.",
        "provider": "Socialtjänsten Test",
        "phone": "016-12 34 56",
        "age_min": 0,
        "age_max": 17,
        "needs": [NeedKind.objects.get(code="parenting").pk],
        "principal": world.municipality.pk,
        "municipalities": [world.municipality.pk],
    }
    data.update(extra)
    return data


def test_agency_admin_adds_an_entry_that_everyone_can_read(world):
    client = world.client_for(world.school_admin)
    response = client.post(reverse("directory:manage_create"), _form(world))
    assert response.status_code == 302
    entry = SupportEntry.objects.get(name="Familjebehandling")
    assert entry.agency == world.school and entry.is_published
    assert AuditEvent.objects.filter(action="directory.entry_created", object_id=str(entry.uuid)).exists()
    assert Client().get(reverse("directory:detail", args=[entry.uuid])).status_code == 200


def test_admin_edits_and_unpublishes_own_entry(world, entries):
    client = world.client_for(world.health_admin)
    entry = entries["bup"]
    assert entry.name in client.get(reverse("directory:manage")).content.decode()
    response = client.post(
        reverse("directory:manage_edit", args=[entry.uuid]), _form(world, name="Första linjen – ny text")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "Första linjen – ny text" and "ny text" in entry.search_text
    client.post(reverse("directory:manage_publish", args=[entry.uuid]), {"publicerad": "0"})
    entry.refresh_from_db()
    assert not entry.is_published
    assert Client().get(reverse("directory:detail", args=[entry.uuid])).status_code == 404
    client.post(reverse("directory:manage_publish", args=[entry.uuid]), {"publicerad": "1"})
    entry.refresh_from_db()
    assert entry.is_published


def test_admin_of_another_agency_gets_404_and_changes_nothing(world, entries):
    entry = entries["parenting"]  # kept by social services
    client = world.client_for(world.health_admin)
    assert client.get(reverse("directory:manage_edit", args=[entry.uuid])).status_code == 404
    assert client.post(reverse("directory:manage_edit", args=[entry.uuid]), _form(world)).status_code == 404
    assert client.post(reverse("directory:manage_publish", args=[entry.uuid]), {"publicerad": "0"}).status_code == 404
    assert entry.name not in client.get(reverse("directory:manage")).content.decode()
    entry.refresh_from_db()
    assert entry.name == "Föräldrastöd i grupp" and entry.is_published


@pytest.mark.parametrize("who", ["school_staff", "coordinator", "social_staff"])
def test_staff_who_are_not_admins_get_404(world, entries, who):
    client = world.client_for(getattr(world, who))
    entry = entries["parenting"]
    assert client.get(reverse("directory:manage")).status_code == 404
    assert client.get(reverse("directory:manage_create")).status_code == 404
    assert client.post(reverse("directory:manage_create"), _form(world)).status_code == 404
    assert client.get(reverse("directory:manage_edit", args=[entry.uuid])).status_code == 404


def test_family_and_anonymous_cannot_edit(world, entries):
    entry = entries["parenting"]
    family = world.client_for(world.guardian1.user)
    assert family.get(reverse("directory:manage")).status_code == 404
    assert family.post(reverse("directory:manage_edit", args=[entry.uuid]), _form(world)).status_code == 404
    anonymous = Client().post(reverse("directory:manage_create"), _form(world))
    assert anonymous.status_code == 302 and "/konto/login/" in anonymous["Location"]
    assert not SupportEntry.objects.filter(name="Familjebehandling").exists()


def test_bad_input_changes_nothing(world, entries):
    client = world.client_for(world.health_admin)
    entry = entries["bup"]
    response = client.post(
        reverse("directory:manage_edit", args=[entry.uuid]), _form(world, phone="", age_min=12, age_max=3)
    )
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.name == "Första linjen för barn och unga"
    with pytest.raises(services.DirectoryError):
        services.entry_update(
            viewer=world.viewer(world.health_admin),
            entry=entry,
            data={"name": "x", "summary": "y", "for_whom": "z", "how_to_apply": "w", "provider": "p"},
            needs=[NeedKind.objects.first()],
        )


def test_service_refuses_other_agencys_entry(world, entries):
    with pytest.raises(services.DirectoryError):
        services.entry_set_published(
            viewer=world.viewer(world.health_admin), entry=entries["parenting"], published=False
        )
    with pytest.raises(services.DirectoryError):
        services.entry_set_published(
            viewer=world.viewer(world.social_staff), entry=entries["parenting"], published=False
        )
