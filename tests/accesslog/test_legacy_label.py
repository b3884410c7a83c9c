"""Entries about the log itself written before it moved out of `portal`: their
object_type is "portal.AccessLogEntry", part of their hash. They are never rewritten,
still verify, and read like the new ones ("accesslog.AccessLogEntry")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import system_scope
from accesslog import integrity, writes
from accesslog.chain import entry_hash, values_of
from accesslog.models import LABELS, LEGACY_LABEL, AccessLogEntry
from tests.accesslog.conftest import entries_of, log_entry

pytestmark = pytest.mark.django_db


def _old_and_new_export(world) -> str:
    chain = f"agency:{world.health.pk}"
    log_entry(
        agency_id=world.health.pk,
        agency_name="BUP Test",
        actor_id=world.health_admin.user_id,
        actor_name="Harald Admin",
        child_id=world.child.pk,
        object_type=LEGACY_LABEL,
        object_id="",
        action=AccessLogEntry.Action.EXPORT,
        at=timezone.now() - timedelta(days=2),  # another visit on the family's page
    )
    writes.write_export(
        viewer=world.viewer(world.health_admin),
        child_ids=[world.child.pk],
        object_type=AccessLogEntry._meta.label,
        count_by_child={world.child.pk: 1},
    )
    return chain


def test_the_label_of_today_and_of_before_both_name_the_log():
    assert AccessLogEntry._meta.label == "accesslog.AccessLogEntry"
    assert {"accesslog.AccessLogEntry", "portal.AccessLogEntry"} == LABELS


def test_a_chain_with_entries_of_both_labels_verifies(world):
    chain = _old_and_new_export(world)
    old, new = entries_of(chain, action="export")
    assert (old.object_type, new.object_type) == (LEGACY_LABEL, "accesslog.AccessLogEntry")
    with system_scope():
        (report,) = integrity.verify(chain)
    assert report.ok and report.entries == 2
    # The label is hashed: rewriting old entries to the new label would break the chain.
    rewritten = {**values_of(old), "object_type": "accesslog.AccessLogEntry"}
    assert entry_hash(old.prev_hash, rewritten) != old.hash == entry_hash(old.prev_hash, values_of(old))


def test_the_family_reads_both_as_an_export_of_the_log(world):
    _old_and_new_export(world)
    family = world.client_for(world.guardian1.user)
    html = family.get(reverse("accesslog:family", args=[world.child.uuid])).content.decode()
    assert html.count("Tog ut en kopia av loggen över vem som tittat.") == 2  # one visit each
