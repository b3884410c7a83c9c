"""Sign-in: staff need TOTP before anything, families use a one-time code, rate limits,
no account enumeration, session lifetime."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from tests.world import PASSWORD, TOTP_SECRET, make_staff, mark_reauthenticated

pytestmark = pytest.mark.django_db

TOO_MANY = "För många misslyckade inloggningsförsök från den här adressen. Vänta några minuter och försök igen."


def totp_now() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def test_login_page_is_swedish(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html


@pytest.mark.parametrize("path", ["/", "/samverkan/", "/moten/", "/verksamhet/personal/", "/notiser/"])
def test_staff_without_totp_reaches_only_enrolment(world, path):
    membership = make_staff(world.school, "Ny Personal", totp=False)
    client = world.client_for(membership)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_totp_can_open_enrolment_and_api_is_refused(world):
    membership = make_staff(world.school, "Ny Personal", totp=False)
    client = world.client_for(membership)
    # allauth asks for the password again before TOTP is enabled; that page stays open.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    mark_reauthenticated(client, membership.user)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get("/api/v1/cases/").status_code == 403


def test_staff_with_totp_reaches_home(world):
    client = world.client_for(world.school_staff)
    response = client.get("/")
    assert response.status_code == 200
    assert "Testskolan" in response.content.decode()


def test_staff_password_login_then_totp(world):
    client = Client()
    response = client.post(reverse("account_login"), {"login": world.school_staff.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in before the second factor.
    assert client.get("/").status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Rut" in home.content.decode()


def test_guardian_signs_in_with_emailed_code(world, mailoutbox):
    client = Client()
    email = world.guardian1.user.email
    response = client.post(reverse("account_request_login_code"), {"email": email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mailoutbox[0].body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Du bestämmer vem som får se vad" in home.content.decode()


def test_unknown_email_gets_same_answer_as_known(world, mailoutbox):
    known = Client().post(reverse("account_request_login_code"), {"email": world.guardian1.user.email})
    unknown = Client().post(reverse("account_request_login_code"), {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_failed_logins_trip_the_rate_limit(world):
    client = Client()
    responses = [
        client.post(reverse("account_login"), {"login": world.school_staff.user.email, "password": "fel"})
        for _ in range(7)
    ]
    statuses = [r.status_code for r in responses]
    last = responses[-1]
    # The correct password is refused too while the limit holds.
    blocked = client.post(reverse("account_login"), {"login": world.school_staff.user.email, "password": PASSWORD})
    assert blocked.status_code == 200
    assert TOO_MANY in blocked.content.decode()
    assert statuses == [200] * 7
    assert TOO_MANY in last.content.decode()


def test_idle_staff_session_ends(world, settings):
    client = world.client_for(world.school_staff)
    assert client.get("/").status_code == 200
    session = client.session
    session["portal_seen_at"] = time.time() - settings.STAFF_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert client.get("/").status_code == 302


def test_signed_in_pages_are_not_stored(world):
    client = world.client_for(world.school_staff)
    response = client.get("/")
    assert response["Cache-Control"] == "no-store, private"


def test_admin_site_is_behind_portal_sign_in(world):
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
