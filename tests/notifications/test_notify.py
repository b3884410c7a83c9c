"""notify(): rows in the caller's transaction, recipients through the policy, no content."""

from __future__ import annotations

import pytest
from django.db import transaction

from access.scoping import system_scope
from agencies.models import Membership
from notifications import services
from notifications.models import Notification


def _rows(**filters):
    with system_scope():
        return list(Notification.objects.filter(**filters).order_by("pk"))


def test_one_row_per_recipient_deduplicated(world, django_capture_on_commit_callbacks):
    users = [world.guardian1.user, world.guardian1.user.pk, world.guardian2.user]
    with django_capture_on_commit_callbacks() as callbacks:
        created = services.notify(recipients=users, kind="meeting.called", case=world.case, target_url="/moten/x/")
    assert len(created) == 2
    assert {n.recipient_id for n in _rows()} == {world.guardian1.user_id, world.guardian2.user_id}
    assert len(callbacks) == 1  # delivery is queued after commit, once


def test_row_holds_codes_and_links_only(world):
    services.notify(recipients=[world.guardian1.user], kind="meeting.called", case=world.case, target_url="/moten/x/")
    row = _rows()[0]
    values = " ".join(str(getattr(row, f.attname)) for f in Notification._meta.concrete_fields)
    for secret in (world.child.first_name, world.child.last_name, world.case.need_description):
        assert secret not in values


def test_rows_are_written_in_the_callers_transaction_and_vanish_on_rollback(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipients=[world.guardian1.user], kind="meeting.called", case=world.case)
        assert len(_rows()) == 1  # visible inside the transaction
        raise RuntimeError("the change that caused it failed")
    assert _rows() == []
    assert callbacks == []  # nothing is delivered


def test_agency_without_consent_gets_nothing(world):
    services.notify(
        recipients=[world.health_staff.user], kind="action.assigned", case=world.case, agency_id=world.health.pk
    )
    assert _rows() == []


def test_agency_with_consent_gets_the_row_for_its_agency(world):
    world.grant([world.health], ["basic"])
    services.notify(
        recipients=[world.health_staff.user], kind="action.assigned", case=world.case, agency_id=world.health.pk
    )
    (row,) = _rows(kind="action.assigned")
    assert row.recipient_id == world.health_staff.user_id
    assert row.agency_id == world.health.pk


def test_unrelated_family_and_staff_get_nothing(world):
    services.notify(
        recipients=[world.other_guardian.user, world.unrelated_staff.user], kind="meeting.called", case=world.case
    )
    assert _rows() == []


def test_family_row_has_no_agency(world):
    services.notify(
        recipients=[world.guardian1.user], kind="meeting.called", case=world.case, agency_id=world.school.pk
    )
    (row,) = _rows()
    assert row.agency_id is None


def test_recipient_acts_for_the_agency_that_can_see_the_case(world):
    # The school's staff member is named with the coordination agency (not theirs): the
    # row names the school, which owns the case.
    services.notify(
        recipients=[world.school_staff.user], kind="consent.granted", case=world.case, agency_id=world.coordination.pk
    )
    (row,) = _rows()
    assert row.agency_id == world.school.pk


def test_inactive_user_and_left_staff_get_nothing(world):
    with system_scope():
        world.guardian2.user.is_active = False
        world.guardian2.user.save()
        Membership.objects.filter(pk=world.coordinator.pk).update(is_active=False)
    services.notify(
        recipients=[world.guardian2.user, world.coordinator.user],
        kind="consent.granted",
        case=world.case,
        agency_id=world.coordination.pk,
    )
    assert _rows() == []


def test_notification_without_case_needs_only_an_active_user(world):
    services.notify(recipients=[world.unrelated_staff.user], kind="meeting.called", agency_id=world.unrelated.pk)
    (row,) = _rows()
    assert row.agency_id == world.unrelated.pk and row.case_id is None


def test_policy_pass_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    world.grant([world.health, world.social], ["basic"])
    many = [
        world.guardian1.user,
        world.guardian2.user,
        world.child.user,
        world.coordinator.user,
        world.school_staff.user,
        world.health_staff.user,
        world.health_admin.user,
        world.social_staff.user,
        world.unrelated_staff.user,
    ]
    with django_assert_max_num_queries(4 + 2 + 1):
        # users, memberships, children, guardians; the policy's visibility querysets of the
        # 5 agencies and of the 3 family members, each set sent as one UNION ALL; one insert.
        services.notify(recipients=many, kind="meeting.called", case=world.case)
    assert len(_rows(kind="meeting.called")) == 8
