"""Every read of child data becomes an entry, written by the policy layer: who, for which
agency, what, how, on which basis (own data, coordinator, consent id + version, family),
request id, address and time — and writes through `audit.record` too."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from access.policy import NotedRead, ReadContext
from access.scoping import SYSTEM_VIEWER, system_scope
from accesslog import basis, writes
from accesslog.models import AccessLogEntry
from cases.models import Case, Child, SharedItem
from notifications.models import Notification
from portal import audit
from tests.accesslog.conftest import entries_of
from tests.world import category, personal_number

pytestmark = pytest.mark.django_db


def item(world, author, code: str, title: str = "Uppgift") -> SharedItem:
    with system_scope():
        return SharedItem.objects.create(
            case=world.case, author_agency=author, category=category(code), title=title, body=title
        )


def read(viewer, fetch, *, request_id: str = "req-1", ip: str = "10.1.2.3", action: str | None = None) -> list:
    """Run `fetch` in the viewer's reading scope; return the entries of this request."""
    with policy.reading(viewer, request_id=request_id, ip=ip):
        if action:
            policy.set_read_action(action)
        fetch()
    return entries_of(request_id=request_id)


def test_own_item_is_logged_with_everything_the_log_needs(world):
    own = item(world, world.school, "school")
    entries = read(world.viewer(world.school_staff), lambda: list(SharedItem.objects.filter(pk=own.pk)))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_id, entry.actor_name, entry.agency_id, entry.agency_name) == (
        world.school_staff.user_id,
        "Rut Rektor",
        world.school.pk,
        "Testskolan",
    )
    assert (entry.role, entry.title) == ("staff", "staff")
    assert (entry.child_id, entry.case_id) == (world.child.pk, world.case.pk)
    assert (entry.object_type, entry.object_id, entry.count) == ("cases.SharedItem", str(own.uuid), 1)
    assert (entry.action, entry.basis, entry.outcome) == ("view", "own", "allowed")
    assert (entry.request_id, entry.ip, entry.chain) == ("req-1", "10.1.2.3", f"agency:{world.school.pk}")
    assert entry.at.utcoffset().total_seconds() == 0 or connection.vendor == "sqlite"


def test_read_through_consent_names_the_consent_and_its_version(world):
    consent = world.grant([world.health], ["basic", "school"])
    school_item = item(world, world.school, "school")
    entries = read(world.viewer(world.health_staff), lambda: list(SharedItem.objects.all()))
    assert [(e.object_id, e.basis, e.consent_id, e.consent_version) for e in entries] == [
        (str(school_item.uuid), "consent", consent.pk, 1)
    ]
    # A narrowed consent is a new version: later reads name it.
    from consent import services

    with system_scope():
        narrowed = services.consent_narrow(
            viewer=world.coordinator_viewer, consent=consent, remove=[(world.health.pk, category("school").pk)]
        )
    entries = read(world.viewer(world.health_staff), lambda: list(Case.objects.all()), request_id="req-2")
    assert [(e.object_type, e.basis, e.consent_id, e.consent_version) for e in entries] == [
        ("cases.Case", "consent", narrowed.pk, 2)
    ]


def test_coordinator_and_opener_and_family_bases(world):
    fetch = lambda: list(Case.objects.filter(pk=world.case.pk))  # noqa: E731
    assert [e.basis for e in read(world.coordinator_viewer, fetch, request_id="c")] == ["coordinator"]
    assert [e.basis for e in read(world.viewer(world.school_staff), fetch, request_id="s")] == ["own"]
    family = read(world.guardian1_viewer, fetch, request_id="g")
    assert [(e.basis, e.chain, e.role, e.agency_id) for e in family] == [
        ("family", f"family:{world.child.pk}", "guardian", None)
    ]
    child = read(world.child_viewer, lambda: list(Child.objects.all()), request_id="k")
    assert [(e.object_type, e.basis, e.role, e.child_id) for e in child] == [
        ("cases.Child", "family", "child", world.child.pk)
    ]


def test_a_list_is_one_entry_per_child_and_kind(world):
    born = date(2014, 1, 1)
    with system_scope():
        second_child = Child.objects.create(
            first_name="Bo",
            last_name="Testsson",
            personal_number=personal_number(born),
            date_of_birth=born,
            registered_by_agency=world.school,
        )
        Case.objects.create(
            child=second_child,
            owner_agency=world.school,
            opened_by=world.school_staff.user,
            need_description="Bo behöver stöd.",
            coordinator=world.coordinator.user,
            coordinator_agency=world.coordination,
        )
    for n in range(3):
        item(world, world.school, "school", f"Uppgift {n}")
    viewer = world.viewer(world.school_staff)
    cases = read(viewer, lambda: list(Case.objects.all()), request_id="list-cases")
    assert sorted((e.child_id, e.object_type, e.action, e.count) for e in cases) == sorted(
        [(world.child.pk, "cases.Case", "list", 1), (second_child.pk, "cases.Case", "list", 1)]
    )
    items = read(viewer, lambda: list(SharedItem.objects.all()), request_id="list-items")
    assert [(e.child_id, e.object_type, e.action, e.count, e.object_id) for e in items] == [
        (world.child.pk, "cases.SharedItem", "list", 3, "")
    ]


def test_export_and_live_reads_are_marked(world):
    item(world, world.school, "school")
    viewer = world.viewer(world.school_staff)
    exported = read(viewer, lambda: list(SharedItem.objects.all()), request_id="exp", action="export")
    assert [e.action for e in exported] == ["export"]
    with writes.live_reading(viewer, {"client": ("192.0.2.7", 5555)}) as context:
        list(SharedItem.objects.all())
    live = entries_of(request_id=context.request_id)
    assert context.request_id.startswith("ws-")
    assert [(e.action, e.ip) for e in live] == [("live", "192.0.2.7")]


def test_rows_tied_to_the_child_through_another_row_are_resolved(world):
    """Guardians, guardianships and consent rows carry no case: the log finds their child."""
    consent = world.grant([world.health], ["basic"])
    with system_scope():
        decision = consent.decisions.first()
    reads = [
        NotedRead("cases.Guardian", str(world.guardian1.uuid), None, None, None, None, "view"),
        NotedRead("consent.ConsentDecision", str(decision.pk), None, None, None, None, "view"),
        NotedRead("agencies.Membership", str(world.school_staff.pk), None, None, None, None, "view"),
    ]
    context = ReadContext(viewer=world.coordinator_viewer, request_id="linked")
    with system_scope():
        writes.write_reads(context, reads)
    entries = entries_of(request_id="linked")
    assert sorted((e.object_type, e.child_id, e.basis) for e in entries) == [
        ("cases.Guardian", world.child.pk, "coordinator"),
        ("consent.ConsentDecision", world.child.pk, "coordinator"),
    ]


def test_guardian_reads_through_the_policy_are_logged(world):
    from cases.models import Guardian

    entries = read(world.viewer(world.school_staff), lambda: list(Guardian.objects.all()), request_id="guardians")
    assert {(e.object_type, e.child_id) for e in entries} == {("cases.Guardian", world.child.pk)}


def test_notifications_and_the_log_itself_are_not_child_data(world, make_entries):
    with system_scope():
        Notification.objects.create(recipient=world.school_staff.user, kind="case.opened", case=world.case)
    make_entries(f"agency:{world.school.pk}", 2, child_id=world.child.pk)
    viewer = world.viewer(world.school_admin)
    entries = read(
        viewer,
        lambda: (list(Notification.objects.all()), list(AccessLogEntry.objects.all())),
        request_id="not-child-data",
    )
    assert entries == []


def test_system_and_anonymous_scopes_write_nothing(world):
    from access.scoping import ANONYMOUS_VIEWER

    read(SYSTEM_VIEWER, lambda: list(Case.objects.all()), request_id="sys")
    read(ANONYMOUS_VIEWER, lambda: list(Case.objects.all()), request_id="anon")
    assert entries_of(request_id__in=["sys", "anon"]) == []


def test_writes_are_logged_by_audit_record_in_the_same_transaction(world):
    own = item(world, world.school, "school")
    viewer = world.viewer(world.school_staff)
    with policy.reading(viewer, request_id="write-1", ip="10.9.9.9"):
        audit.record(viewer=viewer, action="shared.item_created", obj=own, case_id=world.case.pk)
        audit.record(viewer=viewer, action="shared.item_updated", obj=own)
    entries = entries_of(request_id="write-1")
    assert [(e.action, e.basis, e.object_id, e.child_id, e.ip) for e in entries] == [
        ("create", "own", str(own.uuid), world.child.pk, "10.9.9.9"),
        ("update", "own", str(own.uuid), world.child.pk, "10.9.9.9"),
    ]
    # A consent decision recorded by the coordinator (through the consent services).
    world.grant([world.health], ["basic"])
    decisions = entries_of(f"agency:{world.coordination.pk}", action="consent_decision")
    assert len(decisions) == 2
    assert {(e.basis, e.object_type, e.child_id) for e in decisions} == {
        ("coordinator", "consent.Consent", world.child.pk)
    }
    # A write that rolls back leaves no entry.
    with pytest.raises(RuntimeError), policy.reading(viewer, request_id="write-1"), transaction.atomic():
        audit.record(viewer=viewer, action="shared.item_updated", obj=own, case_id=world.case.pk)
        raise RuntimeError
    assert len(entries_of(request_id="write-1")) == 2
    # Writes by the system, and events about no case, are not access.
    before = len(entries_of())
    with system_scope():
        audit.record(viewer=None, action="consent.expired", case_id=world.case.pk)
    with policy.reading(viewer, request_id="write-2"):
        audit.record(viewer=viewer, action="agency.staff_invited")
    assert len(entries_of()) == before


@pytest.mark.parametrize(
    ("audit_action", "log_action"),
    [
        ("case.opened", "create"),
        ("meeting.called", "create"),
        ("plan.action_created", "create"),
        ("plan.action_updated", "update"),
        ("minutes.shared", "update"),
        ("consent.granted", "consent_decision"),
        ("consent.revoked", "consent_decision"),
        ("consent.narrowed", "consent_decision"),
        ("consent.requested", "create"),
    ],
)
def test_audit_actions_map_to_log_actions(audit_action, log_action):
    assert writes.action_for(audit_action) == log_action


def test_a_refused_lookup_of_an_existing_row_is_logged_as_denied(world):
    viewer = world.viewer(world.unrelated_staff)
    with policy.reading(viewer, request_id="denied"):
        writes.note_denied(viewer, Case, {"uuid": world.case.uuid})
        writes.note_denied(viewer, Case, {"uuid": "00000000-0000-0000-0000-000000000000"})
        writes.note_denied(viewer, Case, {"uuid": "not-a-uuid"})
    entries = entries_of(request_id="denied")
    assert [(e.object_type, e.child_id, e.outcome, e.basis) for e in entries] == [
        ("cases.Case", world.child.pk, "denied", "none")
    ]


def test_writing_the_log_costs_the_same_queries_for_one_or_many_rows(world):
    """The append is a fixed number of queries per request, whatever was read."""
    consent = world.grant([world.health], ["basic", "school", "health"])
    rows = []
    for n in range(60):
        rows += [item(world, world.school, "school", f"U{n}"), item(world, world.health, "health", f"H{n}")]
    viewer = world.viewer(world.health_staff)

    def cost(objects: list) -> tuple[int, int]:
        reads = [
            NotedRead(
                "cases.SharedItem",
                str(o.uuid),
                o.case_id,
                None,
                o.author_agency_id,
                f"id:{o.category_id}",
                "view",  # views: one entry per row, the worst case for the insert
            )
            for o in objects
        ]
        reads.append(
            NotedRead(
                "cases.Case", str(world.case.uuid), world.case.pk, world.child.pk, world.school.pk, "basic", "view"
            )
        )
        with system_scope():
            before = AccessLogEntry.objects.count()
            with CaptureQueriesContext(connection) as queries:
                writes.write_reads(ReadContext(viewer=viewer, request_id=f"cost-{len(objects)}"), reads)
            return len(queries), AccessLogEntry.objects.count() - before

    cost(rows[:1])  # the chain's first append also looks for a retention anchor
    small = cost(rows[:1])
    # SQLite takes at most 999 parameters per INSERT (about 40 entries).
    big = cost(rows if connection.vendor == "postgresql" else rows[:30])
    assert small[1] == 2 and big[1] > small[1]
    assert small[0] == big[0] <= 8, (small, big)
    bases = {e.basis for e in entries_of(request_id=f"cost-{len(rows) if connection.vendor == 'postgresql' else 30}")}
    assert bases == {"consent", "own"}
    assert consent.pk in {e.consent_id for e in entries_of(basis="consent")}


def test_a_page_read_is_logged_with_the_request_id_and_address(world):
    client = world.client_for(world.school_staff)
    response = client.get(reverse("cases:detail", args=[world.case.uuid]), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    entries = entries_of(request_id=response["X-Request-ID"])
    assert entries, "the case page read child data without a log entry"
    assert {(e.ip, e.actor_id, e.chain) for e in entries} == {
        ("198.51.100.4", world.school_staff.user_id, f"agency:{world.school.pk}")
    }
    assert ("cases.Case", str(world.case.uuid), "view", "own") in {
        (e.object_type, e.object_id, e.action, e.basis) for e in entries
    }


def test_rows_tied_to_the_child_through_another_row_are_logged(world):
    from cases.models import Guardian, Guardianship
    from consent.models import ConsentDecision, ConsentScope

    world.grant([world.health], ["basic"])

    def fetch():  # type: ignore[no-untyped-def]
        list(Guardian.objects.all())
        list(Guardianship.objects.all())
        list(ConsentScope.objects.all())
        list(ConsentDecision.objects.all())

    entries = read(world.coordinator_viewer, fetch, request_id="family-rows")
    assert {(e.object_type, e.child_id, e.action) for e in entries} == {
        ("cases.Guardian", world.child.pk, "list"),
        ("cases.Guardianship", world.child.pk, "list"),
        ("consent.ConsentScope", world.child.pk, "view"),
        ("consent.ConsentDecision", world.child.pk, "list"),
    }
    assert {e.basis for e in entries} == {"coordinator"}


def test_a_refused_detail_page_is_logged_as_denied(world):
    # Another family's guardian opens Alva's "Vem har tittat?" page (it uses get_or_404).
    response = world.client_for(world.other_guardian.user).get(reverse("accesslog:family", args=[world.child.uuid]))
    assert response.status_code == 404
    entries = entries_of(request_id=response["X-Request-ID"])
    assert [(e.object_type, e.outcome, e.child_id) for e in entries] == [("cases.Child", "denied", world.child.pk)]


def test_the_actor_comes_from_the_resolved_membership_without_a_query(world):
    """A signed-in request's viewer carries its membership (with the agency): the log's
    actor facts are the same as when read from the database, at no query."""
    from dataclasses import replace

    from portal import viewers

    viewer = viewers.resolve(world.health_staff.user, None).viewer
    assert viewer.membership is not None and viewer.membership.pk == viewer.membership_id
    with CaptureQueriesContext(connection) as queries:
        from_request = basis.actor_for(viewer)
    assert len(queries) == 0
    read = basis.actor_for(replace(viewer, membership=None))
    assert from_request == read
    assert read.agency_name == world.health.name and read.title == world.health_staff.title
