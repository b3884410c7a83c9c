"""For the family, the access log's rule goes into the query's own WHERE
(`access.policy.register(..., inline=)`), not as `pk IN (<compiled rule>)`: "who has
looked" reads the newest entries of a child out of many thousands, and only a condition in the query's own WHERE
lets PostgreSQL walk the index on `at` and stop at the page. It lets through exactly the
rows the compiled rule lets through."""

from __future__ import annotations

import pytest
from django.core.exceptions import EmptyResultSet
from django.urls import reverse

from access import compiled, policy
from access.scoping import scope, system_scope
from accesslog.models import AccessLogEntry
from tests.world import staff_viewer

pytestmark = pytest.mark.django_db


def _read_everything(world):
    world.grant([world.health], ["basic"])
    for user in (world.coordinator, world.health_staff, world.school_staff):
        world.client_for(user).get(reverse("cases:detail", args=[world.case.uuid]))


def test_the_log_rule_is_in_the_querys_where_and_sees_what_the_compiled_rule_sees(world):
    _read_everything(world)
    viewers = {
        "guardian": world.guardian1_viewer,
        "child": world.child_viewer,
        "coordinator": world.coordinator_viewer,
        "school admin": staff_viewer(world.school_admin),
    }
    table = AccessLogEntry._meta.db_table
    seen: dict[str, int] = {}
    for name, viewer in viewers.items():
        inline = policy.visible_to(AccessLogEntry, viewer).order_by("-at", "-id")
        try:
            sql = str(inline.query)
        except EmptyResultSet:  # a rule of nothing (staff): no SQL at all
            sql = ""
        # The family's read inline; the admin's review keeps the compiled rule (faster there).
        assert (f'"{table}"."id" IN (' in sql) == (name == "school admin"), name
        assert sql or name == "coordinator", name
        with scope(viewer):
            rows = [e.pk for e in inline]
        with system_scope():
            base = AccessLogEntry._base_manager.all().order_by("-at", "-id")
        with scope(viewer):
            by_compiled = [e.pk for e in compiled.apply(base, viewer)]
        assert rows == by_compiled, name
        seen[name] = len(rows)
    # The family sees the staff's reads of the case, the admin the school's; staff nothing.
    assert seen["guardian"] > 0 and seen["school admin"] > 0 and seen["coordinator"] == 0, seen
