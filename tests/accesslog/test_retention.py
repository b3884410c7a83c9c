"""Retention: per principal, closed collaborations and access-log entries past their
period are removed by a scheduled job that records what it removed; the log's chain
stays verifiable from the anchor the job leaves."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.scoping import system_scope
from accesslog import integrity
from agencies.models import Principal
from cases.models import Case, Child, Guardian, SharedItem, TeamMember
from consent.models import Consent
from portal.celery import app as celery_app
from portal.models import AuditEvent
from tests.accesslog.conftest import entries_of
from tests.world import category
from web import retention
from web.tasks import apply_retention

pytestmark = pytest.mark.django_db
YEAR = timedelta(days=365)


def close(case: Case, ago: timedelta) -> None:
    with system_scope():
        Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now() - ago)


def test_closed_collaborations_past_retention_are_removed_with_everything_in_them(world):
    world.grant([world.health], ["basic"])
    with system_scope():
        SharedItem.objects.create(
            case=world.case, author_agency=world.school, category=category("school"), title="T", body="B"
        )
    close(world.case, 3 * YEAR + timedelta(days=5))  # the principal keeps them 3 years
    close(world.other_case, 2 * YEAR)  # not yet due
    result = retention.run()
    assert result.cases == [world.case.pk]
    with system_scope():
        assert not Case.objects.filter(pk=world.case.pk).exists()
        assert not SharedItem.objects.filter(case_id=world.case.pk).exists()
        assert not Consent.objects.filter(case_id=world.case.pk).exists()
        assert not TeamMember.objects.filter(case_id=world.case.pk).exists()
        assert result.children == [world.child.pk] and not Child.objects.filter(pk=world.child.pk).exists()
        assert set(result.guardians) == {world.guardian1.pk, world.guardian2.pk}
        assert not Guardian.objects.filter(pk__in=result.guardians).exists()
        assert Case.objects.filter(pk=world.other_case.pk).exists()
    removed = AuditEvent.objects.get(action="retention.case_removed")
    assert removed.case_id == world.case.pk and removed.data["children"] == [world.child.pk]
    summary = AuditEvent.objects.get(action="retention.applied")
    assert summary.data["cases"] == [world.case.pk]
    # The log about the child stays (it has its own retention) and still verifies.
    assert entries_of(child_id=world.child.pk)
    assert all(r.ok for r in integrity.verify())


def test_each_principal_sets_its_own_period(world):
    Principal.objects.filter(pk=world.municipality.pk).update(closed_case_retention_days=400)
    close(world.case, timedelta(days=401))
    assert retention.run().cases == [world.case.pk]


def test_open_and_recent_collaborations_stay(world):
    close(world.other_case, 3 * YEAR - timedelta(days=1))
    assert retention.run().cases == []
    with system_scope():
        assert Case.objects.count() == 2
    assert not AuditEvent.objects.filter(action="retention.applied").exists()


def test_log_entries_past_retention_are_removed_and_the_chain_still_verifies(world, make_entries):
    chain = f"agency:{world.school.pk}"
    old = make_entries(chain, 3, at=timezone.now() - 6 * YEAR)
    make_entries(chain, 2, at=timezone.now() - 4 * YEAR)
    result = retention.run()
    assert result.log_entries == {chain: 3}
    assert [e.seq for e in entries_of(chain)] == [4, 5]
    anchor = AuditEvent.objects.get(action="accesslog.retained")
    assert anchor.data["chain"] == chain and anchor.data["up_to_seq"] == 3 and anchor.data["hash"] == old[-1].hash
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert f"OK      {chain}: 2 entries (seq 4–5)" in out.getvalue()
    # New entries continue the chain after the retained part.
    make_entries(chain, 1)
    assert [e.seq for e in entries_of(chain)] == [4, 5, 6]
    assert all(r.ok for r in integrity.verify())
    # A second run the same day removes nothing more.
    assert retention.run().log_entries == {}


def test_a_chain_removed_entirely_goes_on_from_its_anchor(world, make_entries):
    chain = f"agency:{world.health.pk}"
    make_entries(chain, 2, at=timezone.now() - 7 * YEAR)
    assert retention.run().log_entries == {chain: 2}
    assert entries_of(chain) == []
    report = integrity.verify(chain)[0]
    assert report.ok and report.head_seq == 2
    make_entries(chain, 1)
    assert [e.seq for e in entries_of(chain)] == [3]
    assert all(r.ok for r in integrity.verify())


def test_removing_entries_outside_retention_is_found_by_verify(world, make_entries):
    """The anchor vouches only for what retention removed: a forged prefix removal breaks."""
    chain = f"agency:{world.school.pk}"
    make_entries(chain, 3, at=timezone.now() - 6 * YEAR)
    make_entries(chain, 3)
    retention.run()
    from tests.accesslog.test_chain import tamper

    first = entries_of(chain)[0]
    tamper("DELETE FROM portal_accesslogentry WHERE id = %s", [first.pk])
    report = integrity.verify(chain)[0]
    assert not report.ok and "entries missing before seq 5 (expected seq 4)" in report.problem


def test_log_retention_is_per_principal_and_at_least_five_years(world, make_entries):
    Principal.objects.filter(pk=world.region.pk).update(access_log_retention_days=10 * 365)
    health, school = f"agency:{world.health.pk}", f"agency:{world.school.pk}"
    make_entries(health, 1, at=timezone.now() - 6 * YEAR)  # region: kept 10 years
    make_entries(school, 1, at=timezone.now() - 6 * YEAR)  # municipality: default 5 years
    make_entries("family", 1, at=timezone.now() - 6 * YEAR)  # families: the longest period
    assert retention.run().log_entries == {school: 1}
    days = retention.log_retention_days()
    assert days["family"] == 10 * 365 and min(days.values()) >= 5 * 365


def test_the_job_is_scheduled_and_runs_as_a_task(world, make_entries):
    schedule = celery_app.conf.beat_schedule
    assert schedule["apply-retention"]["task"] == "portal.tasks.apply_retention"
    assert schedule["checkpoint-access-log"]["task"] == "portal.tasks.checkpoint_access_log"
    make_entries(f"agency:{world.school.pk}", 2, at=timezone.now() - 6 * YEAR)
    assert apply_retention.delay().get() == {"cases": 0, "log_entries": 2}
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "0 access-log entries" in out.getvalue()
