"""The agency admin's log review: their own agency only, filters, unusual access flagged,
CSV export that is itself logged, keyset paging at a fixed cost."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.scoping import system_scope
from cases.models import TeamMember
from tests.accesslog.conftest import entries_of, log_entry

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = datetime(2026, 3, 10, 10, 0, tzinfo=STOCKHOLM)


def review(world, who=None, **params):
    client = world.client_for(who or world.health_admin)
    return client.get(reverse("accesslog:review"), params)


def health_read(world, name="Hanna Hälsa", *, at=DAY, child_id=None, action="view", **extra):
    return log_entry(
        agency_id=world.health.pk,
        agency_name="BUP Test",
        actor_id=extra.pop("actor_id", world.health_staff.user_id),
        actor_name=name,
        child_id=child_id or world.child.pk,
        case_id=world.case.pk,
        at=at,
        action=action,
        request_id=extra.pop("request_id", f"{name}-{at.isoformat()}"),
        **extra,
    )


def test_admin_sees_own_agencys_log_only(world):
    health_read(world, "Hanna Hälsa")
    log_entry(agency_id=world.school.pk, actor_name="Rut Rektor", child_id=world.child.pk)
    html = review(world).content.decode()
    assert "Hanna Hälsa" in html and "Rut Rektor" not in html
    # The child's name is shown because BUP can see the collaboration (a logged read).
    world.grant([world.health], ["basic"])
    html = review(world).content.decode()
    assert "Alva Testsson" in html


@pytest.mark.parametrize("who", ["health_staff", "coordinator", "school_staff"])
def test_staff_who_are_not_admins_get_404(world, who):
    assert review(world, getattr(world, who)).status_code == 404
    assert world.client_for(getattr(world, who)).get(reverse("accesslog:review_csv")).status_code == 404


def test_family_gets_404(world):
    assert review(world, world.guardian1.user).status_code == 404


def test_a_child_the_agency_cannot_see_is_not_named(world):
    health_read(world, "Hanna Hälsa", child_id=world.other_child.pk)
    html = review(world).content.decode()
    assert "Otto" not in html and "Främling" not in html
    assert f"barn nr {world.other_child.pk}" in html


def test_filters_person_child_period_and_action(world):
    other = world.health_admin
    health_read(world, "Hanna Hälsa", at=DAY)
    health_read(world, "Harald Admin", actor_id=other.user_id, at=DAY + timedelta(days=3))
    health_read(world, "Hanna Hälsa", at=DAY + timedelta(days=5), child_id=world.other_child.pk, action="export")

    def names(**params):
        response = review(world, **params)
        assert response.status_code == 200
        table = response.content.decode().partition("<table")[2]
        return [n for n in ("Hanna Hälsa", "Harald Admin") if n in table], table.count("<tr")

    person = str(world.health_admin.uuid)
    assert names(person=person)[0] == ["Harald Admin"]
    assert names(personal_number=world.child.personal_number)[1] == 3  # header + 2 rows
    assert names(personal_number=world.child.personal_number.replace("-", ""))[1] == 3
    assert names(personal_number="19000101-0000")[1] == 0  # matches nothing: no table
    assert names(since="2026-03-12", until="2026-03-13")[0] == ["Harald Admin"]
    assert names(action="export")[1] == 2
    # The person list offers only the admin's own agency's staff.
    html = review(world).content.decode()
    assert str(world.health_staff.uuid) in html and str(world.school_staff.uuid) not in html


def test_bad_filters_get_a_clear_message(world):
    response = review(world, personal_number="12345", since="2026-03-10", until="2026-03-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Skriv hela personnumret" in html
    assert "Slutdatum kan inte vara före startdatum" in html or "personnumret" in html


def test_unusual_access_is_flagged(world):
    # Night: 23.30 Stockholm time.
    health_read(world, "Natt Person", at=DAY.replace(hour=23, minute=30))
    # A burst: one person opens eleven different children within five minutes.
    for n in range(11):
        health_read(
            world,
            "Snabb Person",
            actor_id=world.health_admin.user_id,
            at=DAY + timedelta(seconds=20 * n),
            child_id=10_000 + n,
        )
    # The coordinator has a role for the child: not flagged for that.
    log_entry(
        agency_id=world.health.pk,
        actor_id=world.coordinator.user_id,
        actor_name="Roll Person",
        child_id=world.child.pk,
        at=DAY,
        request_id="role",
    )
    html = review(world).content.decode()
    rows = {line for line in html.split("<tr") if "Natt Person" in line or "Roll Person" in line}
    night = next(r for r in rows if "Natt Person" in r)
    assert "nattetid" in night and "ingen aktiv roll för barnet" in night
    role = next(r for r in rows if "Roll Person" in r)
    assert "ingen aktiv roll" not in role and "nattetid" not in role
    burst_rows = [line for line in html.split("<tr") if "Snabb Person" in line]
    assert any("11 barn på 5 min" in r for r in burst_rows)
    assert not any("barn på 5 min" in r for r in burst_rows[-10:])  # the first ten are not yet a burst
    # "Unusual only" keeps the flagged rows.
    html = review(world, unusual="on").content.decode()
    assert "Natt Person" in html and "Snabb Person" in html and "Roll Person" not in html


def _flags_by_name(html: str) -> dict[str, list[str]]:
    """Each shown row's badges, by the person's name (the tests give every entry its own),
    leaving out the admin's own reads of the page (logged too)."""
    shown = {}
    for row in html.split("<tr")[2:]:
        name = re.search(r"</time></td>\s*<td>([^<]+)", row)
        if name and name.group(1) != "Harald Admin":
            shown[name.group(1)] = re.findall(r'<span class="badge badge--warn">([^<]*)</span>', row)
    return shown


def test_flags_are_the_same_on_the_page_in_unusual_only_and_in_the_csv(world):
    # The page computes the flags for its own rows, "unusual only" filters on them in the
    # query, the CSV computes them per row: all three must agree.
    night = DAY.replace(hour=23, minute=30)
    health_read(world, "Natt", at=night)
    # The coordinator has a role for the child, in the daytime: flagged for the basis only.
    role = world.coordinator.user_id
    health_read(world, "Nekad", actor_id=role, outcome="denied", basis="none")
    health_read(world, "Utan grund", actor_id=role, basis="none")
    health_read(world, "Roll", actor_id=role)
    # A burst over five minutes, one read every 20 seconds, on children the person has no
    # role for: the eleventh is the burst.
    for n in range(11):
        health_read(
            world,
            f"Snabb {n:02d}",
            actor_id=world.health_admin.user_id,
            at=DAY + timedelta(seconds=20 * n),
            child_id=10_000 + n,
        )
    # One request reading twelve children at once (an export) and writing in one of them:
    # the reads are one burst of 12; the write is never unusual.
    export = DAY + timedelta(hours=2)
    for n in range(12):
        health_read(
            world,
            f"Export {n:02d}",
            actor_id=world.school_staff.user_id,
            at=export,
            action="export",
            child_id=20_000 + n,
            request_id="export",
        )
    health_read(
        world,
        "Skriver",
        actor_id=world.school_staff.user_id,
        at=export,
        action="update",
        child_id=20_000,
        request_id="export",
    )

    page = _flags_by_name(review(world).content.decode())
    unusual = _flags_by_name(review(world, unusual="on").content.decode())

    assert page["Natt"] == ["ingen aktiv roll för barnet", "nattetid"]
    assert page["Nekad"] == ["nekad"]
    assert page["Utan grund"] == ["ingen grund registrerad"]
    assert page["Roll"] == [] and page["Skriver"] == []
    assert page["Snabb 10"] == ["ingen aktiv roll för barnet", "många barn på kort tid (11 barn på 5 min)"]
    assert page["Snabb 09"] == ["ingen aktiv roll för barnet"]
    for n in range(12):
        assert "många barn på kort tid (12 barn på 5 min)" in page[f"Export {n:02d}"]
    assert unusual == {name: flags for name, flags in page.items() if flags}

    client = world.client_for(world.health_admin)
    response = client.get(reverse("accesslog:review_csv"), {"since": "2026-03-10", "until": "2026-03-10"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    csv_flags = {r["personal"]: r["avvikelser"] for r in csv.DictReader(io.StringIO(text))}
    assert csv_flags == {name: "; ".join(flags) for name, flags in page.items()}


def test_team_contact_has_a_role(world):
    with system_scope():
        TeamMember.objects.filter(case=world.case, agency=world.health).update(contact=world.health_staff)
    health_read(world, "Hanna Hälsa")
    row = next(line for line in review(world).content.decode().split("<tr") if "Hanna Hälsa" in line)
    assert "ingen aktiv roll" not in row


def test_csv_export_is_complete_logged_and_names_no_child(world):
    health_read(world, "Hanna Hälsa", at=DAY)
    health_read(world, "Hanna Hälsa", at=DAY + timedelta(hours=1), child_id=world.other_child.pk)
    client = world.client_for(world.health_admin)
    response = client.get(reverse("accesslog:review_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["personal"] for r in rows] == ["Hanna Hälsa", "Hanna Hälsa"]
    assert {r["barn_id"] for r in rows} == {str(world.child.pk), str(world.other_child.pk)}
    assert "Alva" not in text and "Otto" not in text
    assert rows[0]["hash"] and rows[0]["kedja"] == f"agency:{world.health.pk}"
    exports = entries_of(f"agency:{world.health.pk}", action="export")
    assert sorted((e.child_id, e.count, e.object_type, e.actor_id) for e in exports) == sorted(
        [
            (world.child.pk, 1, "accesslog.AccessLogEntry", world.health_admin.user_id),
            (world.other_child.pk, 1, "accesslog.AccessLogEntry", world.health_admin.user_id),
        ]
    )
    # The family sees that the log about their child was exported.
    family = world.client_for(world.guardian1.user)
    html = family.get(reverse("accesslog:family", args=[world.child.uuid])).content.decode()
    assert "Tog ut en kopia av loggen över vem som tittat." in html


def _fill(world, start: int, stop: int) -> None:
    for i in range(start, stop):
        health_read(world, f"Person {i:03d}", at=DAY + timedelta(minutes=i))


def test_review_pages_are_keyset_paged_at_a_fixed_cost(world):
    # Only Hanna's entries (the admin's own reads of the page are logged too).
    hanna = str(world.health_staff.uuid)
    _fill(world, 0, 5)
    review(world, person=hanna)
    with CaptureQueriesContext(connection) as small:
        review(world, person=hanna)
    _fill(world, 5, 75)
    with CaptureQueriesContext(connection) as large:
        first = review(world, person=hanna)
    assert len(small) == len(large)
    html = first.content.decode()
    assert "Person 074" in html and "Person 025" in html and "Person 024" not in html
    older = re.search(r'href="(\?[^"]*)">Visa äldre', html).group(1).replace("&amp;", "&")
    assert f"person={hanna}" in older
    second = world.client_for(world.health_admin).get(reverse("accesslog:review") + older).content.decode()
    assert "Person 024" in second and "Person 000" in second and "Person 025" not in second


def test_the_django_admin_shows_the_log_read_only(world):
    from django.contrib.admin.sites import site

    from accesslog.models import AccessLogEntry
    from portal.models import AuditEvent

    model_admin = site._registry[AccessLogEntry]
    assert site._registry[AuditEvent]
    request = type("R", (), {"user": world.health_admin.user, "viewer": world.viewer(world.health_admin)})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.actions is None


def test_timezone_of_the_page_is_stockholm(world):
    health_read(world, "Hanna Hälsa", at=datetime(2026, 7, 1, 21, 15, tzinfo=UTC))
    assert "2026-07-01 23:15" in review(world).content.decode()
