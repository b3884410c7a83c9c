"""No lockout by strangers: failed sign-ins are slowed per address, and per account only
from the address they came from (web.auth_adapter, ACCOUNT_RATE_LIMITS). Before, five
wrong passwords from anywhere locked any account for five minutes, for its owner too."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.test import Client
from django.urls import reverse

from tests.portal.test_sign_in import totp_now
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS_A = "203.0.113.7"  # the stranger
ADDRESS_B = "198.51.100.20"  # the owner, elsewhere
SLOWED = "För många misslyckade inloggningsförsök från den här adressen"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """allauth's rate-limit clock, stopped (a slow machine must not let a minute pass
    mid-test): tests move it on by hand."""
    now = [time.time()]
    monkeypatch.setattr(
        allauth_ratelimit, "time", SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic, sleep=time.sleep)
    )
    return now


def _from(address: str, **headers: str) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def _sign_in(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_twenty_wrong_passwords_from_one_address_do_not_lock_the_owner_out(world):
    email = world.school_staff.user.email
    stranger = _from(ADDRESS_A)
    answers = [_sign_in(stranger, email, f"fel-{n}") for n in range(20)]

    assert [a.status_code for a in answers] == [200] * 20  # the form again, never a 500
    assert SLOWED not in answers[4].content.decode()  # five tries, then slowed
    assert all(SLOWED in a.content.decode() for a in answers[5:])
    # From that address even the right password waits out the limit.
    assert SLOWED in _sign_in(stranger, email, PASSWORD).content.decode()

    owner = _from(ADDRESS_B)
    response = _sign_in(owner, email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert owner.post(reverse("mfa_authenticate"), {"code": totp_now()}).status_code == 302
    home = owner.get("/")
    assert home.status_code == 200 and "Rut" in home.content.decode()


def test_a_sign_in_that_succeeds_clears_that_addresses_failures(world):
    email = world.school_staff.user.email
    for _round in range(2):
        client = _from(ADDRESS_A)
        for n in range(4):
            assert SLOWED not in _sign_in(client, email, f"fel-{n}").content.decode()
        # 8 failures from A in all, more than 5: only cleared counts let this through.
        assert _sign_in(client, email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_slowed_and_their_owners_are_not(world):
    sprayer = _from(ADDRESS_A)
    targets = [world.school_staff, world.health_admin, world.social_staff, world.coordinator, world.school_admin]
    emails = [m.user.email for m in targets] + [f"gissning{n}@test.example" for n in range(5)]
    assert all(email.isascii() for email in emails)  # a valid address: the form does not stop it first
    answers = [_sign_in(sprayer, email, "Sommar2026!") for email in emails]  # one guess each
    assert all(SLOWED not in a.content.decode() for a in answers)
    # The 11th failure within the minute from A is refused, whichever account it names.
    assert SLOWED in _sign_in(sprayer, world.guardian1.email, "Sommar2026!").content.decode()
    for member in targets:
        assert _sign_in(_from(ADDRESS_B), member.user.email, PASSWORD).status_code == 302


def test_an_address_gets_fifty_failed_sign_ins_an_hour(world, clock):
    now = clock
    sprayer = _from(ADDRESS_A)
    for minute in range(5):  # 10 a minute, the most the per-minute rate lets through
        for n in range(10):
            answer = _sign_in(sprayer, f"gissning{minute}-{n}@test.example", "Sommar2026!")
            assert SLOWED not in answer.content.decode()
        now[0] += 61
    assert SLOWED in _sign_in(sprayer, "gissning-51@test.example", "Sommar2026!").content.decode()
    now[0] += 3600
    assert SLOWED not in _sign_in(sprayer, "gissning-52@test.example", "Sommar2026!").content.decode()
    # And the owners were never affected.
    assert _sign_in(_from(ADDRESS_B), world.school_staff.user.email, PASSWORD).status_code == 302


def test_a_forwarded_for_header_from_a_stranger_does_not_pick_a_fresh_address(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    email = world.school_staff.user.email
    answers = [_sign_in(_from(ADDRESS_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), email, f"fel-{n}") for n in range(6)]
    # A is no proxy of ours: every try counts against A, whatever the header says.
    assert SLOWED in answers[-1].content.decode()


def test_too_many_sign_in_posts_from_one_address_get_a_friendly_429_page(world):
    client = _from(ADDRESS_A)
    answers = [_sign_in(client, f"person{n}@test.example", "x") for n in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    page = answers[30]
    assert page.status_code == 429
    html = page.content.decode()
    assert '<html lang="sv">' in html
    assert "För många försök just nu" in html
    assert "Inget konto har låsts" in html
    english = client.post(
        reverse("account_login"), {"login": "x@test.example", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 429
    assert "Too many attempts right now" in english.content.decode()
