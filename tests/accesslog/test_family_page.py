"""The family's "Vem har tittat?": agency, role, name and time, grouped by day, newest
first, in plain Swedish; only their own child; keyset-paged with no COUNT."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import system_scope
from cases.models import Guardianship
from tests.accesslog.conftest import log_entry

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def page_for(world, who=None, **params):
    client = world.client_for(who or world.guardian1.user)
    return client.get(reverse("accesslog:family", args=[world.child.uuid]), params)


def test_family_sees_who_looked_in_plain_words(world):
    world.grant([world.health], ["basic"])
    world.client_for(world.coordinator).get(reverse("cases:detail", args=[world.case.uuid]))
    world.client_for(world.health_staff).get(reverse("cases:detail", args=[world.case.uuid]))
    html = page_for(world).content.decode()
    assert "Vem har tittat på uppgifter om Alva?" in html
    assert "Hanna Hälsa</strong>, staff" in html and "BUP Test" in html
    assert "Sara Samordnare</strong>, coordinator" in html and "Samordningsenheten Test" in html
    assert "Tittade på samverkan" in html  # the case page, in one line per visit
    # Newest first: the health worker looked after the coordinator.
    assert html.index("Hanna Hälsa") < html.index("Sara Samordnare</strong>, coordinator")


def test_days_are_headed_and_in_order_newest_first(world):
    base = datetime(2026, 3, 9, 14, 5, tzinfo=STOCKHOLM)
    for days_ago, name in [(2, "Först Person"), (0, "Sist Person"), (1, "Mitt Person")]:
        log_entry(
            agency_id=world.school.pk,
            agency_name="Testskolan",
            actor_name=name,
            title="Mentor",
            child_id=world.child.pk,
            at=base - timedelta(days=days_ago),
            request_id=name,
        )
    html = page_for(world).content.decode()
    assert html.index("Måndag 9 mars 2026") < html.index("Söndag 8 mars 2026") < html.index("Lördag 7 mars 2026")
    assert html.index("Sist Person") < html.index("Mitt Person") < html.index("Först Person")
    assert "Sist Person</strong>, mentor" in html
    assert "kl. 14:05" in html


def test_the_familys_own_reads_and_refused_attempts_are_not_listed(world):
    world.client_for(world.guardian2.user).get(reverse("accesslog:family", args=[world.child.uuid]))
    log_entry(
        agency_id=world.unrelated.pk,
        actor_name="Nekad Person",
        child_id=world.child.pk,
        outcome="denied",
        basis="none",
    )
    html = page_for(world).content.decode()
    assert "Gustav Andersson" not in html
    assert "Nekad Person" not in html
    assert "Ingen på någon verksamhet har tittat" in html


@pytest.mark.parametrize("who", ["other_guardian", "school_staff", "coordinator", "school_admin"])
def test_nobody_else_sees_the_childs_page(world, who):
    user = world.other_guardian.user if who == "other_guardian" else getattr(world, who)
    assert page_for(world, user).status_code == 404


def test_a_guardian_without_custody_gets_404_and_the_signed_out_sign_in(world):
    with system_scope():
        Guardianship.objects.filter(guardian=world.guardian2).update(has_custody=False)
    assert page_for(world, world.guardian2.user).status_code == 404
    from django.test import Client

    response = Client().get(reverse("accesslog:family", args=[world.child.uuid]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_menu_and_the_index_lead_to_the_childs_page(world):
    client = world.client_for(world.guardian1.user)
    home = client.get("/").content.decode()
    assert 'href="/logg/vem-har-tittat/"' in home and "Vem har tittat?" in home
    response = client.get(reverse("accesslog:family_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accesslog:family", args=[world.child.uuid])
    staff_home = world.client_for(world.school_staff).get("/").content.decode()
    assert "Vem har tittat?" not in staff_home


def _fill(world, n: int) -> None:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=STOCKHOLM)
    for i in range(n):
        log_entry(
            agency_id=world.school.pk,
            agency_name="Testskolan",
            actor_name=f"Person {i:03d}",
            child_id=world.child.pk,
            at=start + timedelta(minutes=i),
            request_id=f"r{i}",
        )


def test_pages_are_keyset_paged_without_counting(world):
    _fill(world, 60)
    with CaptureQueriesContext(connection) as queries:
        first = page_for(world)
    log_queries = [q["sql"].upper() for q in queries.captured_queries if "PORTAL_ACCESSLOGENTRY" in q["sql"].upper()]
    assert log_queries and not any("COUNT(" in sql for sql in log_queries)
    html = first.content.decode()
    assert "Person 059" in html and "Person 010" in html and "Person 009" not in html
    cursor = html.split("?fore=", 1)[1].split('"', 1)[0]
    second = page_for(world, fore=cursor).content.decode()
    assert "Person 009" in second and "Person 000" in second and "Person 010" not in second
    assert "Visa äldre" not in second and "Till det senaste" in second
    # A made-up cursor is ignored, not an error.
    assert page_for(world, fore="not-a-cursor").status_code == 200


def test_the_page_costs_the_same_queries_at_two_sizes(world):
    _fill(world, 5)
    page_for(world)  # the family chain's first entry looks for a retention anchor once
    with CaptureQueriesContext(connection) as small:
        page_for(world)
    _fill(world, 120)
    with CaptureQueriesContext(connection) as large:
        page_for(world)
    assert len(small) == len(large)


def test_the_child_sees_the_page_but_is_offered_the_export_only_when_deciding_alone(world):
    from consent.models import MaturityAssessment

    html = page_for(world, world.child.user).content.decode()
    assert "Vem har tittat på det som står om dig?" in html  # spoken to, not about
    assert reverse("accesslog:export", args=[world.child.uuid]) not in html
    with system_scope():
        MaturityAssessment.objects.create(child=world.child, level="child", reason="Mogen.")
    html = page_for(world, world.child.user).content.decode()
    assert reverse("accesslog:export", args=[world.child.uuid]) in html
    guardian = page_for(world).content.decode()
    assert reverse("accesslog:export", args=[world.child.uuid]) in guardian
