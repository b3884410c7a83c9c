"""Families sign in with Swedish eID through allauth's openid_connect provider, against the
real test provider (oidc-provider): identified only by the personal identity number."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from access.scoping import system_scope
from cases.models import Child, Guardian
from portal.models import User
from tests.eid import idp
from tests.world import World

pytestmark = pytest.mark.django_db

LOGIN = "/konto/oidc/eid/login/"


def sign_in(client: Client, number: str, **kwargs: object) -> object:
    """Press "Logga in med BankID (test)", log in at the provider, come back."""
    start = client.post(LOGIN)
    assert start.status_code == 302, start.content[:300]
    back = idp.log_in(start["Location"], number.replace("-", ""), **kwargs)  # type: ignore[arg-type]
    parts = urlsplit(back)
    assert parts.path == idp.SIGN_IN_CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def give_number(guardian: Guardian, number: str) -> None:
    with system_scope():
        Guardian.objects.filter(pk=guardian.pk).update(personal_number=number)


def test_sign_in_page_offers_eid_only_when_configured(db: None, settings: object, eid: idp.TestIdP) -> None:
    assert "Logga in med BankID (test)" in Client().get("/konto/login/").content.decode()
    settings.PORTAL_EID_ENABLED = False  # type: ignore[attr-defined]
    page = Client().get("/konto/login/").content.decode()
    assert "BankID" not in page
    assert "Få en inloggningskod" in page  # the e-mail code stays either way


def test_authorisation_request_uses_the_swedish_profile(eid: idp.TestIdP) -> None:
    start = Client().post(LOGIN)
    query = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(eid.issuer)
    assert set(query["scope"][0].split()) == {"openid", "https://id.oidc.se/scope/naturalPersonNumber"}
    assert query["acr_values"] == [idp.LOA3]
    assert query["code_challenge_method"] == ["S256"]


def test_new_guardian_is_linked_by_personal_number(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19790707", "123")
    with system_scope():
        guardian = Guardian.objects.create(
            first_name="Nora", last_name="Ny", personal_number=number, registered_by_agency=world.school
        )
        world.child.guardianships.create(guardian=guardian, has_custody=True)
    client = Client()
    response = sign_in(client, number)
    assert response.status_code == 302 and response["Location"] == "/"
    with system_scope():
        guardian.refresh_from_db()
    user = guardian.user
    assert user is not None
    assert user.email.endswith("@eid.invalid") and number.replace("-", "") not in user.email
    assert not user.has_usable_password()
    with system_scope():
        assert SocialAccount.objects.get(user=user).uid == number.replace("-", "")
    home = client.get("/")
    assert home.status_code == 200 and "Alva" in home.content.decode()


def test_existing_family_account_is_found_by_its_records(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19850101", "234")
    give_number(world.guardian1, number)
    client = Client()
    sign_in(client, number)
    assert int(client.session["_auth_user_id"]) == world.guardian1.user_id
    # A second sign-in reaches the same account through the stored eID identity.
    client2 = Client()
    sign_in(client2, number)
    assert int(client2.session["_auth_user_id"]) == world.guardian1.user_id
    with system_scope():
        assert SocialAccount.objects.filter(user_id=world.guardian1.user_id).count() == 1


def test_child_records_are_linked_too(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("20120202", "345")
    with system_scope():
        child = Child.objects.create(
            first_name="Ivar",
            last_name="Ny",
            personal_number=number,
            date_of_birth=date(2012, 2, 2),
            registered_by_agency=world.school,
        )
    client = Client()
    sign_in(client, number)
    with system_scope():
        child.refresh_from_db()
    assert child.user_id == int(client.session["_auth_user_id"])


def test_unknown_personal_number_signs_in_to_nothing(world: World, eid: idp.TestIdP) -> None:
    client = Client()
    response = sign_in(client, idp.luhn_number("19700101", "456"))
    assert response.status_code == 302 and response["Location"] == "/eid/inget-har-annu/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Det finns inget här ännu" in page.content.decode()
    with system_scope():
        user = User.objects.get(pk=client.session["_auth_user_id"])
        assert not Guardian.objects.filter(user=user).exists() and not Child.objects.filter(user=user).exists()
    # No access anywhere: the family pages send the person to sign in, staff pages 404.
    assert client.get("/samtycke/familj/").status_code == 302
    assert client.get(f"/samverkan/{world.case.uuid}/").status_code in (302, 403, 404)


def test_protected_identity_signs_in_the_same_way(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19880808", "567")
    with system_scope():
        Guardian.objects.filter(pk=world.guardian2.pk).update(
            personal_number=number, protected_identity=True, user=None
        )
    client = Client()
    sign_in(client, number)
    with system_scope():
        world.guardian2.refresh_from_db()
    assert world.guardian2.user_id == int(client.session["_auth_user_id"])
    assert client.get("/").status_code == 200


def test_account_with_the_same_email_is_never_linked(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19750505", "678")
    # The provider asserts a verified address "<number>@idp.test"; someone has it here.
    with system_scope():
        holder = User.objects.create_user(f"{number.replace('-', '')}@idp.test", full_name="Samma Adress")
    client = Client()
    sign_in(client, number)
    signed_in = int(client.session["_auth_user_id"])
    assert signed_in != holder.pk
    with system_scope():
        assert not SocialAccount.objects.filter(user=holder).exists()
        assert User.objects.get(pk=signed_in).email.endswith("@eid.invalid")


def test_too_low_level_of_assurance_is_refused(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19850101", "789")
    give_number(world.guardian1, number)
    client = Client()
    response = sign_in(client, number, acr=idp.LOA2)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "_auth_user_id" not in client.session
    with system_scope():
        assert not SocialAccount.objects.exists()


def test_replayed_response_is_refused(world: World, eid: idp.TestIdP) -> None:
    number = idp.luhn_number("19850101", "890")
    give_number(world.guardian1, number)
    client = Client()
    start = client.post(LOGIN)
    back = urlsplit(idp.log_in(start["Location"], number.replace("-", "")))
    first = client.get(f"{back.path}?{back.query}")
    assert first.status_code == 302 and "_auth_user_id" in client.session
    # The same response again, in the same browser and in another: no sign-in.
    client.logout()
    again = client.get(f"{back.path}?{back.query}")
    assert "_auth_user_id" not in client.session and again.status_code in (200, 302, 400, 401, 403)
    other = Client()
    other.get(f"{back.path}?{back.query}")
    assert "_auth_user_id" not in other.session


def test_code_for_another_audience_is_refused(world: World, eid: idp.TestIdP) -> None:
    """An authorisation code the provider issued to another client does not sign in."""
    number = idp.luhn_number("19850101", "901")
    give_number(world.guardian1, number)
    client = Client()
    start = client.post(LOGIN)
    foreign = start["Location"].replace("client_id=portal", f"client_id={eid.other_client_id}")
    back = urlsplit(idp.log_in(foreign, number.replace("-", "")))
    client.get(f"{back.path}?{back.query}")
    assert "_auth_user_id" not in client.session


def test_connecting_eid_to_the_signed_in_account_is_refused(world: World, eid: idp.TestIdP) -> None:
    """A signed-in person cannot attach someone's eID to their own account."""
    number = idp.luhn_number("19850101", "912")
    give_number(world.guardian1, number)
    client = world.client_for(world.guardian2.user)
    start = client.post(LOGIN, {"process": "connect"})
    back = urlsplit(idp.log_in(start["Location"], number.replace("-", "")))
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 403
    with system_scope():
        assert not SocialAccount.objects.exists()
    assert int(client.session["_auth_user_id"]) == world.guardian2.user_id


def test_family_eid_never_opens_a_staff_account(world: World, eid: idp.TestIdP) -> None:
    """Records of a person whose account is a staff account: eID refuses (no TOTP bypass)."""
    number = idp.luhn_number("19850101", "923")
    with system_scope():
        Guardian.objects.filter(pk=world.guardian1.pk).update(personal_number=number, user=world.school_staff.user)
    client = Client()
    response = sign_in(client, number)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "_auth_user_id" not in client.session
    with system_scope():
        assert not SocialAccount.objects.exists()
