"""Consent services: requests, decisions, narrowing, maturity, expiry — with their audit
events, notifications, reminders and after-commit announcements."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from access import policy
from access.scoping import scope, system_scope
from agencies.models import Membership
from cases.models import SharedItem
from consent import services
from consent.models import Consent, ConsentDecision, ConsentGrant, MaturityAssessment
from notifications.models import Notification, Reminder
from portal.models import AuditEvent
from tests.consent.conftest import shared_item
from tests.world import category, family_viewer, staff_viewer

pytestmark = pytest.mark.django_db


def grants(world, case=None):
    now = timezone.now()
    with system_scope():
        return set(
            ConsentGrant.objects.filter(case=case or world.case, starts_at__lte=now, ends_at__gt=now).values_list(
                "agency_id", "category__code"
            )
        )


def test_request_writes_version_scope_audit_notifications_and_reminders(world):
    consent = world.request_consent([world.health, world.social], ["school", "health"])
    with system_scope():
        assert consent.version == 1
        assert consent.scopes.count() == 4
        assert consent.valid_until == consent.valid_from + timedelta(days=364) or consent.valid_until.year > 2026
        event = AuditEvent.objects.get(action="consent.requested")
        assert event.object_id == str(consent.uuid) and event.case_id == world.case.pk
        recipients = set(Notification.objects.filter(kind="consent.requested").values_list("recipient_id", flat=True))
        assert recipients == {world.guardian1.user_id, world.guardian2.user_id}  # the child (10) is not asked
        keys = set(Reminder.objects.filter(kind="consent.expiring").values_list("key", flat=True))
        assert keys == {f"consent:{consent.series}:expiring:30", f"consent:{consent.series}:expiring:7"}
    assert grants(world) == set()


def test_default_period_is_twelve_months(world):
    consent = world.request_consent([world.health], ["school"])
    assert consent.valid_from == timezone.localdate()
    assert consent.valid_until == date(
        consent.valid_from.year + 1, consent.valid_from.month, consent.valid_from.day
    ) - timedelta(days=1)


@pytest.mark.parametrize("who", ["health_staff", "social_staff", "unrelated_staff"])
def test_only_managers_can_request(world, who):
    with system_scope(), pytest.raises(services.ConsentError):
        services.consent_request(
            viewer=staff_viewer(getattr(world, who)),
            case=world.case,
            purpose="x",
            agency_ids=[world.health.pk],
            category_ids=[category("school").pk],
        )


def test_opener_agency_can_request(world):
    with system_scope():
        consent = services.consent_request(
            viewer=staff_viewer(world.school_staff),
            case=world.case,
            purpose="Skolan vill dela med BUP.",
            agency_ids=[world.health.pk],
            category_ids=[category("school").pk],
        )
    assert consent.pk


def test_recipients_must_be_in_the_team_and_bad_input_changes_nothing(world):
    for kwargs in (
        {"agency_ids": [world.unrelated.pk], "category_ids": [category("school").pk]},
        {"agency_ids": [], "category_ids": [category("school").pk]},
        {"agency_ids": [world.health.pk], "category_ids": [999999]},
        {"agency_ids": [world.health.pk], "category_ids": [category("school").pk], "purpose": "  "},
        {
            "agency_ids": [world.health.pk],
            "category_ids": [category("school").pk],
            "valid_from": date(2026, 1, 1),
            "valid_until": date(2025, 1, 1),
        },
    ):
        kwargs.setdefault("purpose", "Planera.")
        with system_scope(), pytest.raises(services.ConsentError):
            services.consent_request(viewer=world.coordinator_viewer, case=world.case, **kwargs)
    with system_scope():
        assert Consent.objects.count() == 0
        assert AuditEvent.objects.count() == 0


def test_both_guardians_grant_then_the_agency_sees_and_revocation_is_immediate(
    world, lost_calls, django_capture_on_commit_callbacks
):
    item = shared_item(world, world.school, "school", "Skolans sammanfattning")
    consent = world.request_consent([world.health], ["basic", "school"])
    health = staff_viewer(world.health_staff)
    world.decide(consent, world.guardian1)
    assert not policy.visible_to(SharedItem, health).filter(pk=item.pk).exists()
    world.decide(consent, world.guardian2)
    assert policy.can_view(health, item)
    assert grants(world) == {(world.health.pk, "basic"), (world.health.pk, "school")}
    with django_capture_on_commit_callbacks(execute=True):
        world.decide(consent, world.guardian2, "revoked")
    assert not policy.can_view(health, item)
    assert grants(world) == set()
    assert lost_calls == [(world.case.pk, [world.health.pk])]
    with system_scope():
        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["consent.requested", "consent.granted", "consent.granted", "consent.revoked"]


def test_one_guardian_refusing_means_no_consent(world):
    consent = world.request_consent([world.health], ["school"])
    world.decide(consent, world.guardian1)
    world.decide(consent, world.guardian2, "refused")
    assert grants(world) == set()
    with system_scope():
        assert AuditEvent.objects.filter(action="consent.refused").count() == 1


def test_oral_decision_names_a_staff_member_of_the_recording_agency(world):
    consent = world.request_consent([world.health], ["school"])
    party = services.Party(guardian_id=world.guardian1.pk)
    with system_scope():
        with pytest.raises(services.ConsentError):
            services.decision_record(
                viewer=world.coordinator_viewer, consent=consent, party=party, decision="granted", method="oral"
            )
        with pytest.raises(services.ConsentError):
            services.decision_record(
                viewer=world.coordinator_viewer,
                consent=consent,
                party=party,
                decision="granted",
                method="oral",
                oral_to_membership_id=world.health_staff.pk,
            )
        row = services.decision_record(
            viewer=world.coordinator_viewer,
            consent=consent,
            party=party,
            decision="granted",
            method="oral",
            oral_to_membership_id=world.coordinator.pk,
        )
    assert row.oral_to_id == world.coordinator.pk
    assert row.recorded_by_id == world.coordinator.user_id


def test_portal_decisions_are_the_partys_own(world):
    consent = world.request_consent([world.health], ["school"])
    g1 = family_viewer(world.guardian1.user)
    with system_scope():
        with pytest.raises(services.ConsentError):  # staff cannot use the portal method
            services.decision_record(
                viewer=world.coordinator_viewer,
                consent=consent,
                party=services.Party(guardian_id=world.guardian1.pk),
                decision="granted",
                method="portal",
            )
        with pytest.raises(services.ConsentError):  # not for the other guardian
            services.decision_record(
                viewer=g1,
                consent=consent,
                party=services.Party(guardian_id=world.guardian2.pk),
                decision="granted",
                method="portal",
            )
        with pytest.raises(services.ConsentError):  # a family member cannot record on paper
            services.decision_record(
                viewer=g1,
                consent=consent,
                party=services.Party(guardian_id=world.guardian1.pk),
                decision="granted",
                method="paper",
            )
        services.decision_record(
            viewer=g1,
            consent=consent,
            party=services.Party(guardian_id=world.guardian1.pk),
            decision="granted",
            method="portal",
        )


def test_repeated_answer_revoke_without_grant_and_unknown_values_are_refused(world):
    consent = world.request_consent([world.health], ["school"])
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian1, "revoked")
    world.decide(consent, world.guardian1)
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian1)
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian1, "maybe")
    with system_scope():
        assert ConsentDecision.objects.count() == 1


def test_a_child_under_12_is_not_a_party(world):
    consent = world.request_consent([world.health], ["school"])
    with pytest.raises(services.ConsentError):
        world.decide(consent, None)


def test_child_of_13_is_asked_and_a_refusal_blocks(world):
    with system_scope():
        world.child.date_of_birth = date(2013, 3, 1)
        world.child.save()
    consent = world.grant([world.health], ["school"])
    assert (world.health.pk, "school") in grants(world)
    world.decide(consent, None, "refused")
    assert grants(world) == set()
    world.decide(consent, None, "granted")
    assert (world.health.pk, "school") in grants(world)


def test_from_15_only_the_child_decides(world):
    with system_scope():
        world.child.date_of_birth = date(2010, 3, 1)
        world.child.save()
    consent = world.request_consent([world.health], ["school"])
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian1)
    world.decide(consent, None)
    assert grants(world) == {(world.health.pk, "school")}


def test_expired_consent_cannot_be_granted_but_can_be_revoked(world):
    today = timezone.localdate()
    consent = world.request_consent([world.health], ["school"])
    world.decide(consent, world.guardian1)
    with system_scope():
        Consent.objects.filter(pk=consent.pk).update(
            valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=1)
        )
        consent.refresh_from_db()
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian2)
    world.decide(consent, world.guardian1, "revoked")


def test_narrowing_is_a_new_version_with_decisions_carried_over(world, lost_calls, django_capture_on_commit_callbacks):
    consent = world.grant([world.health, world.school], ["basic", "health"])
    assert (world.school.pk, "health") in grants(world)
    g1 = family_viewer(world.guardian1.user)
    with system_scope(), django_capture_on_commit_callbacks(execute=True):
        new = services.consent_narrow(viewer=g1, consent=consent, remove=[(world.school.pk, category("health").pk)])
    assert new.series == consent.series and new.version == 2
    assert grants(world) == {(world.health.pk, "basic"), (world.health.pk, "health"), (world.school.pk, "basic")}
    assert lost_calls == []  # the school keeps the collaboration itself
    with system_scope():
        carried = list(ConsentDecision.objects.filter(consent=new).values_list("method", "decision"))
        assert sorted(carried) == [("carried", "granted"), ("carried", "granted")]
        assert AuditEvent.objects.filter(action="consent.narrowed", object_id=str(new.uuid)).exists()
    # The old version takes no more answers.
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian1, "revoked")
    # Removing basic from an agency counts as losing access to the collaboration.
    with system_scope(), django_capture_on_commit_callbacks(execute=True):
        services.consent_narrow(
            viewer=world.coordinator_viewer, consent=new, remove=[(world.school.pk, category("basic").pk)]
        )
    assert lost_calls == [(world.case.pk, [world.school.pk])]


def test_narrowing_needs_something_removed_and_something_kept(world):
    consent = world.grant([world.health], ["school"])
    with system_scope():
        with pytest.raises(services.ConsentError):
            services.consent_narrow(viewer=world.coordinator_viewer, consent=consent, remove=[])
        with pytest.raises(services.ConsentError):
            services.consent_narrow(
                viewer=world.coordinator_viewer, consent=consent, remove=[(world.health.pk, category("school").pk)]
            )
        with pytest.raises(services.ConsentError):  # the child (10) is not a party
            services.consent_narrow(
                viewer=family_viewer(world.child.user, "child"),
                consent=consent,
                remove=[(world.health.pk, category("school").pk)],
            )
        assert Consent.objects.count() == 1


def test_maturity_assessment_changes_the_parties_at_once(world):
    consent = world.grant([world.health], ["school"])
    assert grants(world)
    with system_scope():
        services.maturity_assess(
            viewer=world.coordinator_viewer,
            child=world.child,
            level=MaturityAssessment.Level.CHILD_DECIDES,
            reason="Alva är mogen att bestämma själv.",
        )
        assert AuditEvent.objects.filter(action="consent.maturity_assessed", case_id=world.case.pk).exists()
    assert grants(world) == set()
    world.decide(consent, None)
    assert grants(world) == {(world.health.pk, "school")}


def test_maturity_assessment_needs_a_manager_and_a_reason(world):
    with system_scope():
        with pytest.raises(services.ConsentError):
            services.maturity_assess(
                viewer=staff_viewer(world.health_staff), child=world.child, level="child", reason="x"
            )
        with pytest.raises(services.ConsentError):
            services.maturity_assess(viewer=world.coordinator_viewer, child=world.child, level="child", reason=" ")
        assert MaturityAssessment.objects.count() == 0


def test_staff_leaving_the_agency_lose_access_with_their_membership(world, client):
    item = shared_item(world, world.school, "school", "Skolans sammanfattning om Alva")
    world.grant([world.health], ["basic", "school"])
    with system_scope():
        newcomer = Membership.objects.create(
            user=world.unrelated_staff.user, agency=world.health, role="staff", title="Ny på BUP"
        )
    session_client = world.client_for(newcomer)
    # The cases engineer's item page may not exist yet: read through the policy-checked API of consent.
    with scope(staff_viewer(newcomer)):
        assert policy.can_view(staff_viewer(newcomer), item)
    with system_scope():
        Membership.objects.filter(pk=newcomer.pk).update(is_active=False)
    response = session_client.get("/")
    assert response.status_code == 302  # the membership is gone: signed out at once


def test_record_expired_audits_once_and_announces_lost_access(
    world, lost_calls, clock, django_capture_on_commit_callbacks
):
    consent = world.grant([world.health], ["school"])
    assert services.record_expired() == 0
    clock.to(timezone.now() + timedelta(days=366))
    assert grants(world) == set()  # access stops by time alone
    with django_capture_on_commit_callbacks(execute=True):
        assert services.record_expired() == 1
    assert services.record_expired() == 0
    with system_scope():
        assert AuditEvent.objects.filter(action="consent.expired", object_id=str(consent.uuid)).count() == 1
    assert lost_calls == [(world.case.pk, [world.health.pk])]


def test_closed_case_grants_nothing(world):
    consent = world.request_consent([world.health], ["school"])
    world.decide(consent, world.guardian1)
    with system_scope():
        world.case.status = "closed"
        world.case.closed_at = timezone.now()
        world.case.save()
    with pytest.raises(services.ConsentError):
        world.decide(consent, world.guardian2)
