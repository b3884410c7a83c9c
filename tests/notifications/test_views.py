"""Pages and API of notifications: own rows only, names only through the policy, a fixed
number of queries, preferences and the unsubscribe link."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from access.scoping import system_scope
from accesslog.models import AccessLogEntry
from cases.models import Case, Child
from notifications import mail, services
from notifications.models import EmailPreference, Notification
from tests.world import personal_number


def _note(world, user, kind="meeting.called", case=None, url="/moten/", agency_id=None):  # type: ignore[no-untyped-def]
    (row,) = services.notify(recipients=[user], kind=kind, case=case or world.case, target_url=url, agency_id=agency_id)
    return row


def _list_region(html: str) -> str:
    return html[html.index('id="notification-list"') : html.index("<h2>")]


def test_guardian_sees_own_notifications_with_the_childs_first_name(world):
    _note(world, world.guardian1.user)
    _note(world, world.guardian2.user, kind="minutes.shared")
    response = world.client_for(world.guardian1.user).get(reverse("notifications:list"))
    body = _list_region(response.content.decode())
    assert response.status_code == 200
    assert "Du har en ny mötesinbjudan" in body
    assert f"Gäller {world.child.first_name}" in body
    assert world.child.last_name not in body  # first name only
    assert "Anteckningar från ett möte" not in body  # the other guardian's row


def test_a_stranger_sees_nothing(world):
    _note(world, world.guardian1.user)
    body = world.client_for(world.other_guardian.user).get(reverse("notifications:list")).content.decode()
    assert "Du har inga notiser just nu." in body
    assert world.child.first_name not in body


def test_no_name_once_the_agency_lost_access(world):
    consent = world.grant([world.health], ["basic"])
    _note(world, world.health_staff.user, kind="preparation.due", agency_id=world.health.pk)
    client = world.client_for(world.health_staff)
    assert f"Gäller {world.child.first_name}" in client.get(reverse("notifications:list")).content.decode()
    world.decide(consent, world.guardian1, "revoked")
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Påminnelse: lämna din förberedelse" in body
    assert world.child.first_name not in body


def test_list_reads_are_logged_for_the_case_not_for_the_rows(world):
    _note(world, world.guardian1.user)
    world.client_for(world.guardian1.user).get(reverse("notifications:list"))
    with system_scope():
        logged = set(AccessLogEntry.objects.values_list("object_type", flat=True))
    assert "notifications.Notification" not in logged
    assert "cases.Case" in logged


def test_anonymous_is_sent_to_sign_in(world, client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_open_marks_read_and_follows_a_local_link_only(world):
    row = _note(world, world.guardian1.user, url="/moten/abc/")
    evil = _note(world, world.guardian1.user, url="https://evil.example/")
    client = world.client_for(world.guardian1.user)
    response = client.get(reverse("notifications:open", args=[row.uuid]))
    assert response.status_code == 302 and response["Location"] == "/moten/abc/"
    row.refresh_from_db()
    assert row.read_at is not None
    response = client.get(reverse("notifications:open", args=[evil.uuid]))
    assert response["Location"] == reverse("notifications:list")


@pytest.mark.parametrize("name", ["notifications:open", "notifications:mark_read"])
def test_someone_elses_notification_is_404_and_unchanged(world, name):
    row = _note(world, world.guardian1.user)
    client = world.client_for(world.guardian2.user)
    response = (
        client.post(reverse(name, args=[row.uuid])) if "mark" in name else client.get(reverse(name, args=[row.uuid]))
    )
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_read_and_mark_all_read(world):
    one, *_rest = (_note(world, world.guardian1.user, kind=k) for k in ("meeting.called", "meeting.changed", "x"))
    theirs = _note(world, world.guardian2.user)
    client = world.client_for(world.guardian1.user)
    assert client.post(reverse("notifications:mark_read", args=[one.uuid])).status_code == 302
    with system_scope():
        assert Notification.objects.filter(read_at__isnull=True, recipient=world.guardian1.user).count() == 2
    client.post(reverse("notifications:mark_all_read"))
    with system_scope():
        assert Notification.objects.filter(read_at__isnull=True, recipient=world.guardian1.user).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bell_shows_an_accessible_unread_count(world):
    for kind in ("meeting.called", "meeting.changed"):
        _note(world, world.guardian1.user, kind=kind)
    _note(world, world.guardian2.user)
    client = world.client_for(world.guardian1.user)
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert re.search(r'class="bell__count" aria-hidden="true">2<', bell)
    assert "2 olästa" in bell
    assert "🔔" not in bell and "<svg" in bell
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="bell"' in page and 'role="status"' in page and 'data-live-refresh="notification reconnect"' in page
    with system_scope():
        last = Notification.objects.filter(recipient=world.guardian1.user).order_by("-pk").first()
    assert f'data-live-last-id="{last.pk}"' in page


def _extra_case(world, n):  # type: ignore[no-untyped-def]
    with system_scope():
        child = Child.objects.create(
            first_name=f"Barn{n}",
            last_name="Extra",
            personal_number=personal_number(date(2015, 1, 1)),
            date_of_birth=date(2015, 1, 1),
            registered_by_agency=world.coordination,
        )
        return Case.objects.create(
            child=child,
            owner_agency=world.coordination,
            opened_by=world.coordinator.user,
            need_description="Stöd.",
            coordinator=world.coordinator.user,
            coordinator_agency=world.coordination,
        )


def test_list_costs_the_same_number_of_queries_at_two_sizes(world, django_assert_num_queries):
    client = world.client_for(world.coordinator)
    _note(world, world.coordinator.user, kind="consent.granted")
    client.get(reverse("notifications:list"))  # warm up the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("notifications:list")).status_code == 200
    for n in range(25):
        case = _extra_case(world, n)
        _note(world, world.coordinator.user, kind="consent.granted", case=case)
        _note(world, world.coordinator.user, kind="action.overdue", case=case, agency_id=world.school.pk)
    with django_assert_num_queries(len(small)):
        body = client.get(reverse("notifications:list")).content.decode()
    assert "Barn24" in body and "Visa äldre notiser" in body


# --- e-mail preferences ------------------------------------------------------------------


def test_family_preferences_offer_family_kinds_only(world):
    body = world.client_for(world.guardian1.user).get(reverse("notifications:preferences")).content.decode()
    assert "Frågor om samtycke" in body
    assert "Nya insatser för din verksamhet" not in body
    assert 'name="kind-consent.requested" value="immediately" checked' in body


def test_saving_preferences(world):
    client = world.client_for(world.coordinator)
    response = client.post(reverse("notifications:preferences"), {"kind-invitation.answered": "never"})
    assert response.status_code == 400  # every offered kind must be answered: nothing saved
    assert EmailPreference.objects.count() == 0
    body = client.get(reverse("notifications:preferences")).content.decode()
    data = dict(re.findall(r'name="(kind-[a-z_.]+)" value="([a-z]+)" checked', body))
    data["kind-invitation.answered"] = "never"
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert services.email_preferences_get(user_id=world.coordinator.user_id, codes=["invitation.answered"]) == {
        "invitation.answered": "never"
    }


def test_unsubscribe_needs_no_sign_in_and_only_post_changes_anything(world, client):
    user = world.guardian1.user
    services.email_preferences_set(user_id=user.pk, choices={"meeting.called": "digest"})
    url = reverse("notifications:unsubscribe", args=[mail.unsubscribe_token(user)])
    assert client.get(url).status_code == 200
    assert services.email_preferences_get(user_id=user.pk, codes=["meeting.called"])["meeting.called"] == "digest"
    response = client.post(url)  # also what a mail client's one-click unsubscribe does
    assert response.status_code == 200 and "Klart" in response.content.decode()
    current = services.email_preferences_get(user_id=user.pk, codes=["meeting.called", "invitation.answered"])
    assert current == {"meeting.called": "never", "invitation.answered": "never"}


def test_forged_unsubscribe_link_is_refused(world, client):
    forged = mail.unsubscribe_token(world.guardian1.user)[:-3] + "abc"
    response = client.post(reverse("notifications:unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert EmailPreference.objects.count() == 0


# --- API -------------------------------------------------------------------------------------


def test_api_lists_own_notifications_and_marks_read(world):
    mine = _note(world, world.guardian1.user)
    theirs = _note(world, world.guardian2.user)
    client = world.client_for(world.guardian1.user)
    data = client.get("/api/v1/notifications/").json()
    assert [r["uuid"] for r in data["results"]] == [str(mine.uuid)]
    assert data["results"][0]["text"] == "Du har en ny mötesinbjudan"
    assert client.get(f"/api/v1/notifications/{theirs.uuid}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.uuid}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.uuid}/read/").json() == {"marked": 1}


def test_api_refuses_the_anonymous(world, client):
    assert client.get("/api/v1/notifications/").status_code in {401, 403}
