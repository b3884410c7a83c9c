"""The mapping and the joint plan: coordinator-only writes, versioning (who, when, what) in
immutable rows, actions owned by agencies, and consent deciding who reads what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from cases import services
from cases.models import Case, LifeArea, Plan, PlanAction, PlanChange
from notifications.models import Notification
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def _changes(case):
    with system_scope():
        return list(PlanChange.objects.filter(case=case).order_by("version"))


def test_mapping_is_written_by_the_coordinator_in_the_familys_words(world):
    sara, rut = world.coordinator_viewer, world.viewer(world.school_staff)
    with scope(sara):
        entry = services.mapping_entry_create(
            viewer=sara,
            case=world.case,
            area=LifeArea.PARENT_WORK,
            current_state="Jag är sjukskriven och orkar inte.",
            desired_state="Jobba halvtid till våren.",
            is_priority=True,
            written_by_guardian_id=world.guardian1.pk,
        )
        assert entry.written_by_family and entry.author_agency_id == world.coordination.pk
    with scope(rut), pytest.raises(services.CaseError, match="Bara samordnaren"):
        services.mapping_entry_create(viewer=rut, case=world.case, area="school", current_state="X")
    with scope(sara):
        with pytest.raises(services.CaseError, match="hur det är nu"):
            services.mapping_entry_create(viewer=sara, case=world.case, area="school", current_state=" ")
        with pytest.raises(services.CaseError, match="vårdnadshavare"):
            services.mapping_entry_create(
                viewer=sara,
                case=world.case,
                area="school",
                current_state="X",
                written_by_guardian_id=world.other_guardian.pk,
            )


def test_every_plan_change_is_a_new_version_with_who_when_and_what(planned):
    world = planned
    changes = _changes(world.case)
    # goal, plan text, two actions: four versions, in order, all by the coordinator
    assert [c.version for c in changes] == [1, 2, 3, 4]
    assert [c.target for c in changes] == ["goal", "plan", "action", "action"]
    assert {c.created_by_id for c in changes} == {world.coordinator.user_id}
    assert {c.changed_by_name for c in changes} == {"Sara Samordnare"}
    assert changes[1].fields["support_needed"] == ["", "Anpassad skolgång."]
    plan = services.plan_update(
        viewer=world.coordinator_viewer,
        case=world.case,
        support_needed="Anpassad skolgång och stöd hemma.",
        coordinator_will="Kallar till möten.",
        coordinator_will_not="Tar inte över vårdnadshavarnas ansvar.",
        overall_principal_id=world.municipality.pk,
    )
    assert plan.version == 5
    last = _changes(world.case)[-1]
    assert last.fields == {"support_needed": ["Anpassad skolgång.", "Anpassad skolgång och stöd hemma."]}
    assert last.created_at <= timezone.now()
    # Saving the same text again is not a change.
    services.plan_update(
        viewer=world.coordinator_viewer,
        case=world.case,
        support_needed="Anpassad skolgång och stöd hemma.",
        coordinator_will="Kallar till möten.",
        coordinator_will_not="Tar inte över vårdnadshavarnas ansvar.",
        overall_principal_id=world.municipality.pk,
    )
    assert len(_changes(world.case)) == 5
    html = (
        world.client_for(world.coordinator).get(reverse("cases:plan_history", args=[world.case.uuid])).content.decode()
    )
    assert "Sara Samordnare" in html and "Ändrade vilket stöd som behövs" in html


def test_plan_change_rows_cannot_be_overwritten_or_deleted(planned):
    with system_scope():
        change = PlanChange.objects.filter(case=planned.case).first()
    change.summary = "Förfalskad"
    with pytest.raises(ValueError, match="immutable"):
        change.save()
    with pytest.raises(ValueError, match="immutable"):
        change.delete()


def test_phase_moves_clarify_plan_carry_out_and_close_only_by_closing(planned):
    world = planned
    case = services.plan_phase_set(viewer=world.coordinator_viewer, case=world.case, phase=Case.Phase.CARRY_OUT)
    assert case.phase == "carry_out"
    assert _changes(world.case)[-1].fields == {"phase": ["clarify", "carry_out"]}
    with pytest.raises(services.CaseError, match="Avsluta samverkan"):
        services.plan_phase_set(viewer=world.coordinator_viewer, case=world.case, phase=Case.Phase.CLOSE)
    with pytest.raises(services.CaseError, match="Bara samordnaren"):
        services.plan_phase_set(viewer=world.viewer(world.school_staff), case=world.case, phase="plan")


def test_actions_have_a_responsible_a_due_date_and_a_status(world):
    sara = world.coordinator_viewer
    due = timezone.localdate() + timedelta(days=7)
    with scope(sara):  # her plan page's scope
        with pytest.raises(services.CaseError, match="vem som ansvarar"):
            services.plan_action_create(viewer=sara, case=world.case, description="Något", due_date=due)
        with pytest.raises(services.CaseError, match="när det ska vara klart"):
            services.plan_action_create(
                viewer=sara, case=world.case, description="Något", due_date=None, responsible_person="Gun"
            )
        with pytest.raises(services.CaseError, match="Välj en verksamhet"):
            services.plan_action_create(
                viewer=sara, case=world.case, description="Något", due_date=due, responsible_agency_id=999999
            )
        assert PlanAction._base_manager.count() == 0
        action = services.plan_action_create(
            viewer=sara,
            case=world.case,
            description="Gun ringer Försäkringskassan.",
            due_date=due,
            responsible_person="Gun",
            written_by_guardian_id=world.guardian1.pk,
        )
        assert action.status == "planned" and action.written_by_family


def test_meetings_can_turn_a_decision_into_an_action_with_the_same_signature(world, django_capture_on_commit_callbacks):
    """The meetings app calls plan_action_create with `source`; the responsible agency hears."""
    with django_capture_on_commit_callbacks(execute=False), system_scope():
        action = services.plan_action_create(
            viewer=world.coordinator_viewer,
            case=world.case,
            description="Skolan ordnar en anpassad schemastart.",
            due_date=timezone.localdate() + timedelta(days=10),
            responsible_agency_id=world.school.pk,
            responsible_person="",
            source={"decision": "abc"},
        )
    with system_scope():
        assert AuditEvent.objects.get(action="plan.action_created", object_id=str(action.uuid)).data == {
            "decision": "abc"
        }
        assert Notification.objects.filter(kind="action.assigned", agency=world.school).exists()
    assert _changes(world.case)[-1].target_uuid == action.uuid


def test_the_responsible_agency_reports_status_and_nothing_else(planned):
    world = planned
    school, health = world.extras["school_action"], world.extras["health_action"]
    rut = world.viewer(world.school_staff)
    # Without consent the school cannot even see the coordinator's action.
    with pytest.raises(services.CaseError, match="finns inte"):
        services.plan_action_status_set(viewer=rut, action=school, status="in_progress")
    world.grant([world.school], ["basic", "plan"])
    services.plan_action_status_set(viewer=rut, action=school, status="in_progress")
    with pytest.raises(services.CaseError, match="Bara samordnaren eller den ansvariga"):
        services.plan_action_status_set(viewer=rut, action=health, status="done")
    with pytest.raises(services.CaseError, match="Bara samordnaren"):
        services.plan_action_update(
            viewer=rut,
            action=school,
            description="Ändrat",
            due_date=school.due_date,
            responsible_agency_id=world.school.pk,
        )
    done = services.plan_action_status_set(viewer=world.coordinator_viewer, action=school, status="done")
    assert done.completed_at is not None
    last = _changes(world.case)[-1]
    assert last.fields == {"status": ["in_progress", "done"]}
    with system_scope():
        by_school = PlanChange.objects.get(case=world.case, fields__status=["planned", "in_progress"])
    assert by_school.author_agency_id == world.school.pk and by_school.created_by_id == world.school_staff.user_id


def test_agencies_read_the_plan_only_with_consent_for_the_plan(planned):
    world = planned
    client = world.client_for(world.health_staff)
    url = reverse("cases:plan", args=[world.case.uuid])
    assert client.get(url).status_code == 404  # no consent at all: the case is invisible
    world.grant([world.health], ["basic"])
    html = client.get(url).content.decode()
    assert "Bedömningssamtal på BUP" not in html and "Anpassad skolgång" not in html
    world.grant([world.health], ["plan"])
    html = client.get(url).content.decode()
    assert "Bedömningssamtal på BUP" in html and "Anpassad skolgång" in html


def test_goal_from_the_mapping_and_family_items_marked_as_theirs(planned):
    world = planned
    goal = world.extras["goal"]
    assert goal.area == "school"
    assert _changes(world.case)[0].fields["from_mapping"] == [None, str(world.extras["entry"].uuid)]
    html = (
        world.client_for(world.guardian1.user)
        .get(reverse("cases:family_plan", args=[world.case.uuid]))
        .content.decode()
    )
    assert "Skrivet av familjen" in html  # the mapping entry Gun wrote
    assert "Alva går till skolan tre dagar i veckan." in html


def test_the_family_reads_the_plan_in_plain_language(planned):
    world = planned
    services.plan_phase_set(viewer=world.coordinator_viewer, case=world.case, phase="carry_out")
    client = world.client_for(world.guardian2.user)
    html = client.get(reverse("cases:family_plan", args=[world.case.uuid])).content.decode()
    for text in (
        "Planen för Alva",
        "Vi gör det vi har bestämt.",
        "Det här ska hända",
        "Liten undervisningsgrupp.",
        "Testskolan",
        "BUP Test",
        "Inte påbörjat än.",
        "Det här gör inte samordnaren",
        "Tar inte över vårdnadshavarnas ansvar.",
        "Sara Samordnare",
    ):
        assert text in html, text
    # Read-only: no forms that change the plan.
    assert "action_status" not in html and 'name="status"' not in html


def test_plan_pages_reject_bad_input_and_change_nothing(planned):
    world = planned
    client = world.client_for(world.coordinator)
    before = len(_changes(world.case))
    response = client.post(
        reverse("cases:action_add", args=[world.case.uuid]),
        {"action-description": "", "action-due_date": "inte-ett-datum", "action-responsible": ""},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("cases:action_add", args=[world.case.uuid]),
        {"action-description": "Ny insats", "action-due_date": "2030-01-01", "action-responsible": ""},
    )
    assert response.status_code == 400 and "vem som ansvarar" in response.content.decode()
    assert len(_changes(world.case)) == before
    response = client.post(
        reverse("cases:action_add", args=[world.case.uuid]),
        {
            "action-description": "Ny insats",
            "action-due_date": "2030-01-01",
            "action-responsible": f"a:{world.social.pk}",
        },
    )
    assert response.status_code == 302
    with system_scope():
        assert Plan.objects.get(case=world.case).version == before + 1
