"""The fail-closed scope: a query of child or tenant data outside a scope raises."""

import pytest

from access import policy
from access.scoping import FAMILY, STAFF, ScopeError, Viewer, scope, system_scope
from agencies.models import Membership
from cases.models import Case, Child, SharedItem
from consent.models import ConsentGrant
from meetings.models import Meeting
from notifications.models import Notification
from tests.world import staff_viewer


@pytest.mark.parametrize("model", [Case, Child, SharedItem, Membership, ConsentGrant, Meeting, Notification])
def test_unscoped_query_raises(world, no_scope, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())


def test_unscoped_count_and_create_raise(world, no_scope):
    with pytest.raises(ScopeError):
        Case.objects.count()
    with pytest.raises(ScopeError):
        Child.objects.filter(pk=world.child.pk).exists()


def test_scoped_query_is_restricted_to_the_viewer(world, no_scope):
    with scope(staff_viewer(world.unrelated_staff)):
        assert list(Case.objects.values_list("pk", flat=True)) == [world.other_case.pk]
    with scope(staff_viewer(world.school_staff)):
        assert list(Case.objects.values_list("pk", flat=True)) == [world.case.pk]


def test_system_scope_sees_everything(world, no_scope):
    with system_scope():
        assert Case.objects.count() == 2


def test_model_without_rule_fails_loudly(world):
    class Fake:
        class _meta:
            label = "fake.Model"

    with pytest.raises(ScopeError):
        policy._rule(Fake, staff_viewer(world.school_staff))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": STAFF, "user_id": 1},
        {"kind": STAFF, "agency_id": 1},
        {"kind": FAMILY, "role": "guardian"},
    ],
)
def test_a_staff_or_family_viewer_cannot_be_made_without_its_ids(fields):
    # The policy filters by these ids; None would read as IS NULL and match the rows of
    # people without an account.
    with pytest.raises(ValueError):
        Viewer(**fields)


# The suite runs scopes as production does (tests/conftest.py): no autouse system scope.


@pytest.fixture
def cases_seen_in_setup(world):
    # A fixture runs in the system scope, so set-up may read anything.
    return Case.objects.count()


def test_fixtures_run_in_the_system_scope_and_the_body_in_none(cases_seen_in_setup):
    from access.scoping import peek_viewer

    assert cases_seen_in_setup == 2
    assert peek_viewer() is None
    with pytest.raises(ScopeError):
        Case.objects.count()


def test_an_eager_task_runs_with_no_scope_as_in_a_worker(world):
    """A task queued from inside a scope does not inherit it: a worker has none. A task
    that forgets to enter its own scope fails here as it would in production."""
    from celery import shared_task

    from access.scoping import peek_viewer

    seen: list[object] = []

    @shared_task
    def forgetful() -> int:
        seen.append(peek_viewer())
        return Case.objects.count()

    with system_scope(), pytest.raises(ScopeError):
        forgetful.delay()
    assert seen == [None]


def test_a_delivery_task_enters_its_own_scope(world, mailoutbox):
    from notifications.models import Notification
    from notifications.tasks import deliver_notifications

    with system_scope():
        note = Notification.objects.create(recipient=world.coordinator.user, kind="case.joined", case=world.case)
    deliver_notifications.delay([note.pk])  # from no scope, as beat or on_commit would
    with system_scope():
        note.refresh_from_db()
    # Pushed and mailed: the task found the row and the case's words through its own scope.
    assert note.pushed_at is not None
    assert (note.email_state, len(mailoutbox)) == (Notification.EmailState.SENT, 1)
