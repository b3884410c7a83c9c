"""The concern report (orosanmälan): the duty as editable text, a record without content
that never asks for consent and gives no one access."""

from datetime import timedelta

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from cases import services
from cases.models import Case, ConcernReport
from consent.models import Consent, ConsentGrant
from notifications.models import Notification
from portal.models import EditableText

pytestmark = pytest.mark.django_db


def test_the_record_holds_no_content(world):
    own_fields = {f.name for f in ConcernReport._meta.concrete_fields}
    assert own_fields == {
        "id",
        "uuid",
        "case",
        "author_agency",
        "created_by",
        "created_at",
        "written_by_guardian",
        "written_by_child",
        "reported_on",
        "municipality",
    }
    free_text = [
        f.name for f in ConcernReport._meta.concrete_fields if isinstance(f, (models.TextField, models.CharField))
    ]
    assert free_text == []
    html = world.client_for(world.school_staff).get(reverse("cases:concern", args=[world.case.uuid])).content.decode()
    assert "<textarea" not in html


def test_recording_skips_consent_notifies_no_one_and_gives_no_access(world):
    counts = lambda: (  # noqa: E731
        Consent._base_manager.count(),
        ConsentGrant._base_manager.count(),
        Notification._base_manager.count(),
    )
    before = counts()
    rut = world.viewer(world.school_staff)
    with scope(rut):
        record = services.concern_report_record(
            viewer=rut,
            case=world.case,
            reported_on=timezone.localdate(),
            municipality_id=world.municipality.pk,
        )
    assert counts() == before
    assert (record.created_by_id, record.author_agency_id, record.municipality_id) == (
        world.school_staff.user_id,
        world.school.pk,
        world.municipality.pk,
    )
    # Social services of that municipality get no door into the collaboration through it.
    social = world.client_for(world.social_staff)
    assert social.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 404
    # Only the recording agency sees the record — not the coordinator, not the family.
    for viewer, expected in (
        (world.viewer(world.school_staff), 1),
        (world.coordinator_viewer, 0),
        (world.viewer(world.social_staff), 0),
        (world.guardian1_viewer, 0),
    ):
        from access import policy

        with scope(viewer):
            assert policy.visible_to(ConcernReport, viewer).count() == expected


def test_recording_works_without_any_consent_on_the_case(world):
    """The coordinator's agency has no consent at all in the world; the duty does not wait."""
    assert not ConsentGrant._base_manager.filter(case=world.case).exists()
    client = world.client_for(world.coordinator)
    response = client.post(
        reverse("cases:concern", args=[world.case.uuid]),
        {"reported_on": timezone.localdate().isoformat(), "municipality": str(world.municipality.pk)},
    )
    assert response.status_code == 302
    html = client.get(reverse("cases:concern", args=[world.case.uuid])).content.decode()
    assert "Sara Samordnare anmälde till Testköping" in html


def test_bad_input_changes_nothing(world):
    client = world.client_for(world.school_staff)
    url = reverse("cases:concern", args=[world.case.uuid])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for data in (
        {"reported_on": tomorrow, "municipality": str(world.municipality.pk)},
        {"reported_on": timezone.localdate().isoformat(), "municipality": str(world.region.pk)},
        {"reported_on": "", "municipality": str(world.municipality.pk)},
    ):
        assert client.post(url, data).status_code == 400
    assert ConcernReport._base_manager.count() == 0


def test_the_duty_and_local_routine_are_editable_text(world):
    client = world.client_for(world.school_staff)
    url = reverse("cases:concern", args=[world.case.uuid])
    assert "Anmälningsplikt vid oro för ett barn" in client.get(url).content.decode()
    EditableText.objects.create(
        key="concern-report-duty",
        principal=world.municipality,
        title="Testköpings rutin vid oro",
        body="Ring mottagningen på 016-00 00 00.",
    )
    html = client.get(url).content.decode()
    assert "Testköpings rutin vid oro" in html and "016-00 00 00" in html


def test_an_agency_that_cannot_see_the_case_cannot_record(world):
    with pytest.raises(services.CaseError):
        services.concern_report_record(
            viewer=world.viewer(world.unrelated_staff),
            case=world.case,
            reported_on=timezone.localdate(),
            municipality_id=world.municipality.pk,
        )
    with system_scope():
        assert Case.objects.get(pk=world.case.pk).status == "open"
