"""The bell and the menu's management role are read with the viewer's memberships (or the
family role) when the viewer is resolved (web.viewer_sources), so a page's frame asks no
query of its own for them. The numbers must be exactly what `bell_state` reads through
the policy (the recipient's own rows, whatever agency the staff member acts for), and a
notification read or a role granted shows on the very next resolution."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Max, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import policy
from access.scoping import system_scope
from agencies.models import Membership
from insights.models import ManagementRole
from insights.selectors import is_management
from notifications.models import Notification
from notifications.selectors import BellState, bell_state
from portal import viewers
from portal.models import User
from tests.world import make_staff

pytestmark = pytest.mark.django_db


def _policy_bell(viewer: Any) -> BellState:
    """What the bell shows, asked of the policy directly."""
    with system_scope():
        result = policy.visible_to(Notification, viewer).aggregate(
            unread=Count("id", filter=Q(read_at__isnull=True)), last=Max("id")
        )
    return BellState(unread=result["unread"] or 0, last_id=result["last"] or 0)


def _fresh(user: User) -> User:
    """The user as the next request loads it (no answers kept from an earlier one)."""
    return User.objects.get(pk=user.pk)


def _resolve(user: User, membership: Membership | None = None, *, family: bool = False) -> Any:
    session = {viewers.ACTING_AS_SESSION_KEY: viewers.FAMILY_MODE if family else membership.pk if membership else None}
    return viewers.resolve(user, session).viewer


def _notify(user: User, *, agency: Any = None, read: bool = False, kind: str = "meeting.called") -> Notification:
    with system_scope():
        return Notification.objects.create(
            recipient=user, agency=agency, kind=kind, read_at=timezone.now() if read else None
        )


def test_staff_in_several_agencies_see_the_bell_the_policy_gives(world):
    first = make_staff(world.school, "Mia Mångsyssla")
    with system_scope():
        second = Membership.objects.create(user=first.user, agency=world.health, role="staff", title="kurator")
    user = first.user
    _notify(user, agency=world.school)
    _notify(user, agency=world.health)
    _notify(user, agency=world.health, read=True)
    _notify(user, agency=world.unrelated)  # an agency the user is no member of
    _notify(user)  # no agency
    _notify(world.school_staff.user, agency=world.school)  # someone else's
    newest_other = _notify(world.health_staff.user, agency=world.health)

    for membership in (first, second):
        viewer = _resolve(_fresh(user), membership)
        assert viewer.is_staff and viewer.agency_id == membership.agency_id
        with CaptureQueriesContext(connection) as queries:
            shown = bell_state(viewer=viewer)
        assert len(queries) == 0, "the bell was read with the memberships"
        assert shown == _policy_bell(viewer) == BellState(unread=4, last_id=shown.last_id)
        assert shown.last_id < newest_other.pk
        # Without the answer kept from the resolution, the bell asks the policy itself.
        bare = replace(viewer, user=None, membership=None)
        with CaptureQueriesContext(connection) as queries:
            assert bell_state(viewer=bare) == shown
        assert len(queries) == 1


def test_the_family_sees_the_bell_the_policy_gives(world):
    guardian = world.guardian1.user
    child = world.child.user
    _notify(guardian, kind="consent.requested")
    _notify(guardian, kind="consent.requested", read=True)
    _notify(child, kind="meeting.called")
    for user, role in ((guardian, "guardian"), (child, "child")):
        viewer = _resolve(_fresh(user))
        assert viewer.is_family and viewer.role == role
        with CaptureQueriesContext(connection) as queries:
            shown = bell_state(viewer=viewer)
        assert len(queries) == 0
        assert shown == _policy_bell(viewer)
    assert bell_state(viewer=_resolve(_fresh(guardian))).unread == 1


def test_a_staff_member_acting_as_family_sees_the_same_bell(world):
    with system_scope():
        Membership.objects.create(user=world.guardian1.user, agency=world.school, role="staff")
    _notify(world.guardian1.user, agency=world.school)
    _notify(world.guardian1.user, kind="consent.requested")
    as_family = _resolve(_fresh(world.guardian1.user), family=True)
    as_staff = _resolve(_fresh(world.guardian1.user))
    assert as_family.is_family and as_staff.is_staff
    assert bell_state(viewer=as_family) == bell_state(viewer=as_staff) == _policy_bell(as_family)
    assert _policy_bell(as_family).unread == 2


def test_a_notification_read_or_a_role_granted_shows_on_the_next_resolution(world):
    membership = world.school_staff
    note = _notify(membership.user, agency=world.school)
    viewer = _resolve(_fresh(membership.user), membership)
    assert bell_state(viewer=viewer).unread == 1
    assert not is_management(viewer)

    with system_scope():
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
        ManagementRole.objects.create(user=membership.user, principal=world.municipality)
    viewer = _resolve(_fresh(membership.user), membership)
    with CaptureQueriesContext(connection) as queries:
        assert bell_state(viewer=viewer) == BellState(unread=0, last_id=note.pk)
        assert is_management(viewer)
    assert len(queries) == 0

    with system_scope():
        ManagementRole.objects.filter(user=membership.user).delete()
    assert not is_management(_resolve(_fresh(membership.user), membership))


def test_resolving_a_staff_viewer_is_one_query_and_a_family_viewer_one_once_known(world):
    signed_in_as_family = {viewers.FAMILY_ROLE: "guardian"}  # set by the first request
    for user, session, expected in (
        (world.coordinator.user, {viewers.ACTING_AS_SESSION_KEY: world.coordinator.pk}, 1),
        (world.guardian1.user, {}, 2),  # memberships (none), then the role with the bell
        (world.child.user, {}, 2),
        (world.guardian1.user, signed_in_as_family, 1),  # the role, the bell and "no memberships"
        (world.child.user, {viewers.FAMILY_ROLE: "child"}, 1),
    ):
        user = _fresh(user)
        with CaptureQueriesContext(connection) as queries:
            viewer = viewers.resolve(user, session).viewer
        assert len(queries) == expected, [q["sql"] for q in queries.captured_queries]
        assert viewer.is_staff or viewer.is_family
        with CaptureQueriesContext(connection) as queries:
            assert bell_state(viewer=viewer) == _policy_bell(viewer)
        assert len(queries) == 1  # _policy_bell's own


def test_a_family_session_of_a_user_given_a_membership_resolves_as_staff_as_before(world):
    """Asking the family role first changes nothing: a user with an active membership and no
    agency pinned in the session is staff (the first membership), as when the memberships
    were read first; the family mode still resolves as the family."""
    with system_scope():
        membership = Membership.objects.create(user=world.guardian1.user, agency=world.school, role="staff")
    session = {viewers.FAMILY_ROLE: "guardian"}
    resolution = viewers.resolve(_fresh(world.guardian1.user), session)
    assert resolution.viewer.is_staff and resolution.viewer.membership_id == membership.pk
    assert [m.pk for m in resolution.memberships] == [membership.pk]
    session = {viewers.FAMILY_ROLE: "guardian", viewers.ACTING_AS_SESSION_KEY: viewers.FAMILY_MODE}
    resolution = viewers.resolve(_fresh(world.guardian1.user), session)
    assert resolution.viewer.is_family and [m.pk for m in resolution.memberships] == [membership.pk]
    with system_scope():
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
    resolution = viewers.resolve(_fresh(world.guardian1.user), {viewers.FAMILY_ROLE: "guardian"})
    assert resolution.viewer.is_family and resolution.memberships == []
