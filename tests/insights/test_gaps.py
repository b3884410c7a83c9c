"""Recording systemic gaps: coordinators only, no way back to the child, a warning (not
a block) when the text looks like personal data."""

from __future__ import annotations

import pytest
from django.db import models
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from insights import periods, services
from insights.models import GapAgency, GapCategory, ServiceArea, SystemGap
from portal.models import AuditEvent
from tests.world import staff_viewer

CHILD_DATA_APPS = {"cases", "meetings", "consent", "notifications"}


def _form(world, **extra):
    year, month = periods.current_month()
    data = {
        "category": GapCategory.objects.get(code="waiting-time").pk,
        "service_area": ServiceArea.objects.get(code="child-psychiatry").pk,
        "agencies_concerned": [world.health.pk],
        "other_actor": "",
        "description": "Väntetiden till neuropsykiatrisk utredning var över ett år.",
        "period": f"{year}-{month:02d}",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("model", [SystemGap, GapAgency])
def test_gap_records_hold_no_child_reference(model):
    """No field can lead from a gap to a case, child, family, meeting, consent, the
    recorder or a moment finer than a month; keys are random, not a sequence."""
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if related is not None:
            assert related._meta.app_label not in CHILD_DATA_APPS, f"{model.__name__}.{field.name} → {related}"
            assert related._meta.label != "portal.User", f"{model.__name__}.{field.name} names a person"
        assert not isinstance(field, models.DateTimeField | models.TimeField), f"{field.name} is too precise"
        assert not isinstance(field, models.DateField), f"{field.name}: the month is enough"
    assert isinstance(model._meta.pk, models.UUIDField)


def test_case_panel_link_carries_nothing_about_the_case(world):
    request = RequestFactory().get("/")
    request.user = world.coordinator.user
    html = render_to_string(
        "insights/_case_panel.html", {"case": world.case, "viewer": world.coordinator_viewer}, request=request
    )
    assert reverse("insights:gap_create") in html
    assert "Registrera brist" in html
    assert str(world.case.uuid) not in html
    assert str(world.child.uuid) not in html
    # Not shown to staff who are not coordinators.
    staff_html = render_to_string(
        "insights/_case_panel.html", {"case": world.case, "viewer": staff_viewer(world.school_staff)}, request=request
    )
    assert "Registrera brist" not in staff_html


def test_coordinator_records_a_gap_with_principal_and_month_only(world):
    client = world.client_for(world.coordinator)
    response = client.post(reverse("insights:gap_create"), _form(world), HTTP_REFERER=f"/samverkan/{world.case.uuid}/")
    assert response.status_code == 302
    gap = SystemGap.objects.get()
    year, month = periods.current_month()
    assert (gap.principal, gap.recorded_by_agency) == (world.municipality, world.coordination)
    assert (gap.year, gap.month, gap.quarter) == (year, month, (month - 1) // 3 + 1)
    assert list(gap.agencies_concerned.all()) == [world.health]
    # Nothing in the stored row or its audit entry names the case or the child.
    stored = " ".join(str(v) for v in SystemGap.objects.values().get().values())
    for secret in (world.case.uuid, world.child.uuid, world.child.personal_number, "Alva"):
        assert str(secret) not in stored
    event = AuditEvent.objects.get(action="gap.recorded")
    assert event.case_id is None and event.object_id == "" and event.object_type == ""
    assert str(world.case.uuid) not in str(event.data)


@pytest.mark.parametrize(
    "text",
    [
        "Pappan till barnet, 20140312-2387, fick vänta länge.",
        "Eleven 140312-2387 fick inget stöd.",
        "Gun Testsson fick inget svar från handläggaren.",
    ],
)
def test_personal_data_gives_a_warning_and_saves_nothing_until_confirmed(world, text):
    client = world.client_for(world.coordinator)
    response = client.post(reverse("insights:gap_create"), _form(world, description=text))
    assert response.status_code == 400
    assert "Kontrollera texten" in response.content.decode()
    assert not SystemGap.objects.exists()
    confirmed = client.post(reverse("insights:gap_create"), _form(world, description=text, confirm="on"))
    assert confirmed.status_code == 302
    assert SystemGap.objects.count() == 1
    assert AuditEvent.objects.get(action="gap.recorded").data["warned"] is True


def test_text_about_organisations_saves_without_warning(world):
    client = world.client_for(world.coordinator)
    text = "BUP Test och Socialtjänsten Test hade ingen rutin för överlämning vid 18 år."
    response = client.post(reverse("insights:gap_create"), _form(world, description=text))
    assert response.status_code == 302
    assert SystemGap.objects.count() == 1


@pytest.mark.parametrize("who", ["school_staff", "school_admin", "health_staff"])
def test_staff_who_are_not_coordinators_cannot_record(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("insights:gap_create")).status_code == 404
    assert client.post(reverse("insights:gap_create"), _form(world)).status_code == 404
    assert client.get(reverse("insights:gap_list")).status_code == 404
    assert not SystemGap.objects.exists()


def test_family_and_anonymous_cannot_record(world):
    family = world.client_for(world.guardian1.user)
    assert family.post(reverse("insights:gap_create"), _form(world)).status_code == 404
    response = Client().post(reverse("insights:gap_create"), _form(world))
    assert response.status_code == 302 and "/konto/login/" in response["Location"]
    assert not SystemGap.objects.exists()


def test_service_refuses_future_month_and_empty_text(world):
    viewer = world.coordinator_viewer
    year, month = periods.current_month()
    category = GapCategory.objects.get(code="other")
    service = ServiceArea.objects.get(code="other")
    future = (year + 1, month)
    with pytest.raises(services.GapError):
        services.gap_record(
            viewer=viewer, category=category, service_area=service, description="Text", year=future[0], month=month
        )
    with pytest.raises(services.GapError):
        services.gap_record(
            viewer=viewer, category=category, service_area=service, description=" ", year=year, month=month
        )
    with pytest.raises(services.GapError):
        services.gap_record(
            viewer=staff_viewer(world.school_staff),
            category=category,
            service_area=service,
            description="Text",
            year=year,
            month=month,
        )
    assert not SystemGap.objects.exists()
    assert not AuditEvent.objects.filter(action="gap.recorded").exists()


def test_gap_list_shows_only_the_own_agencys_records(world):
    from tests.insights.conftest import add_gaps

    year, _month = periods.current_month()
    add_gaps(world, {("waiting-time", "child-psychiatry", year, 1): 2})
    add_gaps(world, {("other", "other", year, 1): 1}, agency=world.unrelated)
    SystemGap.objects.filter(recorded_by_agency=world.unrelated).update(description="ANNAN-KOMMUNS-TEXT")
    response = world.client_for(world.coordinator).get(reverse("insights:gap_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Lång väntetid i stödsystemet.") == 2
    assert "ANNAN-KOMMUNS-TEXT" not in body
