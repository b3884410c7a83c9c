"""DESIGN rule 9: a recorded concern report (orosanmälan) never reaches the family — not on
a page, in the API, in the data export (JSON, HTML), in "who has looked", nor in their
notifications — while the reporting agency still sees its own record and its admin still
finds the write in the agency's log review.

A concern is recorded by school staff on the child's case; then the custodial guardians
and the child (deciding alone, so the child's own export is reachable too) fetch every
route of the project and every family page is searched for any trace of it.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from accesslog import family_export
from accesslog import selectors as accesslog_selectors
from accesslog.integrity import verify
from accesslog.models import AccessLogEntry
from agencies.models import Membership
from cases import services
from cases.models import ConcernReport
from consent.models import MaturityAssessment
from notifications.models import Notification
from tests.security import matrix
from tests.security.routes import lookup, table
from tests.security.test_access_matrix import _url
from tests.world import make_staff

pytestmark = pytest.mark.django_db

REPORTER = "Rebecka Rapportör"
REPORTER_TITLE = "Skolkurator"
# What would give the record away: the word (any form: orosanmälan, -anmälningar), the
# model's name, and the reporter's name and title (she does nothing else in the case).
TRACES = re.compile(r"orosanm|ConcernReport|Rebecka|Rapportör|Skolkurator", re.IGNORECASE)
FAMILY_ROLES = ("guardian", "other_guardian", "child")


def _reporter(world) -> Membership:  # type: ignore[no-untyped-def]
    with system_scope():
        membership = make_staff(world.school, REPORTER)
        membership.title = REPORTER_TITLE
        membership.save(update_fields=["title"])
    return membership


def _record(world, membership: Membership) -> ConcernReport:  # type: ignore[no-untyped-def]
    """The reporter records the concern, in her own scope as on the case page."""
    reporter = world.viewer(membership)
    with scope(reporter):
        return services.concern_report_record(
            viewer=reporter,
            case=world.case,
            reported_on=timezone.localdate(),
            municipality_id=world.municipality.pk,
        )


def _child_decides_alone(world) -> None:  # type: ignore[no-untyped-def]
    with system_scope():
        MaturityAssessment.objects.create(child=world.child, level="child", reason="Mogen att bestämma själv.")


def _body(response) -> str:  # type: ignore[no-untyped-def]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _traces(text: str, record: ConcernReport) -> list[str]:
    found = sorted({m.group(0) for m in TRACES.finditer(text)})
    if str(record.uuid) in text:
        found.append(str(record.uuid))
    return found


# --------------------------------------------------------------------------------------
# Every route, as every member of the family
# --------------------------------------------------------------------------------------


def test_no_route_shows_the_family_any_trace_of_the_concern(world):
    mw = matrix.build_state(world, matrix.ONE_STATE)
    _child_decides_alone(world)
    record = _record(world, _reporter(world))
    # A staff read of the case after the report: it must still reach "who has looked".
    world.client_for(world.school_staff).get(reverse("cases:detail", args=[world.case.uuid]))
    entries = table()
    routes = [r for r in matrix.discover() if lookup(r.name, entries) is not None]
    clients = {role: mw.client(role) for role in FAMILY_ROLES}
    leaks: list[str] = []
    answered: dict[str, set[str]] = {role: set() for role in FAMILY_ROLES}
    for route in routes:
        entry = lookup(route.name, entries)
        assert entry is not None
        url = _url(route, entry, mw, foreign=False)
        extra = {"HTTP_ACCEPT": "application/json"} if entry.api else {}
        for role, client in clients.items():
            with transaction.atomic():
                response = client.get(url, **extra)
                body = _body(response)
                transaction.set_rollback(True)
            if response.status_code == 200:
                answered[role].add(route.name)
            for trace in _traces(body, record):
                leaks.append(f"GET {url} as {role} ({response.status_code}): {trace}")
    assert not leaks, "\n".join(leaks)
    # The walk did reach the family's pages, the API and the export (else it proves nothing).
    reached = {
        "portal:home",
        "accesslog:family",
        "accesslog:export_json",
        "accesslog:export_html",
        "cases:family_plan",
        "consent:family",
        "meetings:list",
        "notifications:list",
        "notifications:bell",
        "case-list",
        "case-detail",
        "case-plan",
        "notification-list",
    }
    for role in FAMILY_ROLES:
        assert reached <= answered[role], (role, reached - answered[role])


# --------------------------------------------------------------------------------------
# The data export (JSON and HTML), for a guardian and for the child
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["guardian", "child"])
def test_the_export_holds_no_trace_of_the_concern(world, who):
    _child_decides_alone(world)
    record = _record(world, _reporter(world))
    world.client_for(world.school_staff).get(reverse("cases:detail", args=[world.case.uuid]))
    user = world.guardian1.user if who == "guardian" else world.child.user
    client = world.client_for(user)
    response = client.get(reverse("accesslog:export_json", args=[world.child.uuid]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert "cases.ConcernReport" not in {s["model"] for s in data["collaboration"] + data["about_you"]}
    assert not _traces(json.dumps(data, ensure_ascii=False), record)
    # The log in the export is still there: the school's read of the case is in it.
    assert any(row["namn"] == "Rut Rektor" for row in data["access_log"])
    html = client.get(reverse("accesslog:export_html", args=[world.child.uuid])).content.decode()
    assert "Rut Rektor" in html
    assert not _traces(html, record)


def test_the_export_builder_leaves_out_log_entries_about_the_record(world):
    """At the source, not only in the views: `family_export.build` for the guardian."""
    record = _record(world, _reporter(world))
    from access.scoping import scope

    viewer = world.guardian1_viewer
    with scope(viewer):
        export = family_export.build(viewer, world.child)
    assert not _traces(export.json_bytes().decode(), record)
    assert not _traces(family_export.render_html(export), record)
    assert not _traces(family_export.render_html(export, for_pdf=True), record)  # what the PDF is made of


# --------------------------------------------------------------------------------------
# "Who has looked", notifications
# --------------------------------------------------------------------------------------


def test_who_has_looked_lists_staff_reads_but_not_the_concern(world):
    record = _record(world, _reporter(world))
    world.client_for(world.school_staff).get(reverse("cases:detail", args=[world.case.uuid]))
    for user in (world.guardian1.user, world.guardian2.user):
        html = world.client_for(user).get(reverse("accesslog:family", args=[world.child.uuid])).content.decode()
        assert "Rut Rektor" in html  # rule 11: staff reads are shown
        assert not _traces(html, record)
    from access.scoping import scope

    with scope(world.guardian1_viewer):
        page = accesslog_selectors.family_entries(world.guardian1_viewer, child_id=world.child.pk, cursor=None)
        hidden = AccessLogEntry.objects.filter(object_type="cases.ConcernReport")
        assert not hidden.exists()
    assert page.entries and all(e.object_type != "cases.ConcernReport" for e in page.entries)
    assert all(e.actor_name != REPORTER for e in page.entries)


def test_a_concern_recorded_through_the_page_leaves_no_trace_for_the_family(world):
    """The real path: the reporter posts the form and sees her record (reads of the
    record are logged in her agency's chain); the family sees she looked at the
    collaboration (rule 11), and nothing about a concern."""
    school = world.client_for(world.school_staff)
    url = reverse("cases:concern", args=[world.case.uuid])
    response = school.post(
        url, {"reported_on": timezone.localdate().isoformat(), "municipality": str(world.municipality.pk)}
    )
    assert response.status_code == 302
    assert "Rut Rektor anmälde till Testköping" in school.get(url).content.decode()
    with system_scope():
        record = ConcernReport.objects.get()
        kinds = set(AccessLogEntry.objects.filter(object_type="cases.ConcernReport").values_list("action", flat=True))
    assert AccessLogEntry.Action.CREATE in kinds and kinds - {AccessLogEntry.Action.CREATE}  # the write and reads
    guardian = world.client_for(world.guardian1.user)
    html = guardian.get(reverse("accesslog:family", args=[world.child.uuid])).content.decode()
    assert "Rut Rektor" in html
    assert not _traces(html.replace("Rut Rektor", ""), record)
    export = guardian.get(reverse("accesslog:export_json", args=[world.child.uuid])).content.decode()
    assert not _traces(export, record)


def test_the_family_gets_no_notification_of_the_concern(world):
    family = [world.guardian1.user, world.guardian2.user, world.child.user]
    with system_scope():
        before = Notification._base_manager.filter(recipient__in=family).count()
    record = _record(world, _reporter(world))
    with system_scope():
        assert Notification._base_manager.filter(recipient__in=family).count() == before
    for user in family:
        client = world.client_for(user)
        for name in ("notifications:list",):
            assert not _traces(client.get(reverse(name)).content.decode(), record)


# --------------------------------------------------------------------------------------
# The reporting agency still sees its record; the log keeps everything, unbroken
# --------------------------------------------------------------------------------------


def test_the_reporting_agency_still_sees_its_record_and_its_log(world):
    reporter = _reporter(world)
    record = _record(world, reporter)
    html = world.client_for(reporter).get(reverse("cases:concern", args=[world.case.uuid])).content.decode()
    assert f"{REPORTER} anmälde till Testköping" in html
    # The school's admin reviews the school's chain: the write is there, by name.
    review = world.client_for(world.school_admin).get(reverse("accesslog:review")).content.decode()
    assert REPORTER in review and "orosanmälan" in review
    # Another agency's admin does not (their own chain only), nor the coordinator's page.
    other = world.client_for(world.health_admin).get(reverse("accesslog:review")).content.decode()
    assert not _traces(other, record)
    coordinator = world.client_for(world.coordinator).get(reverse("cases:concern", args=[world.case.uuid]))
    assert REPORTER not in coordinator.content.decode()
    # Nothing was removed from the log: the entry is in the school's chain, which verifies.
    with system_scope():
        entry = AccessLogEntry.objects.get(object_type="cases.ConcernReport", action=AccessLogEntry.Action.CREATE)
    assert (entry.chain, entry.actor_name, entry.action) == (
        f"agency:{world.school.pk}",
        REPORTER,
        AccessLogEntry.Action.CREATE,
    )
    with system_scope():
        reports = verify()
    assert reports and all(r.ok for r in reports), reports


# --------------------------------------------------------------------------------------
# The demo: the school reports concern about Elsa; Lena and Elsa look at everything
# --------------------------------------------------------------------------------------


def test_demo_elsas_family_sees_no_trace_of_the_schools_concern_report():
    from agencies.models import Agency, Principal
    from cases.models import Case, Child, Guardian
    from web import demo

    demo.seed()
    with system_scope():
        elsa = Child.objects.get(first_name="Elsa", last_name="Andersson")
        lena = Guardian.objects.get(first_name="Lena").user
        case = Case.objects.get(child=elsa)
        school = Agency.objects.get(pk=case.owner_agency_id)
        rektor = Membership.objects.filter(agency=school, user=case.opened_by).select_related("user").get()
        municipality = Principal.objects.get(pk=school.principal_id)
        if not MaturityAssessment.objects.filter(child=elsa).exists():
            MaturityAssessment.objects.create(child=elsa, level="child", reason="Mogen att bestämma själv.")
    staff = Client()
    staff.force_login(rektor.user)
    session = staff.session
    session["portal_acting_as"] = rektor.pk
    session.save()
    url = reverse("cases:concern", args=[case.uuid])
    response = staff.post(url, {"reported_on": timezone.localdate().isoformat(), "municipality": municipality.pk})
    assert response.status_code == 302, response.content.decode()[:500]
    assert f"{rektor.user.full_name} anmälde till {municipality.name}" in staff.get(url).content.decode()
    with system_scope():
        record = ConcernReport.objects.get(case=case)
        assert AccessLogEntry.objects.filter(child_id=elsa.pk, object_type="cases.ConcernReport").count() >= 2
    for user in (lena, elsa.user):
        family = Client()
        family.force_login(user)
        pages = {
            "who has looked": reverse("accesslog:family", args=[elsa.uuid]),
            "export json": reverse("accesslog:export_json", args=[elsa.uuid]),
            "export html": reverse("accesslog:export_html", args=[elsa.uuid]),
            "home": reverse("portal:home"),
            "notifications": reverse("notifications:list"),
            "plan": reverse("cases:family_plan", args=[case.uuid]),
        }
        for what, page_url in pages.items():
            response = family.get(page_url)
            assert response.status_code == 200, (user.full_name, what, response.status_code)
            text = response.content.decode()
            found = re.findall(r"orosanm|ConcernReport", text, re.IGNORECASE) + (
                [str(record.uuid)] if str(record.uuid) in text else []
            )
            assert not found, (user.full_name, what, found)
        data = json.loads(family.get(pages["export json"]).content)
        assert data["access_log"], "the export still carries the log"
        assert not [row for row in data["access_log"] if "orosanm" in row["vad"].lower()]
