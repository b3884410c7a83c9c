"""The improvement report for municipal management: aggregates only, small counts hidden
everywhere (cells, totals, CSV, API, chart), management role per principal."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from access.scoping import scope, system_scope
from accesslog.models import AccessLogEntry
from cases.models import Case
from insights import periods, selectors
from insights.models import ManagementRole
from tests.insights.conftest import add_gaps
from tests.world import staff_viewer

YEAR = periods.current_year()

# Small counts all over: category "waiting-time" has 6+7, "failed-handover" 3+5 (a row
# total of 8 next to a hidden 3), "information-missing" 2 only.
SPEC = {
    ("waiting-time", "child-psychiatry", YEAR, 1): 6,
    ("waiting-time", "habilitation", YEAR, 2): 7,
    ("failed-handover", "school", YEAR, 1): 3,
    ("failed-handover", "school", YEAR, 2): 5,
    ("information-missing", "social-insurance", YEAR, 2): 2,
}


def _numbers_in_cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', html, re.S)]


def _assert_no_small_count(values: list[str]) -> None:
    for value in values:
        if value in {"", ".."} or value.startswith("..") or "%" in value:
            continue
        assert int(value) >= 5, f"small count {value} shown"


def test_report_shows_figures_of_five_or_more_and_hides_the_rest(world, management):
    add_gaps(world, SPEC)
    response = world.client_for(management).get(reverse("insights:gap_report"), {"ar": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    cells = _numbers_in_cells(html)
    assert cells, "the report has figures"
    _assert_no_small_count(cells)
    assert "13" in cells  # waiting time, the whole year
    assert "dolt" in html


def test_a_hidden_cell_cannot_be_worked_out_from_the_totals(world, management_viewer):
    add_gaps(world, SPEC)
    report = selectors.gap_report(viewer=management_viewer, principal=world.municipality, year=YEAR)
    table = report.year.by_category
    rows = {key: (cells, total) for key, _label, cells, total in table.rows}
    from insights.models import GapCategory

    handover = GapCategory.objects.get(code="failed-handover").pk
    cells, total = rows[handover]
    assert cells[0].hidden  # the 3
    # With the row total shown, the 5 beside the 3 must be hidden too, or 8 - 5 = 3.
    assert total.hidden or cells[1].hidden
    # And the column total of Q1 must not give it away either.
    q1_shown = [row[2][0].value for row in table.rows if not row[2][0].hidden]
    assert table.col_totals[0].hidden or sum(q1_shown) != table.col_totals[0].value or q1_shown == []


def test_csv_and_api_hide_the_same_figures(world, management):
    add_gaps(world, SPEC)
    client = world.client_for(management)
    response = client.get(reverse("insights:gap_report_csv"), {"ar": YEAR})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows and {"huvudman", "matt", "grupp", "varde"} <= set(rows[0])
    _assert_no_small_count([r["varde"] for r in rows])
    assert any(r["varde"] == ".." and r["anmarkning"] for r in rows)
    api = client.get("/api/v1/forbattring/brister/", {"ar": YEAR})
    assert api.status_code == 200
    data = api.json()

    def values(table):
        for row in table["rows"]:
            yield from row["cells"]
            yield row["total"]
        yield from table["column_totals"]
        yield table["total"]

    for figure in [*values(data["by_category"]), *values(data["by_service"]), *data["trend"]]:
        assert figure["hidden"] == (figure["value"] is None)
        assert figure["value"] is None or figure["value"] >= 5


def test_reports_write_no_access_log_and_show_no_child(world, management):
    add_gaps(world, SPEC)
    client = world.client_for(management)
    with system_scope():
        before = AccessLogEntry.objects.count()
    for name in ("insights:gap_report", "insights:followup", "insights:followup_csv", "insights:gap_report_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Alva" not in response.content.decode("utf-8-sig")
    with system_scope():
        assert AccessLogEntry.objects.count() == before
    # The management user's own scope holds no child data at all.
    with scope(staff_viewer(management)):
        assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["coordinator", "school_staff", "school_admin", "health_admin", "unrelated_staff"])
def test_only_management_sees_reports(world, who):
    client = world.client_for(getattr(world, who))
    for name in ("insights:gap_report", "insights:gap_report_csv", "insights:followup", "insights:followup_csv"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get("/api/v1/forbattring/brister/").status_code == 403
    assert client.get("/api/v1/forbattring/uppfoljning/").status_code == 403


def test_family_and_anonymous_get_no_report(world):
    family = world.client_for(world.guardian1.user)
    assert family.get(reverse("insights:gap_report")).status_code == 404
    anonymous = Client()
    assert anonymous.get(reverse("insights:gap_report")).status_code == 302
    assert anonymous.get("/api/v1/forbattring/brister/").status_code in {401, 403}
    assert family.get("/api/v1/forbattring/uppfoljning/").status_code == 403


def test_management_of_one_principal_gets_404_for_another(world, management):
    add_gaps(world, {("waiting-time", "child-psychiatry", YEAR, 1): 9}, agency=world.unrelated)
    add_gaps(world, {("failed-handover", "school", YEAR, 2): 6}, agency=world.unrelated)
    client = world.client_for(management)
    other = world.other_municipality.uuid
    assert client.get(reverse("insights:gap_report"), {"huvudman": other}).status_code == 404
    assert client.get(reverse("insights:followup_csv"), {"huvudman": other}).status_code == 404
    assert client.get("/api/v1/forbattring/brister/", {"huvudman": other}).status_code == 404
    # Its own report does not count the other municipality's gaps.
    data = client.get("/api/v1/forbattring/brister/").json()
    assert data["by_category"]["total"] == {"value": None, "hidden": True}
    ManagementRole.objects.create(user=management.user, principal=world.other_municipality)
    data = client.get("/api/v1/forbattring/brister/", {"huvudman": other}).json()
    assert data["by_category"]["total"] == {"value": 15, "hidden": False}


def test_menu_entry_for_management_only(world, management):
    home = world.client_for(management).get("/")
    assert "Förbättringsarbete" in home.content.decode()
    coordinator_home = world.client_for(world.coordinator).get("/")
    assert "Förbättringsarbete" not in coordinator_home.content.decode()


def test_the_staff_home_asks_for_the_management_role_once(world, management):
    """The menu entry and the home page's panel share one answer per request; a role
    granted meanwhile shows from the next request on."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client_for(management)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/").content.decode()
    assert f'href="{reverse("insights:index")}"' in html and "Förbättringsrapporten" in html
    assert sum('"insights_managementrole"' in q["sql"] for q in ctx.captured_queries) == 1
    coordinator = world.client_for(world.coordinator)
    assert "Förbättringsrapporten" not in coordinator.get("/").content.decode()
    ManagementRole.objects.create(user=world.coordinator.user, principal=world.municipality)
    assert "Förbättringsrapporten" in coordinator.get("/").content.decode()


def test_report_page_runs_a_fixed_number_of_queries(world, management, django_assert_max_num_queries):
    client = world.client_for(management)
    client.get(reverse("insights:gap_report"))  # warm the session
    add_gaps(world, {("waiting-time", "child-psychiatry", YEAR, 1): 6})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("insights:gap_report")).status_code == 200
    add_gaps(
        world,
        {(c, s, YEAR, q): 7 for c in ("other", "blocking-rules") for s in ("lss", "school") for q in (1, 2, 3, 4)},
    )
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("insights:gap_report")).status_code == 200
    assert len(small) == len(large)
    with django_assert_max_num_queries(len(small)):
        client.get(reverse("insights:gap_report"))


def test_chart_geometry_is_not_localised(world, management):
    """Swedish number formatting (decimal comma) would break the SVG attributes."""
    add_gaps(world, SPEC)
    html = world.client_for(management).get(reverse("insights:gap_report")).content.decode()
    numbers = re.findall(r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', html)
    assert len(numbers) == 8
    for group in numbers:
        for number in group:
            float(number)


def test_home_panel_for_management_and_coordinators(world, management):
    from django.template.loader import render_to_string

    from insights.panels import home_staff
    from tests.template_queries import no_template_queries

    def panel(viewer):
        context = {"viewer": viewer, **home_staff(viewer)}  # the home view's read
        with no_template_queries():
            return render_to_string("insights/_home_staff.html", context)

    html = panel(staff_viewer(management))
    assert reverse("insights:gap_report") in html
    html = panel(world.coordinator_viewer)
    assert reverse("insights:gap_list") in html and reverse("insights:gap_report") not in html
    html = panel(staff_viewer(world.school_staff))
    assert "insights-home-heading" not in html
