"""The basis an entry states for a mixed batch of reads — own data, the coordinator role,
the consent id and version, the family, none — with the cases and the agency's grants
read in one query (`accesslog.basis.facts_and_grants`, a UNION ALL), and the grants not
read at all when every row read is the viewer's agency's own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.policy import NotedRead, ReadContext, in_force
from access.scoping import system_scope
from accesslog import basis, writes
from cases.models import SharedItem
from consent.models import ConsentGrant
from tests.accesslog.conftest import entries_of
from tests.world import category

pytestmark = pytest.mark.django_db

GRANT_TABLE = '"consent_consentgrant"'
CASE_TABLE = '"cases_case"'


def _item(world, author, code: str, case=None) -> SharedItem:
    with system_scope():
        return SharedItem.objects.create(
            case=case or world.case, author_agency=author, category=category(code), title=code, body=code
        )


def _read_of(obj: SharedItem, *, by_id: bool = False) -> NotedRead:
    key = f"id:{obj.category_id}" if by_id else obj.category.code
    return NotedRead("cases.SharedItem", str(obj.uuid), obj.case_id, None, obj.author_agency_id, key, "view")


def _case_read(case) -> NotedRead:
    return NotedRead("cases.Case", str(case.uuid), case.pk, case.child_id, case.owner_agency_id, "basic", "view")


def _write(viewer, reads: list[NotedRead], request_id: str) -> tuple[list, list[str]]:
    with system_scope(), CaptureQueriesContext(connection) as queries:
        writes.write_reads(ReadContext(viewer=viewer, request_id=request_id), reads)
    with system_scope():
        entries = entries_of(request_id=request_id)
    return entries, [q["sql"] for q in queries.captured_queries]


def _stated(entries) -> list[tuple]:
    return sorted((e.object_type, e.object_id, e.case_id, e.basis, e.consent_id, e.consent_version) for e in entries)


def test_a_mixed_batch_states_each_basis_from_one_read_of_cases_and_grants(world):
    consent = world.grant([world.health], ["basic", "school"])
    own = _item(world, world.health, "health")
    shared = _item(world, world.school, "school")
    shared_by_id = _item(world, world.school, "school")
    not_granted = _item(world, world.school, "health")
    elsewhere = _item(world, world.school, "school", case=world.other_case)
    reads = [
        _read_of(own),
        _read_of(shared),
        _read_of(shared_by_id, by_id=True),
        _read_of(not_granted),
        _read_of(elsewhere),
        _case_read(world.case),
        _case_read(world.other_case),
    ]
    entries, sql = _write(world.viewer(world.health_staff), reads, "mixed-health")
    consent_basis = ("consent", consent.pk, consent.version)
    assert _stated(entries) == sorted(
        [
            ("cases.SharedItem", str(own.uuid), world.case.pk, "own", None, None),
            ("cases.SharedItem", str(shared.uuid), world.case.pk, *consent_basis),
            ("cases.SharedItem", str(shared_by_id.uuid), world.case.pk, *consent_basis),
            ("cases.SharedItem", str(not_granted.uuid), world.case.pk, "none", None, None),
            ("cases.SharedItem", str(elsewhere.uuid), world.other_case.pk, "none", None, None),
            ("cases.Case", str(world.case.uuid), world.case.pk, *consent_basis),
            ("cases.Case", str(world.other_case.uuid), world.other_case.pk, "none", None, None),
        ]
    )
    # The cases and the grants in one query; none of the grant table's own.
    reading = [q for q in sql if CASE_TABLE in q or GRANT_TABLE in q]
    assert len(reading) == 1 and GRANT_TABLE in reading[0] and "UNION ALL" in reading[0], reading


def test_coordinator_opener_and_family_bases_in_one_batch(world):
    world.grant([world.health], ["basic", "school"])  # another agency's grants change nothing here
    school_item = _item(world, world.school, "school")
    health_item = _item(world, world.health, "health")
    reads = [_read_of(school_item), _read_of(health_item), _case_read(world.case)]

    coordinator, _sql = _write(world.coordinator_viewer, reads, "mixed-coordinator")
    assert _stated(coordinator) == sorted(
        [
            ("cases.SharedItem", str(school_item.uuid), world.case.pk, "coordinator", None, None),
            ("cases.SharedItem", str(health_item.uuid), world.case.pk, "coordinator", None, None),
            ("cases.Case", str(world.case.uuid), world.case.pk, "coordinator", None, None),
        ]
    )
    opener, _sql = _write(world.viewer(world.school_staff), reads, "mixed-opener")
    assert _stated(opener) == sorted(
        [
            ("cases.SharedItem", str(school_item.uuid), world.case.pk, "own", None, None),
            ("cases.SharedItem", str(health_item.uuid), world.case.pk, "own", None, None),
            ("cases.Case", str(world.case.uuid), world.case.pk, "own", None, None),
        ]
    )
    family, sql = _write(world.guardian1_viewer, reads, "mixed-family")
    assert {(e.basis, e.consent_id) for e in family} == {("family", None)} and len(family) == 3
    assert not [q for q in sql if GRANT_TABLE in q], "the family's basis needs no grant"


def test_a_batch_of_own_rows_reads_no_grant(world):
    world.grant([world.school], ["basic", "health"])
    own = [_item(world, world.school, "school"), _item(world, world.school, "health")]
    entries, sql = _write(world.viewer(world.school_staff), [_read_of(o) for o in own], "own-only")
    assert {e.basis for e in entries} == {"own"} and len(entries) == 2
    assert not [q for q in sql if GRANT_TABLE in q]
    assert len([q for q in sql if CASE_TABLE in q]) == 1


def test_the_grants_read_with_the_cases_are_the_grants_read_alone(world):
    """The UNION's grant rows: what the separate grant query returned before the merge."""
    consent = world.grant([world.health], ["basic", "school", "health"])
    world.grant([world.school], ["health"])  # another agency's: not read
    case_ids, child_ids = {world.case.pk}, {world.other_child.pk}
    with system_scope():
        facts, grants = basis.facts_and_grants(case_ids, child_ids, agency_id=world.health.pk)
        alone = {}
        rows = ConsentGrant._base_manager.filter(
            in_force(timezone.now()), agency_id=world.health.pk, case_id__in=set(facts)
        ).values_list("case_id", "category_id", "category__code", "consent_id", "consent__version")
        for case_id, category_id, code, consent_id, version in rows:
            alone[(case_id, code)] = (consent_id, version)
            alone[(case_id, f"id:{category_id}")] = (consent_id, version)
        assert facts == basis.case_facts(case_ids, child_ids)
    assert set(facts) == {world.case.pk, world.other_case.pk}
    assert grants == alone and grants[(world.case.pk, "health")] == (consent.pk, consent.version)
    assert basis.facts_and_grants(set(), set(), agency_id=world.health.pk) == ({}, {})


@pytest.mark.postgres
def test_the_compiled_facts_query_answers_as_the_queryset(world):
    """On PostgreSQL the query is compiled once with sentinels and the ids bound as arrays
    (`basis._compiled`): the same rows as the queryset it was compiled from, for one id,
    many, none of one kind, and with and without the grants."""
    world.grant([world.health], ["basic", "school", "health"])
    with system_scope():
        assert basis._compiled(True) is not None and basis._compiled(False) is not None
        for case_ids, child_ids in [
            ({world.case.pk}, set()),
            (set(), {world.other_child.pk}),
            ({world.case.pk, world.other_case.pk}, {world.child.pk, world.other_child.pk}),
        ]:
            for agency_id in (None, world.health.pk):
                now = timezone.now()
                expected = sorted(basis._facts_query(case_ids, child_ids, agency_id=agency_id, now=now))
                sql, slots = basis._compiled(agency_id is not None)  # type: ignore[misc]
                bound = {"cases": sorted(case_ids), "children": sorted(child_ids), "agency": agency_id, "now": now}
                with connection.cursor() as cursor:
                    cursor.execute(sql, [bound[s] if isinstance(s, str) else s[0] for s in slots])
                    assert sorted(cursor.fetchall()) == expected
                assert basis.facts_and_grants(case_ids, child_ids, agency_id=agency_id)[0] == {
                    row[1]: basis.CaseFact(row[1], row[2], row[3], row[4], row[5] == "open")
                    for row in expected
                    if row[0] == 0
                }
