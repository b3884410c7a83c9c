"""The one door: who sees consents, decisions, items; query cost; freshness across
connections (no cached grant outlives a revocation)."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from access.scoping import system_scope
from cases.models import Case, SharedItem
from consent import services
from consent.models import Consent, ConsentDecision, ConsentScope, MaturityAssessment
from tests.consent.conftest import shared_item
from tests.world import family_viewer, staff_viewer

pytestmark = pytest.mark.django_db


def visible(model, viewer):
    return set(policy.visible_to(model, viewer).values_list("pk", flat=True))


def test_consents_are_seen_by_managers_and_named_recipients_only(world):
    consent = world.grant([world.health], ["basic", "school"])
    assert visible(Consent, world.coordinator_viewer) == {consent.pk}
    assert visible(Consent, staff_viewer(world.school_staff)) == {consent.pk}  # the opener's agency
    assert visible(Consent, staff_viewer(world.health_staff)) == {consent.pk}  # named recipient
    assert visible(Consent, staff_viewer(world.social_staff)) == set()  # in the team, not named
    assert visible(Consent, staff_viewer(world.unrelated_staff)) == set()
    assert visible(ConsentScope, staff_viewer(world.social_staff)) == set()
    assert visible(Consent, family_viewer(world.guardian1.user)) == {consent.pk}
    assert visible(Consent, family_viewer(world.other_guardian.user)) == set()


def test_who_answered_what_is_for_managers_and_the_family(world):
    world.grant([world.health], ["basic", "school"])
    assert len(visible(ConsentDecision, world.coordinator_viewer)) == 2
    assert visible(ConsentDecision, staff_viewer(world.health_staff)) == set()
    assert len(visible(ConsentDecision, family_viewer(world.guardian2.user))) == 2
    assert visible(ConsentDecision, family_viewer(world.other_guardian.user)) == set()


def test_maturity_assessments_are_for_managers_and_the_family(world):
    world.grant([world.health], ["basic"])
    with system_scope():
        services.maturity_assess(viewer=world.coordinator_viewer, child=world.child, level="asked", reason="Mogen.")
    assert len(visible(MaturityAssessment, world.coordinator_viewer)) == 1
    assert visible(MaturityAssessment, staff_viewer(world.health_staff)) == set()
    assert len(visible(MaturityAssessment, family_viewer(world.guardian1.user))) == 1


def test_items_follow_consent_per_category_and_author(world):
    school_item = shared_item(world, world.school, "school", "Skolan")
    health_item = shared_item(world, world.health, "health", "BUP")
    world.grant([world.health, world.coordination], ["basic", "school"])
    assert visible(SharedItem, staff_viewer(world.health_staff)) == {school_item.pk, health_item.pk}
    assert visible(SharedItem, world.coordinator_viewer) == {school_item.pk}  # coordination by consent only
    assert visible(SharedItem, staff_viewer(world.school_staff)) == {school_item.pk}
    assert visible(SharedItem, staff_viewer(world.social_staff)) == set()
    assert visible(SharedItem, staff_viewer(world.unrelated_staff)) == set()
    # Counts reveal nothing beyond the policy either.
    assert policy.visible_to(SharedItem, staff_viewer(world.social_staff)).count() == 0


def test_closing_the_case_ends_sharing_but_not_own_data(world):
    item = shared_item(world, world.school, "school", "Skolan")
    world.grant([world.health], ["basic", "school"])
    assert policy.can_view(staff_viewer(world.health_staff), item)
    with system_scope():
        from django.utils import timezone

        Case.objects.filter(pk=world.case.pk).update(status="closed", closed_at=timezone.now())
    assert not policy.can_view(staff_viewer(world.health_staff), item)
    assert policy.can_view(staff_viewer(world.school_staff), item)


def test_get_or_404_is_the_same_for_missing_forbidden_and_malformed(world):
    from django.http import Http404

    consent = world.grant([world.health], ["basic"])
    for lookup in ({"uuid": consent.uuid}, {"uuid": "00000000-0000-0000-0000-000000000000"}, {"uuid": "inte-ett-id"}):
        with pytest.raises(Http404):
            policy.get_or_404(Consent, staff_viewer(world.social_staff), **lookup)


def test_the_consent_check_is_part_of_one_query_whatever_the_number_of_grants(world):
    item = shared_item(world, world.school, "school", "Skolan")
    viewer = staff_viewer(world.health_staff)
    world.grant([world.health], ["basic", "school"])
    with CaptureQueriesContext(connection) as few:
        assert policy.can_view(viewer, item)
        assert list(policy.visible_to(SharedItem, viewer)) == [item]
    for _ in range(10):
        world.grant([world.health, world.social, world.coordination], ["basic", "school", "health", "plan"])
    with CaptureQueriesContext(connection) as many:
        assert policy.can_view(viewer, item)
        assert list(policy.visible_to(SharedItem, viewer)) == [item]
    assert len(few) == len(many) == 2


def test_item_page_runs_the_same_queries_at_two_data_sizes(world):
    item = shared_item(world, world.school, "school", "Skolan")
    world.grant([world.health], ["basic", "school"])
    client = world.client_for(world.health_staff)
    url = reverse("cases:shared_item_detail", args=[world.case.uuid, item.uuid])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(8):
        world.grant([world.health, world.social], ["basic", "school", "health"])
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    # The consent decision is an EXISTS inside each read (no extra query, read fresh from the
    # database); the only queries of their own on the grant table are the access log's
    # basis (one per request). The budget is two.
    own = [q for q in large.captured_queries if q["sql"].split(" FROM ", 1)[-1].startswith('"consent_consentgrant"')]
    assert len(own) <= 2, [q["sql"] for q in own]


def test_revocation_through_the_real_meetings_hook(world, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    import meetings.push
    import meetings.services.calling

    monkeypatch.setattr(meetings.push, "access_revoked", lambda case_id, agency_ids: calls.append(("push", agency_ids)))
    real = meetings.services.calling._withdraw_for_lost_access
    monkeypatch.setattr(
        meetings.services.calling,
        "_withdraw_for_lost_access",
        lambda case_id, agency_ids: (calls.append(("withdraw", agency_ids)), real(case_id, agency_ids)),
    )
    consent = world.grant([world.health], ["basic"])
    with django_capture_on_commit_callbacks(execute=True):
        world.decide(consent, world.guardian1, "revoked")
    # Sockets close first, then the invitations go.
    assert calls == [("push", [world.health.pk]), ("withdraw", [world.health.pk])]


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs a second database connection (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_elsewhere_is_seen_by_the_next_request():
    """No grant is cached in the process: another connection revokes, the next request 404s."""
    from tests.world import build_world

    world = build_world()
    item = shared_item(world, world.school, "school", "Skolan")
    consent = world.grant([world.health], ["basic", "school"])
    client = world.client_for(world.health_staff)
    url = reverse("cases:shared_item_detail", args=[world.case.uuid, item.uuid])
    assert client.get(url).status_code == 200

    def revoke_elsewhere() -> None:
        try:
            with system_scope():
                world.decide(consent, world.guardian2, "revoked")
        finally:
            connections.close_all()

    thread = threading.Thread(target=revoke_elsewhere)
    thread.start()
    thread.join()
    assert client.get(url).status_code == 404


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_revocation_racing_a_grant_is_never_lost():
    """Guardian 2 grants while guardian 1 revokes, at the same moment in two processes. The
    case-row lock serialises them: the revocation sees the grant and no sharing survives.
    (Without the lock the revoking transaction computes from a snapshot without the grant
    and the granting one commits grant rows: a revoked consent would still share.)"""
    import time

    from django.db import transaction

    from consent.models import ConsentGrant
    from tests.world import build_world

    world = build_world()
    consent = world.request_consent([world.health], ["basic", "school"])
    world.decide(consent, world.guardian1)
    granted_inside = threading.Event()
    errors: list[BaseException] = []

    def grant_and_hold() -> None:
        try:
            with system_scope(), transaction.atomic():
                world.decide(consent, world.guardian2)
                granted_inside.set()
                time.sleep(0.5)  # the revocation arrives while this transaction is open
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def revoke() -> None:
        try:
            granted_inside.wait(5)
            with system_scope():
                world.decide(consent, world.guardian1, "revoked")
        except BaseException as error:  # pragma: no cover
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant_and_hold), threading.Thread(target=revoke)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with system_scope():
        assert not ConsentGrant.objects.filter(case=world.case).exists()
        answers = dict(
            ConsentDecision.objects.filter(consent=consent).order_by("id").values_list("guardian_id", "decision")
        )
    assert answers == {world.guardian1.pk: "revoked", world.guardian2.pk: "granted"}
