"""Every sign-in page and mail is the portal's own text (portal/templates/account, mfa,
socialaccount), in Swedish and English: none of allauth's stock phrases, the portal's name
instead of the host the request came in on, and the code fields ready to type in."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from tests.world import PASSWORD, TOTP_SECRET, make_staff, mark_reauthenticated

pytestmark = pytest.mark.django_db

SITE = "Samverkansportalen"
# allauth's stock phrases (its Swedish and English) and host names.
STOCK = [
    "Vänligen",
    "autentiseringskod",
    "Hej från",
    "initierade",
    "Epost",
    "speciell kod",
    "Hello from",
    "Thank you for using",
    "special code",
    "authenticator code",
    "did not initiate",
    "Please reauthenticate",
    "example.com",
    "127.0.0.1",
    "testserver",
]
LANGUAGES = ["sv", "en"]
URL = re.compile(r"https?://\S+")


def client_in(language: str, client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_own_words(text: str, where: str) -> None:
    shown = URL.sub(" ", text)  # a link names the host it was asked on; the words never do
    found = [s for s in STOCK if s.lower() in shown.lower()]
    assert not found, f"{where}: allauth's stock text {found}"


def assert_page(response, where: str, status: int = 200) -> str:
    assert response.status_code == status, where
    html = response.content.decode()
    assert_own_words(re.sub(r"<[^>]+>", " ", html), where)
    assert SITE in html, where
    return html


def totp_now() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_before_sign_in(world, language):
    client = client_in(language)
    for name in [
        "account_login",
        "account_reset_password",
        "account_request_login_code",
        "account_signup",
        "account_inactive",
        "account_email_verification_sent",
    ]:
        assert_page(client.get(reverse(name)), name)
    assert_page(client.get(reverse("account_confirm_email", args=["ogiltig"])), "confirm email")
    assert_page(client.get(reverse("socialaccount_login_cancelled")), "login cancelled")
    assert_page(client.get(reverse("socialaccount_login_error")), "login error", status=401)


@pytest.mark.parametrize("language", LANGUAGES)
def test_login_code_page_and_mail(world, language, mailoutbox):
    client = client_in(language)
    response = client.post(reverse("account_request_login_code"), {"email": world.guardian1.user.email})
    assert response.status_code == 302
    html = assert_page(client.get(response["Location"]), "confirm login code")
    assert 'autocomplete="one-time-code"' in html and "autofocus" in html
    (message,) = mailoutbox
    assert_own_words(message.subject + "\n" + message.body, "login code mail")
    assert SITE in message.subject and SITE in message.body
    assert re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", message.body)
    # A wrong code: the portal's own error beside the field.
    html = assert_page(client.post(response["Location"], {"code": "AAAA-AAAA"}), "wrong login code")
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_address_mail(world, language, mailoutbox):
    client_in(language).post(reverse("account_request_login_code"), {"email": "nobody@nowhere.example"})
    (message,) = mailoutbox
    assert_own_words(message.subject + "\n" + message.body, "unknown account mail")
    assert SITE in message.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_password_reset_pages_and_mail(world, language, mailoutbox):
    client = client_in(language)
    response = client.post(reverse("account_reset_password"), {"email": world.school_staff.user.email})
    assert response.status_code == 302
    assert_page(client.get(response["Location"]), "password reset done")
    (message,) = mailoutbox
    assert_own_words(message.subject + "\n" + message.body, "password reset mail")
    assert SITE in message.subject and SITE in message.body
    link = URL.search(message.body)[0]
    response = client.get(link.split("testserver", 1)[1])
    if response.status_code == 302:
        response = client.get(response["Location"])
    html = assert_page(response, "password reset from key")
    assert 'autocomplete="new-password"' in html
    action = re.search(r'<form method="post" action="([^"]+)"', html)[1]
    new = "Ett-nytt-lösenord-2026"
    response = client.post(action, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert_page(client.get(response["Location"]), "password reset from key done")
    bad = assert_page(client.get(reverse("account_reset_password_from_key", args=["x", "y"])), "bad key")
    assert reverse("account_reset_password") in bad


@pytest.mark.parametrize("language", LANGUAGES)
def test_totp_page_focuses_the_code(world, language):
    client = client_in(language)
    response = client.post(reverse("account_login"), {"login": world.school_staff.user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    html = assert_page(client.get(reverse("mfa_authenticate")), "mfa authenticate")
    field = re.search(r'<input type="text" name="code"[^>]*>', html)[0]
    assert "autofocus" in field
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field
    html = assert_page(client.post(reverse("mfa_authenticate"), {"code": "000000"}), "wrong TOTP")
    assert 'aria-invalid="true"' in html
    # Wrong password: the portal's own error.
    html = assert_page(
        client_in(language).post(reverse("account_login"), {"login": world.school_staff.user.email, "password": "x"}),
        "wrong password",
    )
    assert "E-post" in html or "e-mail" in html.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_after_sign_in(world, language):
    membership = world.school_staff
    client = client_in(language, world.client_for(membership))
    for name in [
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "account_change_password",
        "usersessions_list",
    ]:
        assert_page(client.get(reverse(name)), name)
    mark_reauthenticated(client, membership.user)
    for name in ["mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "socialaccount_connections"]:
        response = client.get(reverse(name))
        if response.status_code in (302, 404):  # no recovery codes yet
            continue
        assert_page(response, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_family_pages(world, language):
    client = client_in(language, world.client_for(world.guardian1.user))
    for name in ["mfa_index", "account_set_password", "mfa_activate_totp", "usersessions_list"]:
        assert_page(client.get(reverse(name)), name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_totp_enrolment(world, language):
    membership = make_staff(world.school, "Ny Personal", totp=False)
    client = client_in(language, world.client_for(membership))
    mark_reauthenticated(client, membership.user)
    html = assert_page(client.get(reverse("mfa_activate_totp")), "activate TOTP")
    assert 'inputmode="numeric"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_security_notices(world, language, settings):
    """The notices allauth sends when notifications are on, rendered as the adapter does."""
    from allauth.account.adapter import get_adapter

    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    from allauth.core import context

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    request.user = user = world.school_staff.user
    with translation.override(language), context.request_context(request):
        adapter = get_adapter(request)
        for prefix in [
            "account/email/password_changed",
            "mfa/email/totp_activated",
            "mfa/email/totp_deactivated",
            "mfa/email/recovery_codes_generated",
        ]:
            mail.outbox = []
            adapter.send_notification_mail(prefix, user, email=user.email)
            (message,) = mail.outbox
            assert_own_words(message.subject + "\n" + message.body, prefix)
            assert SITE in message.subject and SITE in message.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_templates_without_a_reachable_url(language):
    """Rendered straight from the template: the social sign-up and e-mail confirmation."""
    from django import forms

    class Form(forms.Form):
        email = forms.EmailField()

    with translation.override(language):
        html = render_to_string("socialaccount/signup.html", {"form": Form()})
        assert_own_words(html, "social signup")
        text = render_to_string(
            "account/email/email_confirmation_message.txt",
            {"site_name": SITE, "site_url": "https://portal.example", "activate_url": "https://portal.example/x"},
        )
        assert_own_words(text, "email confirmation")
        assert SITE in text
