"""The child's wish first, a reason for any deviation, the handover, and a history that
survives a change of coordinator."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.scoping import system_scope
from cases import services
from cases.models import Case, CoordinatorAppointment
from notifications.models import Notification
from portal.models import AuditEvent
from tests.cases.conftest import open_case
from tests.world import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(world):
    """A collaboration opened by the school (Barnets bästa-ansvarig), with both guardians."""
    case = open_case(world)
    for guardian in (world.guardian1, world.guardian2):
        with system_scope():
            from cases.models import Guardianship

            Guardianship.objects.create(child_id=case.child_id, guardian=guardian, has_custody=True)
    world.extras["fresh"] = case
    return case


def test_appointing_someone_else_than_the_child_wished_requires_a_reason(world, fresh):
    bba = world.viewer(world.school_staff)
    before = CoordinatorAppointment._base_manager.count()
    with pytest.raises(services.CaseError, match="särskilda skäl"):
        services.coordinator_appoint(
            viewer=bba,
            case=fresh,
            wish=CoordinatorAppointment.Wish.PERSON,
            wished_membership_id=world.school_staff.pk,
            child_words="Rut, hon är snäll.",
            coordinator_membership_id=world.coordinator.pk,
            deviation_reason="   ",
        )
    assert CoordinatorAppointment._base_manager.count() == before
    with system_scope():
        assert Case.objects.get(pk=fresh.pk).coordinator_id is None


def test_a_deviation_with_a_reason_is_recorded_and_the_family_reads_the_reason(world, fresh):
    appointment = services.coordinator_appoint(
        viewer=world.viewer(world.school_staff),
        case=fresh,
        wish=CoordinatorAppointment.Wish.PERSON,
        wished_membership_id=world.school_staff.pk,
        child_words="Rut, hon är snäll.",
        coordinator_membership_id=world.coordinator.pk,
        deviation_reason="Rut går i pension i vår; Sara kan följa Alva i flera år.",
    )
    assert appointment.is_deviation and appointment.wished_person_id == world.school_staff.user_id
    with system_scope():
        case = Case.objects.get(pk=fresh.pk)
    assert (case.coordinator_id, case.coordinator_agency_id) == (world.coordinator.user_id, world.coordination.pk)
    html = world.client_for(world.guardian1.user).get(reverse("cases:family_plan", args=[fresh.uuid])).content.decode()
    assert "Rut går i pension i vår" in html and "Rut Rektor" in html
    with system_scope():
        event = AuditEvent.objects.get(action="case.coordinator_appointed", case_id=fresh.pk)
    assert event.data["deviation"] is True and "pension" not in str(event.data)


def test_following_the_wish_needs_no_reason(world, fresh):
    appointment = services.coordinator_appoint(
        viewer=world.viewer(world.school_staff),
        case=fresh,
        wish=CoordinatorAppointment.Wish.PERSON,
        wished_membership_id=world.coordinator.pk,
        coordinator_membership_id=world.coordinator.pk,
        deviation_reason="ignored",
    )
    assert not appointment.is_deviation and appointment.deviation_reason == ""


@pytest.mark.parametrize("wish", [CoordinatorAppointment.Wish.NO_PREFERENCE, CoordinatorAppointment.Wish.NOT_ABLE])
def test_no_preference_needs_no_reason(world, fresh, wish):
    appointment = services.coordinator_appoint(
        viewer=world.viewer(world.school_staff), case=fresh, wish=wish, coordinator_membership_id=world.coordinator.pk
    )
    assert appointment.wish == wish and appointment.wished_person_id is None


def test_a_wished_person_outside_the_portal_is_a_deviation_that_needs_a_reason(world, fresh):
    with pytest.raises(services.CaseError, match="särskilda skäl"):
        services.coordinator_appoint(
            viewer=world.viewer(world.school_staff),
            case=fresh,
            wish=CoordinatorAppointment.Wish.PERSON,
            wished_person_text="Fritidsledaren Ali",
            coordinator_membership_id=world.coordinator.pk,
        )


def test_the_wish_must_be_recorded_first(world, fresh):
    with pytest.raises(services.CaseError, match="Fråga barnet"):
        services.coordinator_appoint(
            viewer=world.viewer(world.school_staff), case=fresh, wish="", coordinator_membership_id=world.coordinator.pk
        )
    with pytest.raises(services.CaseError, match="Skriv vem barnet önskar"):
        services.coordinator_appoint(
            viewer=world.viewer(world.school_staff),
            case=fresh,
            wish=CoordinatorAppointment.Wish.PERSON,
            coordinator_membership_id=world.coordinator.pk,
        )


def test_history_survives_a_change_of_coordinator(world):
    """The world's case: Sara coordinates. She goes on leave; Olof takes over; the child is
    asked again; every earlier appointment is kept."""
    olof = make_staff(world.coordination, "Olof Ny", "coordinator")
    sara = world.coordinator_viewer
    case = world.case
    with pytest.raises(services.CaseError, match="varför samordnaren byts"):
        services.coordinator_appoint(
            viewer=sara, case=case, wish="none", coordinator_membership_id=olof.pk, end_reason=""
        )
    with pytest.raises(services.CaseError, match="Fråga barnet"):
        services.coordinator_appoint(
            viewer=sara, case=case, wish="", coordinator_membership_id=olof.pk, end_reason="Föräldraledighet"
        )
    services.coordinator_appoint(
        viewer=sara,
        case=case,
        wish=CoordinatorAppointment.Wish.PERSON,
        wished_membership_id=olof.pk,
        child_words="Olof kan vara bra.",
        coordinator_membership_id=olof.pk,
        end_reason="Föräldraledighet",
    )
    with system_scope():
        rows = list(CoordinatorAppointment.objects.filter(case=case).order_by("appointed_at", "id"))
        fresh = Case.objects.get(pk=case.pk)
    assert len(rows) == 2
    assert rows[0].coordinator_id == world.coordinator.user_id and rows[0].ended_at is not None
    assert rows[0].end_reason == "Föräldraledighet"
    assert rows[1].coordinator_id == olof.user_id and rows[1].ended_at is None and rows[1].child_words
    assert fresh.coordinator_id == olof.user_id
    assert policy.is_coordinator_of(world.viewer(olof), fresh)
    assert not policy.is_coordinator_of(sara, fresh)
    with pytest.raises(services.CaseError):
        services.plan_update(viewer=sara, case=fresh, support_needed="Sara försöker ändra.")
    html = world.client_for(olof).get(reverse("cases:appoint", args=[case.uuid])).content.decode()
    assert "Sara Samordnare" in html and "Föräldraledighet" in html and "Olof kan vara bra." in html


def test_the_former_barnets_basta_ansvarig_keeps_follow_up_visibility_where_consent_allows(planned):
    world = planned
    client = world.client_for(world.school_staff)  # opened the world's case; Sara coordinates
    assert client.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 200
    # The plan was written by the coordinating agency: the school reads it only with consent.
    assert "Bedömningssamtal på BUP" not in client.get(reverse("cases:plan", args=[world.case.uuid])).content.decode()
    world.grant([world.school], ["basic", "plan"])
    assert "Bedömningssamtal på BUP" in client.get(reverse("cases:plan", args=[world.case.uuid])).content.decode()
    # Visibility, not management: the school cannot change the plan.
    with pytest.raises(services.CaseError):
        services.plan_update(viewer=world.viewer(world.school_staff), case=world.case, support_needed="X")


def test_handover_records_when_guardians_and_child_were_informed(world, fresh):
    appointment = services.coordinator_appoint(
        viewer=world.viewer(world.school_staff), case=fresh, wish="none", coordinator_membership_id=world.coordinator.pk
    )
    now = timezone.now()
    with pytest.raises(services.CaseError, match="vårdnadshavarna"):
        services.handover_record(
            viewer=world.viewer(world.school_staff), appointment=appointment, guardians_informed_at=None
        )
    with pytest.raises(services.CaseError, match="framtiden"):
        services.handover_record(
            viewer=world.viewer(world.school_staff),
            appointment=appointment,
            guardians_informed_at=now + timedelta(days=2),
        )
    with pytest.raises(services.CaseError, match="Bara den som lämnar över"):
        services.handover_record(
            viewer=world.viewer(world.health_staff), appointment=appointment, guardians_informed_at=now
        )
    services.handover_record(
        viewer=world.viewer(world.school_staff),
        appointment=appointment,
        guardians_informed_at=now - timedelta(hours=3),
        child_informed_at=now - timedelta(hours=1),
        note="Berättade på mötet.",
    )
    with system_scope():
        row = CoordinatorAppointment.objects.get(pk=appointment.pk)
    assert row.handed_over_by_id == world.school_staff.user_id and row.handed_over_at is not None
    assert row.guardians_informed_at == now - timedelta(hours=3) and row.child_informed_at == now - timedelta(hours=1)
    with pytest.raises(services.CaseError, match="redan registrerad"):
        services.handover_record(viewer=world.coordinator_viewer, appointment=row, guardians_informed_at=now)


def test_only_the_coordinator_side_or_the_opener_may_appoint(world):
    world.grant([world.health], ["basic"])  # healthcare sees the case, but does not coordinate
    with pytest.raises(services.CaseError, match="Du kan inte utse"):
        services.coordinator_appoint(
            viewer=world.viewer(world.health_staff),
            case=world.case,
            wish="none",
            coordinator_membership_id=world.health_staff.pk,
            end_reason="Vill ta över",
        )
    client = world.client_for(world.health_staff)
    assert client.post(reverse("cases:appoint", args=[world.case.uuid]), {"wish": "none"}).status_code == 404
    assert 'name="coordinator"' not in client.get(reverse("cases:appoint", args=[world.case.uuid])).content.decode()


def test_appointment_notifies_the_coordinator_and_the_family(world, fresh):
    services.coordinator_appoint(
        viewer=world.viewer(world.school_staff), case=fresh, wish="none", coordinator_membership_id=world.coordinator.pk
    )
    with system_scope():
        recipients = set(
            Notification.objects.filter(kind="case.coordinator_appointed", case=fresh).values_list(
                "recipient_id", flat=True
            )
        )
    # The fresh child has no sign-in of their own; the coordinator and both custodial guardians are told.
    assert recipients == {world.coordinator.user_id, world.guardian1.user_id, world.guardian2.user_id}


def test_appoint_page_journey(world, fresh):
    client = world.client_for(world.school_staff)
    url = reverse("cases:appoint", args=[fresh.uuid])
    data = {
        "wish": "person",
        "wished_membership": str(world.school_staff.pk),
        "child_words": "Rut!",
        "coordinator": str(world.coordinator.pk),
        "deviation_reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "särskilda skäl" in response.content.decode()
    data["deviation_reason"] = "Rut har inte tid."
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("cases:handover", args=[fresh.uuid])
    response = client.post(
        response["Location"], {"guardians_informed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    with system_scope():
        assert CoordinatorAppointment.objects.get(case=fresh).handed_over_at is not None
