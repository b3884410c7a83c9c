"""No query starts while a page's template renders (issue 15 item 4): every main page reads
its panels' data in the view, through selectors, and hands the template evaluated values.

Each page is fetched with the guard of tests/template_queries.py on, as the viewers who
see different panels on it (coordinator, consented staff of another agency, guardian,
child, the agency's admin), with a little of everything grown around them so that every
list and panel has rows to show.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import system_scope
from tests.perf.conftest import grow
from tests.template_queries import no_template_queries

pytestmark = pytest.mark.django_db


def _pages(world: Any) -> dict[str, tuple[Any, str]]:
    from meetings.models import Meeting

    with system_scope():
        meeting = Meeting.objects.filter(case=world.case).order_by("pk").first()
    granted, pending = world.extras["granted"], world.extras["pending"]
    case, child = [world.case.uuid], [world.child.uuid]
    guardian, child_user = world.guardian1.user, world.child.user
    return {
        "caseload": (world.coordinator, reverse("cases:caseload")),
        "case_coordinator": (world.coordinator, reverse("cases:detail", args=case)),
        "case_consent": (world.health_staff, reverse("cases:detail", args=case)),
        "plan_coordinator": (world.coordinator, reverse("cases:plan", args=case)),
        "plan_consent": (world.health_staff, reverse("cases:plan", args=case)),
        "family_plan_guardian": (guardian, reverse("cases:family_plan", args=case)),
        "family_plan_child": (child_user, reverse("cases:family_plan", args=case)),
        "meeting_coordinator": (world.coordinator, reverse("meetings:detail", args=[meeting.uuid])),
        "meeting_consent": (world.health_staff, reverse("meetings:detail", args=[meeting.uuid])),
        "meeting_list_coordinator": (world.coordinator, reverse("meetings:list")),
        "meeting_list_consent": (world.health_staff, reverse("meetings:list")),
        "family_home_guardian": (guardian, reverse("portal:home")),
        "family_home_child": (child_user, reverse("portal:home")),
        "staff_home": (world.coordinator, reverse("portal:home")),
        "notifications_staff": (world.coordinator, reverse("notifications:list")),
        "notifications_guardian": (guardian, reverse("notifications:list")),
        "log_review": (world.health_admin, reverse("accesslog:review")),
        "log_review_filtered": (world.health_admin, reverse("accesslog:review") + "?unusual=on"),
        "family_log_guardian": (guardian, reverse("accesslog:family", args=child)),
        "family_log_child": (child_user, reverse("accesslog:family", args=child)),
        "consent_family": (guardian, reverse("consent:family")),
        "consent_family_granted": (guardian, reverse("consent:family_detail", args=[granted.uuid])),
        "consent_family_pending": (guardian, reverse("consent:family_detail", args=[pending.uuid])),
        "consent_family_narrow": (guardian, reverse("consent:family_narrow", args=[granted.uuid])),
        "consent_family_revoke": (guardian, reverse("consent:family_revoke", args=[granted.uuid])),
        "consent_case": (world.coordinator, reverse("consent:case", args=case)),
        "consent_request": (world.coordinator, reverse("consent:request", args=case)),
        "consent_staff_detail": (world.coordinator, reverse("consent:staff_detail", args=[granted.uuid])),
        "consent_history": (world.coordinator, reverse("consent:history", args=[granted.uuid])),
        "consent_record": (world.coordinator, reverse("consent:record", args=[pending.uuid])),
        "consent_staff_narrow": (world.coordinator, reverse("consent:staff_narrow", args=[granted.uuid])),
        "consent_maturity": (world.coordinator, reverse("consent:maturity", args=case)),
    }


PAGES = [
    "caseload",
    "case_coordinator",
    "case_consent",
    "plan_coordinator",
    "plan_consent",
    "family_plan_guardian",
    "family_plan_child",
    "meeting_coordinator",
    "meeting_consent",
    "meeting_list_coordinator",
    "meeting_list_consent",
    "family_home_guardian",
    "family_home_child",
    "staff_home",
    "notifications_staff",
    "notifications_guardian",
    "log_review",
    "log_review_filtered",
    "family_log_guardian",
    "family_log_child",
    "consent_family",
    "consent_family_granted",
    "consent_family_pending",
    "consent_family_narrow",
    "consent_family_revoke",
    "consent_case",
    "consent_request",
    "consent_staff_detail",
    "consent_history",
    "consent_record",
    "consent_staff_narrow",
    "consent_maturity",
]


@pytest.fixture
def grown(world: Any) -> Any:
    grow(world, 2)
    world.extras["granted"] = world.grant([world.health, world.school], ["basic", "health"])
    world.extras["pending"] = world.request_consent([world.social], ["basic"])
    # Reads by staff, so that the access-log pages have rows to show.
    for who in (world.coordinator, world.health_staff):
        world.client_for(who).get(reverse("cases:detail", args=[world.case.uuid]))
    return world


@pytest.mark.parametrize("name", PAGES)
def test_the_page_starts_no_query_while_its_template_renders(grown, name):
    who, url = _pages(grown)[name]
    client = grown.client_for(who)
    client.get(reverse("portal:home"))  # the session's first request: sign-in bookkeeping
    with no_template_queries() as guard:
        response = client.get(url)
    assert response.status_code == 200, (name, response.status_code)
    assert not guard, guard.report()
    assert "<main" in response.content.decode()  # the whole page rendered


def test_fragments_start_no_query_while_rendering_and_skip_the_frames_bell(grown):
    """The bell's numbers come with the viewer's memberships (web.viewer_sources), in the
    one read every request makes: no request reads the bell on its own — not the bell's
    refresh, not a page — and a live part of the meeting room (no page frame) does not
    draw it at all."""
    from meetings.models import Meeting

    with system_scope():
        meeting = Meeting.objects.filter(case=grown.case).order_by("pk").first()
    client = grown.client_for(grown.coordinator)
    client.get(reverse("portal:home"))
    bell_table = '"notifications_notification"'
    for url, draws_bell in [
        (reverse("notifications:bell"), True),
        (reverse("meetings:room_part", args=[meeting.uuid, "agenda"]), False),
        (reverse("portal:home"), True),
    ]:
        with no_template_queries() as guard, CaptureQueriesContext(connection) as ctx:
            response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200 and not guard, (url, guard.report())
        sql = [q["sql"] for q in ctx.captured_queries]
        own = [q for q in sql if q.split(" FROM ", 1)[-1].startswith(bell_table)]
        carried = [q for q in sql if bell_table in q and q.startswith('SELECT "agencies_membership"."id"')]
        assert not own and len(carried) == 1 and sum(bell_table in q for q in sql) == 1, (url, sql)
        try:
            bell = response.context["bell"] if response.context is not None else None
        except KeyError:
            bell = None
        assert (bell is not None) == draws_bell, url
