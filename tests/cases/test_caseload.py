"""The coordinator's caseload: next meeting, consents waiting, overdue actions, days since
contact; sortable; the same number of queries for 5 and for 50 collaborations."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from cases import selectors
from cases.models import Case, Child, Guardianship, PlanAction
from consent.models import Consent, ConsentScope
from meetings.models import Meeting
from tests.cases.conftest import page_queries
from tests.world import category, personal_number

pytestmark = pytest.mark.django_db


def add_cases(world, n, *, start=0):
    """n collaborations coordinated by the world's coordinator, each with an upcoming
    meeting, an overdue action, a consent waiting for answers and a recorded contact."""
    now = timezone.now()
    today = timezone.localdate()
    made = []
    with system_scope():
        for i in range(start, start + n):
            born = date(2012, 1, 1) + timedelta(days=i)
            child = Child.objects.create(
                first_name=f"Barn{i:03d}",
                last_name="Last",
                personal_number=personal_number(born),
                date_of_birth=born,
                registered_by_agency=world.school,
            )
            Guardianship.objects.create(child=child, guardian=world.guardian1, has_custody=True)
            case = Case.objects.create(
                child=child,
                owner_agency=world.school,
                opened_by=world.school_staff.user,
                need_description="Behov.",
                coordinator=world.coordinator.user,
                coordinator_agency=world.coordination,
                last_contact_at=now - timedelta(days=i),
            )
            Meeting.objects.create(
                case=case,
                author_agency=world.coordination,
                purpose="Möte",
                starts_at=now + timedelta(days=1 + i),
                ends_at=now + timedelta(days=1 + i, hours=1),
            )
            PlanAction.objects.create(
                case=case,
                author_agency=world.coordination,
                description="Försenad",
                due_date=today - timedelta(days=1),
                responsible_agency=world.school,
            )
            consent = Consent.objects.create(
                case=case, purpose="Samordna.", valid_from=today, valid_until=today + timedelta(days=300)
            )
            ConsentScope.objects.create(consent=consent, agency=world.school, category=category("basic"))
            made.append(case)
    return made


def test_caseload_query_count_is_the_same_for_5_and_50_collaborations(world):
    client = world.client_for(world.coordinator)
    url = reverse("cases:caseload")
    add_cases(world, 4)  # + the world's own case = 5
    client.get(url)  # first request of the session: sign-in bookkeeping, not the page
    small, html = page_queries(client, url)
    assert html.count('href="/samverkan/') >= 5
    add_cases(world, 45, start=4)
    large, html = page_queries(client, url)
    assert html.count("Barn0") == 49
    assert small == large, (small, large)
    sorted_url = url + "?sortera=mote"
    assert page_queries(client, sorted_url)[0] == large


def test_caseload_shows_the_figures_and_sorts(world):
    add_cases(world, 3)
    sara = world.coordinator_viewer
    with scope(sara):  # her caseload page's scope
        rows = selectors.caseload(viewer=sara, sort="kontakt")
        assert len(rows) == 4
        mine = {r.case.child.first_name: r for r in rows}
        assert mine["Barn002"].overdue_actions == 1
        assert mine["Barn002"].consents_waiting == 1
        assert mine["Barn002"].next_meeting is not None
        assert mine["Barn002"].days_since_contact == 2
        assert mine["Alva"].next_meeting is None and not mine["Alva"].contact_recorded
        # Most days since contact first by default; by name ascending; by meeting soonest first.
        assert [r.case.child.first_name for r in selectors.caseload(viewer=sara, sort="barn")] == [
            "Alva",
            "Barn000",
            "Barn001",
            "Barn002",
        ]
        by_meeting = [r.case.child.first_name for r in selectors.caseload(viewer=sara, sort="mote")]
        assert by_meeting == ["Barn000", "Barn001", "Barn002", "Alva"]
        reverse_names = selectors.caseload(viewer=sara, sort="barn", descending=True)
        assert reverse_names[0].case.child.first_name == "Barn002"
    html = world.client_for(world.coordinator).get(reverse("cases:caseload") + "?sortera=forsenade").content.decode()
    assert 'aria-sort="descending"' in html and "sortera=forsenade&amp;ordning=stigande" in html


def test_a_granted_consent_is_in_force_not_waiting(world):
    world.grant([world.school], ["basic"])
    with scope(world.coordinator_viewer):
        row = selectors.caseload(viewer=world.coordinator_viewer)[0]
    assert (row.consents_in_force, row.consents_waiting) == (1, 0)


def test_the_caseload_holds_only_my_collaborations(world):
    add_cases(world, 2)
    hanna, olle = world.viewer(world.health_staff), world.viewer(world.unrelated_staff)
    with scope(hanna):
        assert selectors.caseload(viewer=hanna) == []
    with scope(olle):
        opened = selectors.caseload(viewer=olle)  # opened, no coordinator yet
        assert [r.case.pk for r in opened] == [world.other_case.pk]
    html = world.client_for(world.health_staff).get(reverse("cases:caseload")).content.decode()
    assert "Barn000" not in html and "Alva" not in html


def test_home_page_shows_the_caseload_summary_to_the_coordinator(world):
    add_cases(world, 2)
    html = world.client_for(world.coordinator).get("/").content.decode()
    assert "Du samordnar 3 familjer." in html and "2 försenade insatser" in html
