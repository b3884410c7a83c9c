"""Chains that scale (issue 16, item 3): the families' reads go to one chain per child, so
family pages in a region no longer append under one lock; retention, checkpoints and
the family's own page treat them as the one "family" chain was treated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.scoping import system_scope
from accesslog import integrity, writes
from cases.models import Case
from tests.accesslog.conftest import entries_of
from web import retention

pytestmark = pytest.mark.django_db


def test_each_childs_family_reads_have_a_chain_of_their_own(world):
    with system_scope():
        cases = list(Case.objects.filter(pk__in=[world.case.pk, world.other_case.pk]))
    for viewer in (world.guardian1_viewer, world.child_viewer):
        with writes.live_reading(viewer):
            list(Case.objects.all())
    chains = {entry.chain for entry in entries_of(None, chain__startswith="family")}
    assert chains == {f"family:{case.child_id}" for case in cases if case.pk == world.case.pk}
    with system_scope():
        assert integrity.checkpoint() >= 1
        assert all(report.ok for report in integrity.verify())


def test_a_staff_read_stays_in_the_agencys_chain(world):
    with writes.live_reading(world.viewer(world.school_staff)):
        list(Case.objects.all())
    assert {entry.chain for entry in entries_of(None, action="live")} == {f"agency:{world.school.pk}"}


def test_family_chains_past_retention_are_trimmed_like_the_shared_one(world, make_entries):
    old = timezone.now() - timedelta(days=11 * 365)
    make_entries("family:41", 2, at=old)
    make_entries("family:41", 1)
    make_entries("family:42", 1)
    make_entries("family", 1, at=old)
    with system_scope():
        result = retention.run()
        assert result.log_entries == {"family:41": 2, "family": 1}
        assert [e.seq for e in entries_of("family:41")] == [3]
        assert all(report.ok for report in integrity.verify())


def test_a_checkpoint_looks_only_at_chains_written_since_the_last(make_entries):
    make_entries("family:1", 2)
    make_entries("family:2", 2)
    with system_scope():
        assert integrity.checkpoint() == 2
    make_entries("family:2", 1)
    with system_scope():
        assert integrity.checkpoint() == 1
        assert integrity.checkpoint() == 0
        assert all(report.ok for report in integrity.verify())
