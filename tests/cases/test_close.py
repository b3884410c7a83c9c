"""Closing: a reason, the family's outcomes, and the end of all consent-based sharing."""

import pytest
from django.urls import reverse

from access.scoping import scope, system_scope
from cases import services
from cases.models import Case, SharedItem
from consent.models import ConsentGrant
from portal.models import AuditEvent
from tests.world import category

pytestmark = pytest.mark.django_db


def test_closing_requires_a_reason_and_bad_input_changes_nothing(world):
    sara = world.coordinator_viewer
    for kwargs, message in (
        ({"reason": ""}, "Välj ett skäl"),
        ({"reason": "other", "note": " "}, "Beskriv skälet"),
        ({"reason": "goals_met", "stress_at_close": 0}, "från 1"),
        ({"reason": "goals_met", "stress_at_start": 12}, "från 1"),
    ):
        with pytest.raises(services.CaseError, match=message):
            services.case_close(viewer=sara, case=world.case, **kwargs)
    with system_scope():
        assert Case.objects.get(pk=world.case.pk).status == "open"
    with pytest.raises(services.CaseError, match="Bara samordnaren"):
        services.case_close(viewer=world.viewer(world.school_staff), case=world.case, reason="goals_met")


def test_closing_records_outcomes_and_ends_all_consent_sharing_at_once(world):
    world.grant([world.health, world.social], ["basic", "school", "plan"])
    rut, sara = world.viewer(world.school_staff), world.coordinator_viewer
    with scope(rut):
        item = services.shared_item_create(
            viewer=rut,
            case=world.case,
            category_id=category("school").pk,
            title="Närvaro",
            body="Alva har varit här två dagar av fem.",
        )
    health = world.client_for(world.health_staff)
    item_url = reverse("cases:shared_item_detail", args=[world.case.uuid, item.uuid])
    assert health.get(item_url).status_code == 200
    assert health.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 200
    with scope(sara):
        closed = services.case_close(
            viewer=sara,
            case=world.case,
            reason="goals_met",
            note="Alva går i skolan igen.",
            stress_at_start=8,
            stress_at_close=3,
            parent_back_to_work=True,
        )
    assert (closed.status, closed.phase, closed.stress_at_close, closed.parent_back_to_work) == (
        "closed",
        "close",
        3,
        True,
    )
    with system_scope():
        assert not ConsentGrant.objects.filter(case=world.case).exists()
        event = AuditEvent.objects.get(action="case.closed", case_id=world.case.pk)
    assert event.data == {
        "reason": "goals_met",
        "stress_at_start": 8,
        "stress_at_close": 3,
        "parent_back_to_work": True,
    }
    assert health.get(item_url).status_code == 404
    assert health.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 404
    # The author agency and the coordinator still see the closed collaboration.
    assert world.client_for(world.school_staff).get(item_url).status_code == 200
    assert world.client_for(world.coordinator).get(reverse("cases:detail", args=[world.case.uuid])).status_code == 200
    with system_scope():
        assert SharedItem.objects.filter(pk=item.pk).exists()


def test_a_closed_collaboration_cannot_be_changed(world):
    services.case_close(viewer=world.coordinator_viewer, case=world.case, reason="moved")
    with pytest.raises(services.CaseError, match="avslutad"):
        services.case_close(viewer=world.coordinator_viewer, case=world.case, reason="moved")
    with pytest.raises(services.CaseError, match="avslutad"):
        services.mapping_entry_create(
            viewer=world.coordinator_viewer, case=world.case, area="school", current_state="X"
        )
    with pytest.raises(services.CaseError, match="avslutad"):
        services.shared_item_create(
            viewer=world.viewer(world.school_staff),
            case=world.case,
            category_id=category("school").pk,
            title="T",
            body="B",
        )


def test_close_page(world):
    client = world.client_for(world.coordinator)
    url = reverse("cases:close", args=[world.case.uuid])
    assert "upphör all delning som samtycket gav" in client.get(url).content.decode()
    response = client.post(url, {"reason": "", "stress_at_close": "4"})
    assert response.status_code == 400
    response = client.post(url, {"reason": "family_ended", "stress_at_close": "4", "parent_back_to_work": "no"})
    assert response.status_code == 302
    with system_scope():
        case = Case.objects.get(pk=world.case.pk)
    assert (case.closure_reason, case.stress_at_close, case.parent_back_to_work) == ("family_ended", 4, False)
    assert world.client_for(world.school_staff).get(url).status_code == 404
