"""'Vem har tittat?' as a person would tell it: one line per person and visit (who, for
which agency, when, what in plain words, how long), the entries a tap away, plural
forms right in Swedish and English, one query for the log however long the day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from access.scoping import scope
from accesslog import selectors
from accesslog.visits import duration_words, natural_list, noun
from tests.accesslog.conftest import log_entry

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = datetime(2026, 3, 9, tzinfo=STOCKHOLM)

# Sixteen reads in two minutes (every 8 seconds): the collaboration, the plan, its two
# goals, the mapping's four notes, some of them twice, some in a list and opened.
SIXTEEN_READS = [
    ("cases.Case", "view", 1, "c1"),
    ("cases.Plan", "view", 1, "p1"),
    ("cases.PlanGoal", "list", 2, ""),
    ("cases.PlanGoal", "view", 1, "g1"),
    ("cases.PlanGoal", "view", 1, "g2"),
    ("cases.MappingEntry", "list", 4, ""),
    ("cases.MappingEntry", "view", 1, "m1"),
    ("cases.MappingEntry", "view", 1, "m2"),
    ("cases.MappingEntry", "view", 1, "m3"),
    ("cases.MappingEntry", "view", 1, "m4"),
    ("cases.PlanGoal", "view", 1, "g1"),
    ("cases.Case", "view", 1, "c1"),
    ("cases.PlanGoal", "list", 2, ""),
    ("cases.Plan", "view", 1, "p1"),
    ("cases.MappingEntry", "view", 1, "m2"),
    ("cases.MappingEntry", "list", 4, ""),
]


def _read(world, membership, at, object_type, action="view", count=1, object_id="x", title="", **fields):
    return log_entry(
        at=at,
        actor_id=membership.user_id,
        actor_name=membership.user.full_name,
        agency_id=membership.agency_id,
        agency_name=membership.agency.name,
        role=membership.role,
        title=title,
        child_id=world.child.pk,
        case_id=world.case.pk,
        object_type=object_type,
        object_id=object_id,
        count=count,
        action=action,
        **fields,
    )


def realistic_day(world) -> None:
    """The health worker reads 16 things in 2 minutes; the coordinator looks twice, two
    hours apart (a case and its consents in the morning, one goal before lunch)."""
    start = DAY.replace(hour=14, minute=3, second=5)
    for i, (object_type, action, count, object_id) in enumerate(SIXTEEN_READS):
        at = start + timedelta(seconds=8 * i)
        _read(
            world, world.health_staff, at, object_type, action, count, object_id, title="Psykolog", request_id=f"h{i}"
        )
    morning = DAY.replace(hour=9, minute=12)
    _read(world, world.coordinator, morning, "cases.Case", object_id="c1", title="Samordningsperson")
    _read(world, world.coordinator, morning + timedelta(minutes=4), "consent.Consent", "list", 2, "")
    _read(world, world.coordinator, DAY.replace(hour=11, minute=20), "cases.PlanGoal", object_id="g1")


def _page(world, user=None, language: str = "sv", **params) -> str:
    client = world.client_for(user or world.guardian1.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("accesslog:family", args=[world.child.uuid]), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _visits(html: str) -> list[str]:
    """Each visit's line as text (the details, a tap away, left out)."""
    chunks = html.split('<li class="log-visit">')[1:]
    items = [re.sub(r"<details.*?</details>", "", chunk, flags=re.S).split("</li>", 1)[0] for chunk in chunks]
    lines = []
    for item in items:
        lines.append(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).replace(" ,", ",").strip())
    return lines


def test_a_realistic_day_is_three_visit_lines_in_plain_swedish(world):
    realistic_day(world)
    html = _page(world)
    lines = _visits(html)
    assert len(lines) == 3, lines
    health, before_lunch, morning = lines
    hanna, health_agency = world.health_staff.user.full_name, world.health.name
    assert health == (
        f"kl. 14:03, i ungefär 2 minuter {hanna}, psykolog {health_agency} "
        "Tittade på samverkan, planen, 2 mål och 4 anteckningar från kartläggningen."
    )
    sara, coordination = world.coordinator.user.full_name, world.coordination.name
    assert before_lunch == f"kl. 11:20, en kort stund {sara}, samordningsperson {coordination} Tittade på 1 mål."
    assert morning.startswith("kl. 09:12, i ungefär 4 minuter")
    assert morning.endswith("Tittade på samverkan och 2 samtycken.")
    assert "Måndag 9 mars 2026" in html
    # The sixteen entries a tap away, in order, in a <details> the keyboard reaches.
    details = re.findall(r"<details class=\"log-visit__details\">(.*?)</details>", html, re.S)
    assert len(details) == 2  # the one-entry visit has nothing more to show
    assert "Visa steg för steg (16 steg)" in details[0]
    steps = re.findall(r"<li><time[^>]*>([\d:]+)</time> ([^<]+)</li>", details[0])
    assert len(steps) == 16
    assert steps[0] == ("14:03:05", "Öppnade samverkan")
    assert steps[2] == ("14:03:21", "Såg en lista med 2 mål")
    assert steps[5][1] == "Såg en lista med 4 anteckningar från kartläggningen"
    assert steps[6][1] == "Öppnade 1 anteckning från kartläggningen"
    assert steps[-1][0] == "14:05:05"
    # None of the old wording.
    assert "såg i en lista" not in html and "4 kartläggning " not in html


def test_the_same_day_in_english(world):
    realistic_day(world)
    html = _page(world, language="en")
    assert 'lang="en"' in html
    lines = _visits(html)
    assert len(lines) == 3, lines
    assert lines[0].startswith("at 14:03, for about 2 minutes")
    assert lines[0].endswith("Looked at the collaboration, the plan, 2 goals and 4 notes from the mapping.")
    assert lines[1].startswith("at 11:20, for a short while") and lines[1].endswith("Looked at 1 goal.")
    assert lines[2].startswith("at 09:12, for about 4 minutes")
    assert lines[2].endswith("Looked at the collaboration and 2 consents.")
    assert "Show step by step (16 steps)" in html
    assert "Opened 1 note from the mapping" in html and "Saw a list of 2 goals" in html
    for wrong in ("item of information", "saw in a list", "2 goal ", "2 information"):
        assert wrong not in html


@pytest.mark.parametrize(
    ("language", "object_type", "one", "two"),
    [
        ("sv", "cases.PlanGoal", "1 mål", "2 mål"),
        ("en", "cases.PlanGoal", "1 goal", "2 goals"),
        ("sv", "cases.MappingEntry", "1 anteckning från kartläggningen", "2 anteckningar från kartläggningen"),
        ("en", "cases.MappingEntry", "1 note from the mapping", "2 notes from the mapping"),
        ("sv", "meetings.MinuteNote", "1 minnesanteckning från ett möte", "2 minnesanteckningar från möten"),
        ("en", "meetings.MinuteNote", "1 note from a meeting", "2 notes from meetings"),
        ("sv", "cases.PlanAction", "1 insats", "2 insatser"),
        ("en", "cases.PlanAction", "1 action", "2 actions"),
        ("sv", "meetings.Meeting", "1 möte", "2 möten"),
        ("en", "meetings.Meeting", "1 meeting", "2 meetings"),
        ("sv", "cases.Plan", "planen", "2 planer"),
        ("en", "cases.Plan", "the plan", "2 plans"),
        ("sv", "cases.Case", "samverkan", "2 samverkningar"),
        ("en", "cases.Case", "the collaboration", "2 collaborations"),
        ("sv", "no.SuchModel", "1 annan uppgift", "2 andra uppgifter"),
        ("en", "no.SuchModel", "1 other detail", "2 other details"),
    ],
)
def test_nouns_take_the_right_plural_form(language, object_type, one, two):
    with translation.override(language):
        assert noun(object_type, 1) == one
        assert noun(object_type, 2) == two


def test_every_logged_kind_has_its_own_plain_noun_in_both_languages():
    from django.apps import apps

    from accesslog.visits import _COUNTED, _ONE_OF_A_KIND

    for label in _COUNTED:
        apps.get_model(label)  # each names a model that exists
    for language in ("sv", "en"):
        with translation.override(language):
            for label in _COUNTED:
                one, many = noun(label, 1), noun(label, 3)
                assert one != many and "3" in many, (language, label, one, many)
                assert ("1" in one) != (label in _ONE_OF_A_KIND), (language, label, one)
                assert "item of information" not in one + many


def test_lists_and_durations_read_naturally():
    with translation.override("sv"):
        assert natural_list(["planen"]) == "planen"
        assert natural_list(["planen", "2 mål"]) == "planen och 2 mål"
        assert natural_list(["a", "b", "c"]) == "a, b och c"
        assert duration_words(timedelta(seconds=59)) == "en kort stund"
        assert duration_words(timedelta(seconds=61)) == "i ungefär 1 minut"
        assert duration_words(timedelta(minutes=2)) == "i ungefär 2 minuter"
        assert duration_words(timedelta(minutes=75)) == "i ungefär 1 timme"
        assert duration_words(timedelta(minutes=160)) == "i ungefär 3 timmar"
    with translation.override("en"):
        assert natural_list(["the plan", "2 goals", "1 note"]) == "the plan, 2 goals and 1 note"
        assert duration_words(timedelta(seconds=10)) == "for a short while"
        assert duration_words(timedelta(seconds=61)) == "for about 1 minute"
        assert duration_words(timedelta(minutes=2)) == "for about 2 minutes"
        assert duration_words(timedelta(hours=2)) == "for about 2 hours"


def test_a_pause_of_30_minutes_starts_a_new_visit_and_others_between_do_not(world):
    t = DAY.replace(hour=10)
    _read(world, world.coordinator, t, "cases.Case", object_id="c1")
    _read(world, world.health_staff, t + timedelta(minutes=5), "cases.Plan", object_id="p1")
    _read(world, world.coordinator, t + timedelta(minutes=29), "cases.PlanGoal", object_id="g1")
    _read(world, world.coordinator, t + timedelta(minutes=59), "cases.PlanGoal", object_id="g2")
    with scope(world.guardian1_viewer):
        page = selectors.family_visits(world.guardian1_viewer, child_id=world.child.pk, cursor=None)
    visits = [v for day in page.days for v in day.visits]
    # Newest start first: the coordinator's second visit (30 minutes after her last read),
    # the health worker's read, the coordinator's first visit, not cut by it.
    assert [(v.local_start.strftime("%H.%M"), len(v.entries)) for v in visits] == [
        ("10.59", 1),
        ("10.05", 1),
        ("10.00", 2),
    ]
    with translation.override("sv"):
        assert visits[2].summary == "Tittade på samverkan och 1 mål."
        assert visits[2].duration == "i ungefär 29 minuter"


def test_writes_are_told_after_the_reads(world):
    t = DAY.replace(hour=13)
    _read(world, world.coordinator, t, "cases.Plan", object_id="p1")
    _read(world, world.coordinator, t + timedelta(seconds=20), "cases.PlanGoal", "update", object_id="g1")
    _read(world, world.coordinator, t + timedelta(seconds=40), "cases.PlanGoal", "create", object_id="g3")
    _read(world, world.coordinator, t + timedelta(seconds=50), "cases.PlanGoal", "update", object_id="g2")
    line = _visits(_page(world))[0]
    assert line.endswith("Tittade på planen. Ändrade 2 mål. Lade till 1 mål.")


def test_the_family_of_another_child_sees_none_of_it(world):
    realistic_day(world)
    client = world.client_for(world.other_guardian.user)
    html = client.get(reverse("accesslog:family", args=[world.other_child.uuid])).content.decode()
    assert _visits(html) == []
    assert world.health_staff.user.full_name not in html and world.coordinator.user.full_name not in html
    assert client.get(reverse("accesslog:family", args=[world.child.uuid])).status_code == 404


def test_the_child_is_spoken_to(world):
    realistic_day(world)
    html = _page(world, world.child.user)
    assert "<h1>Vem har tittat på det som står om dig?</h1>" in html
    assert "öppnar det som står om dig i portalen" in html
    assert len(_visits(html)) == 3
    assert "Vem har tittat på det som står om dig?" not in _page(world)  # the guardian is not "du"
    english = _page(world, world.child.user, language="en")
    assert "<h1>Who has looked at what is written about you?</h1>" in english


def test_the_page_reads_the_log_in_one_query_whatever_the_day(world, django_assert_max_num_queries):
    realistic_day(world)
    client = world.client_for(world.guardian1.user)
    url = reverse("accesslog:family", args=[world.child.uuid])
    client.get(url)  # the family chain's first entry looks for a retention anchor once
    with django_assert_max_num_queries(QUERY_BUDGET) as small:
        client.get(url)
    for i in range(150):
        at = DAY.replace(hour=16) + timedelta(seconds=i)
        _read(world, world.social_staff, at, "cases.PlanGoal", object_id=f"g{i}")
    with django_assert_max_num_queries(QUERY_BUDGET) as large:
        html = client.get(url).content.decode()
    assert len(small.captured_queries) == len(large.captured_queries)
    # Every statement that touches the log's table (the reads are grouped in the database).
    log_reads = [q for q in large.captured_queries if "portal_accesslogentry" in q["sql"].lower()]
    assert len(log_reads) == 1
    assert "Tittade på 150 mål." in html


# The whole request: session, user, memberships, the child, the log (one query), the
# bell, the export check, and the family's own read appended to its chain.
QUERY_BUDGET = 15


def test_pages_end_between_visits(world, monkeypatch):
    t = DAY.replace(hour=10)
    for minute in (0, 5, 10):
        _read(world, world.coordinator, t + timedelta(minutes=minute), "cases.PlanGoal", object_id=f"g{minute}")
    _read(world, world.health_staff, t + timedelta(minutes=7), "cases.Plan", object_id="p1")
    _read(world, world.social_staff, t - timedelta(hours=1), "cases.Case", object_id="c1")
    viewer = world.guardian1_viewer
    with scope(viewer):
        first = selectors.family_visits(viewer, child_id=world.child.pk, cursor=None, size=1)
        # The health worker's read starts last, but the coordinator's visit reaches past
        # it: shown whole on this page, not cut in two.
        assert [len(v.entries) for d in first.days for v in d.visits] == [1, 3]
        second = selectors.family_visits(
            viewer, child_id=world.child.pk, cursor=selectors.Cursor.decode(first.next_cursor), size=1
        )
        assert [v.name for d in second.days for v in d.visits] == [world.social_staff.user.full_name]
        assert second.next_cursor is None
        # Past the rows one query reads, a visit that may go on waits for the next page.
        _read(world, world.social_staff, t + timedelta(hours=2), "cases.Case", object_id="c1")
        monkeypatch.setattr(selectors, "FAMILY_ROWS", 3)
        capped = selectors.family_visits(viewer, child_id=world.child.pk, cursor=None)
        assert [v.local_start.strftime("%H.%M") for d in capped.days for v in d.visits] == ["12.00"]
        monkeypatch.setattr(selectors, "FAMILY_ROWS", 2000)
        rest = selectors.family_visits(
            viewer, child_id=world.child.pk, cursor=selectors.Cursor.decode(capped.next_cursor)
        )
        assert [len(v.entries) for d in rest.days for v in d.visits] == [1, 3, 1]


def test_the_line_names_the_collaboration_first_not_what_the_page_read_first(world):
    t = DAY.replace(hour=15)
    for i, object_type in enumerate(["meetings.Invitation", "meetings.Meeting", "cases.TeamMember", "cases.Case"]):
        _read(world, world.health_staff, t + timedelta(seconds=i), object_type, object_id=f"o{i}")
    line = _visits(_page(world))[0]
    assert line.endswith("Tittade på samverkan, 1 möte, 1 inbjudan och 1 verksamhet i teamet.")


def test_a_long_sitting_across_the_read_limit_loses_no_reads(world, monkeypatch):
    """One person's four hours without a 30-minute pause, with another person's short
    visits in between, read FAMILY_ROWS at a time: every read shows up on some page, once."""
    t = DAY.replace(hour=8)
    for minute in range(0, 241, 10):  # 08:00 .. 12:00, 25 reads
        _read(world, world.coordinator, t + timedelta(minutes=minute), "cases.PlanGoal", object_id=f"g{minute}")
    for hour in range(4):  # 08:35, 09:35, 10:35, 11:35
        _read(world, world.health_staff, t + timedelta(hours=hour, minutes=35), "cases.Plan", object_id=f"p{hour}")
    monkeypatch.setattr(selectors, "FAMILY_ROWS", 10)
    viewer = world.guardian1_viewer
    seen: list[int] = []
    cursor = None
    with scope(viewer):
        for _page_number in range(20):
            page = selectors.family_visits(viewer, child_id=world.child.pk, cursor=cursor)
            seen += [e.pk for d in page.days for v in d.visits for e in v.entries]
            if page.next_cursor is None:
                break
            cursor = selectors.Cursor.decode(page.next_cursor)
    assert len(seen) == 29
    assert len(set(seen)) == 29


def _sitting(world, membership, start, n: int) -> None:
    """`n` reads one second apart by one person: a page kept open and reloaded."""
    from access.scoping import system_scope
    from accesslog.append import append
    from accesslog.models import AccessLogEntry

    kinds = [
        ("cases.Case", "view", 1, "c1"),
        ("cases.TeamMember", "list", 5, ""),
        ("meetings.Meeting", "view", 1, "m1"),
        ("meetings.Invitation", "list", 6, ""),
        ("meetings.Meeting", "view", 1, "m2"),
    ]
    rows = []
    for i in range(n):
        object_type, action, count, object_id = kinds[i % len(kinds)]
        rows.append(
            AccessLogEntry(
                at=start + timedelta(seconds=i),
                actor_id=membership.user_id,
                actor_name=membership.user.full_name,
                agency_id=membership.agency_id,
                agency_name=membership.agency.name,
                role=membership.role,
                child_id=world.child.pk,
                case_id=world.case.pk,
                object_type=object_type,
                object_id=object_id,
                count=count,
                action=action,
                basis=AccessLogEntry.Basis.OWN,
                chain=f"agency:{membership.agency_id}",
                request_id=f"s{i}",
            )
        )
    with system_scope():
        append(rows, keep_time=True)


def _told(page) -> list[tuple]:
    return [(v.name, v.role, v.agency, v.start, v.end, v.size, v.summary) for d in page.days for v in d.visits]


@pytest.mark.postgres
def test_a_sitting_of_2000_reads_is_counted_in_the_database_and_told_as_before(world, monkeypatch):
    """The database groups the visits; what the family is told is what grouping every row
    in Python tells (who, for which agency, when, how long, what), and a visit of 2,000
    reads comes to Python as a few rows, its steps counted by kind."""
    realistic_day(world)
    _sitting(world, world.coordinator, DAY.replace(hour=17), 2000)
    _read(world, world.health_staff, DAY.replace(hour=17, minute=10), "cases.Plan", object_id="p1")
    monkeypatch.setattr(selectors, "FAMILY_ROWS", 4000)  # the whole sitting in one read
    viewer = world.guardian1_viewer
    with scope(viewer):
        in_database = selectors.family_visits(viewer, child_id=world.child.pk, cursor=None)
        with monkeypatch.context() as patched:
            patched.setattr(selectors.connection, "vendor", "sqlite")  # every row, grouped in Python
            in_python = selectors.family_visits(viewer, child_id=world.child.pk, cursor=None)
    assert _told(in_database) == _told(in_python)
    (long,) = [v for d in in_database.days for v in d.visits if v.size == 2000]
    assert len(long.entries) <= 10
    assert long.summary == "Tittade på samverkan, 2 möten, 6 inbjudningar och 5 verksamheter i teamet."
    assert [d.text for d in long.details][:2] == [
        "Öppnade samverkan (400 gånger)",
        "Såg en lista med 5 verksamheter i teamet (400 gånger)",
    ]
    html = _page(world)
    assert "Visa steg för steg (2000 steg)" in html
    assert html.count("<li>") < 40
    assert "Öppnade samverkan (400 gånger)</li>" in html
