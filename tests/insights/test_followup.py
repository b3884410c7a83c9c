"""Follow-up statistics per principal and year: right figures, small counts hidden, a
fixed number of queries, CSV for national follow-up."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import scope, system_scope
from cases.models import PlanAction, TeamMember
from insights import followup, periods
from meetings.models import Meeting
from tests.insights.conftest import add_case, at

YEAR = periods.current_year() - 1  # a whole year in the past


def _meeting(world, case, when):
    return Meeting.objects.create(
        case=case,
        author_agency=world.coordination,
        purpose="Möte",
        starts_at=when,
        ends_at=when + timedelta(hours=1),
        status=Meeting.Status.HELD,
    )


def _closed_cohort(world, n=7):
    """n collaborations opened in February and closed in May of YEAR: stress 8 → 4,
    parent back to work for all but one, one meeting after 10 days, three agencies.
    Set-up data, written in the system scope."""
    cases = []
    with system_scope():
        for i in range(n):
            case = add_case(
                world,
                opened=at(YEAR, 2, 1 + i),
                closed=at(YEAR, 5, 1 + i),
                closure_reason="goals_met",
                stress_at_start=8,
                stress_at_close=4,
                parent_back_to_work=i != 0,
            )
            TeamMember.objects.create(case=case, agency=world.health)
            TeamMember.objects.create(case=case, agency=world.coordination)
            _meeting(world, case, at(YEAR, 2, 11 + i))
            cases.append(case)
    return cases


def _report(viewer, principal, year=YEAR):
    """The report as the view builds it: in the management viewer's own scope."""
    with scope(viewer):
        return followup.followup_report(viewer=viewer, principal=principal, year=year)


def _figures(section, key):
    partition = next(p for p in section.partitions if p.key == key)
    return {str(k): f.value for k, _label, f in partition.groups}


def test_followup_counts_and_hides_small_groups(world, management_viewer):
    _closed_cohort(world)
    with system_scope():
        add_case(world, opened=at(YEAR, 9, 1), closed=at(YEAR, 10, 1), closure_reason="moved")  # alone: hidden
    report = _report(management_viewer, world.municipality)
    assert report.closed.total.value == 8
    assert report.started.total.value == 8
    # 7 in the second quarter and 1 in the fourth: with the total of 8 shown, the 7 must
    # be hidden too, or 8 - 7 would give the 1 away.
    quarters = _figures(report.closed, "closed_quarter")
    assert quarters["K2"] is None and quarters["K4"] is None
    # Reasons 7 and 1 (and 0s): the 7 would give the 1 away, so both are hidden.
    reasons = _figures(report.closed, "closure_reason")
    assert reasons["goals_met"] is None and reasons["moved"] is None
    # Back to work 6, not 1, unanswered 1: the two small ones protect each other.
    work = _figures(report.closed, "back_to_work")
    assert work == {"yes": 6, "no": None, "unknown": None}
    averages = {a.key: a for a in report.closed.averages}
    assert averages["agencies_avg"].value is not None and 2.5 < averages["agencies_avg"].value < 3.0
    assert round(averages["stress_start"].value, 1) == 8.0 and round(averages["stress_close"].value, 1) == 4.0
    # Every figure shown anywhere is 5 or more.
    for section in report.sections:
        figures = [section.total] + [f for p in section.partitions for _k, _l, f in p.groups]
        assert all(f.value is None or f.value >= 5 for f in figures)


def test_a_small_cohort_shows_nothing(world, management_viewer):
    _closed_cohort(world, n=3)
    report = _report(management_viewer, world.municipality)
    assert report.closed.total.hidden and report.started.total.hidden
    assert all(f.hidden for p in report.closed.partitions for _k, _l, f in p.groups)
    assert all(a.hidden for a in report.closed.averages)


def test_other_principals_collaborations_are_not_counted(world, management_viewer):
    with system_scope():
        for i in range(6):
            add_case(world, opened=at(YEAR, 3, 1 + i), closed=at(YEAR, 4, 1 + i), owner_agency=world.unrelated)
    report = _report(management_viewer, world.municipality)
    assert report.closed.total.hidden  # 0 here: Annanstad's six are not Testköping's


def test_plan_actions_on_time_late_and_overdue(world, management_viewer):
    cases = _closed_cohort(world, n=5)
    due = date(YEAR, 6, 1)
    rows = []
    for i, case in enumerate(cases * 3):
        status, completed = PlanAction.Status.DONE, at(YEAR, 5, 20)
        if i >= 10:
            completed = at(YEAR, 6, 20)  # five late
        rows.append(
            PlanAction(
                case=case,
                author_agency=world.coordination,
                description="Insats",
                due_date=due,
                status=status,
                completed_at=completed,
            )
        )
    with system_scope():
        PlanAction.objects.bulk_create(rows)
    report = _report(management_viewer, world.municipality)
    status = _figures(report.actions, "action_status")
    assert report.actions.total.value == 15
    assert status["on_time"] == 10
    # Nobody is overdue or cancelled: those 0s are hidden, and so is the 5 beside them,
    # or the reader would know that every action was done.
    assert status["late"] is None and status["overdue"] is None


def test_followup_page_and_csv(world, management):
    _closed_cohort(world)
    client = world.client_for(management)
    page = client.get(reverse("insights:followup"), {"ar": YEAR})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Förälder åter i arbete eller studier" in body and "<svg" in body
    response = client.get(reverse("insights:followup_csv"), {"ar": YEAR})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {r["ar"] for r in rows} == {str(YEAR)}
    counts = [r["varde"] for r in rows if r["enhet"] == "antal"]
    assert all(v == ".." or int(v) >= 5 for v in counts)
    closed = next(r for r in rows if r["matt"] == "closed" and r["grupp"] == "totalt")
    assert closed["varde"] == "7"
    api = client.get("/api/v1/forbattring/uppfoljning/", {"ar": YEAR}).json()
    sections = {s["key"]: s for s in api["sections"]}
    assert sections["closed"]["total"] == {"value": 7, "hidden": False}


def test_followup_page_runs_a_fixed_number_of_queries(world, management):
    client = world.client_for(management)
    _closed_cohort(world, n=5)
    client.get(reverse("insights:followup"), {"ar": YEAR})
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("insights:followup"), {"ar": YEAR})
    _closed_cohort(world, n=12)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("insights:followup"), {"ar": YEAR})
    assert len(few) == len(many)
