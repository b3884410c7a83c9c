"""A family member's consent decision confirmed by a fresh eID authentication at the real
test provider (prompt=login, max_age=0), with the evidence kept and shown."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.test import Client, override_settings

from access.scoping import system_scope
from consent.models import Consent, ConsentDecision
from portal.eid import oidc
from portal.eid.conf import config
from portal.eid.models import EidEvidence
from tests.eid import idp
from tests.world import World

pytestmark = pytest.mark.django_db

NUMBER = idp.luhn_number("19850101", "111")


@pytest.fixture
def family(world: World, eid: idp.TestIdP) -> tuple[World, Client, Consent]:
    from cases.models import Guardian

    with system_scope():
        Guardian.objects.filter(pk=world.guardian1.pk).update(personal_number=NUMBER)
    consent = world.request_consent([world.health, world.social], ["health", "school"])
    return world, world.client_for(world.guardian1.user), consent


def confirm(client: Client, start_response: object, number: str = NUMBER, **kwargs: object) -> object:
    location = start_response["Location"]  # type: ignore[index]
    back = urlsplit(idp.log_in(location, number.replace("-", ""), **kwargs))  # type: ignore[arg-type]
    assert back.path == idp.STEPUP_CALLBACK
    return client.get(f"{back.path}?{back.query}")


def test_answer_is_confirmed_by_a_fresh_eid_login_and_keeps_evidence(family: tuple[World, Client, Consent]) -> None:
    world, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    assert start.status_code == 302
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"] and query["acr_values"] == [idp.LOA3]
    assert len(mail.outbox) == 0  # no e-mailed code where eID is configured
    done = confirm(client, start)
    assert done.status_code == 302 and done["Location"] == f"/samtycke/familj/{consent.uuid}/"
    with system_scope():
        decision = ConsentDecision.objects.get(consent=consent, guardian=world.guardian1)
    assert decision.decision == "granted" and decision.method == "portal"
    with system_scope():
        evidence = EidEvidence.objects.get(decision=decision)
    assert evidence.issuer == world_issuer() and evidence.acr == idp.LOA3 and evidence.action == "granted"
    assert len(evidence.id_token_sha256) == 64
    assert abs(evidence.auth_time.timestamp() - time.time()) < 30
    page = client.get(done["Location"]).content.decode()
    assert "Bekräftad med BankID (test), nivå 3, kl" in page
    # Staff see it in the consent history.
    history = world.client_for(world.coordinator).get(f"/samtycke/{consent.uuid}/historik/").content.decode()
    assert "Bekräftad med BankID (test), nivå 3, kl" in history


def world_issuer() -> str:
    eid = config()
    assert eid is not None
    return eid.issuer


def test_revoking_and_narrowing_are_confirmed_by_eid(family: tuple[World, Client, Consent]) -> None:
    world, client, consent = family
    world.decide(consent, world.guardian2)
    confirm(client, client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"}))
    # Narrow: keep health for BUP only.
    with system_scope():
        card_pairs = [
            f"{world.health.pk}:{c}"
            for c in Consent.objects.get(pk=consent.pk)
            .scopes.filter(agency=world.health)
            .values_list("category_id", flat=True)
        ]
    start = client.post(f"/samtycke/familj/{consent.uuid}/begransa/", {"keep": card_pairs})
    assert start.status_code == 302 and start["Location"].startswith(world_issuer())
    with system_scope():
        assert not Consent.objects.filter(series=consent.series, version=2).exists()
    confirm(client, start)
    with system_scope():
        narrowed = Consent.objects.get(series=consent.series, version=2)
    assert "Bekräftad med BankID (test)" in narrowed.change_note
    with system_scope():
        assert EidEvidence.objects.filter(consent=narrowed, action="narrowed").exists()
    # Revoke the narrowed version.
    start = client.post(f"/samtycke/familj/{narrowed.uuid}/ta-tillbaka/")
    assert start["Location"].startswith(world_issuer())
    with system_scope():
        assert ConsentDecision.objects.filter(consent=narrowed, decision="revoked").count() == 0
    confirm(client, start)
    with system_scope():
        assert (
            ConsentDecision.objects.filter(consent=narrowed, decision="revoked", guardian=world.guardian1).count() == 1
        )
        assert EidEvidence.objects.filter(consent=narrowed, action="revoked").count() == 1


def refused(client: Client, consent: Consent, response: object) -> None:
    assert response.status_code in (302, 400)  # type: ignore[attr-defined]
    with system_scope():
        assert not ConsentDecision.objects.filter(consent=consent, method="portal").exists()
        assert not EidEvidence.objects.exists()


def test_old_authentication_is_refused(family: tuple[World, Client, Consent]) -> None:
    _, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    response = confirm(client, start, age=600)
    refused(client, consent, response)
    assert "Inget har ändrats" in client.get(f"/samtycke/familj/{consent.uuid}/").content.decode()


def test_too_low_level_is_refused(family: tuple[World, Client, Consent]) -> None:
    _, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    refused(client, consent, confirm(client, start, acr=idp.LOA2))


def test_another_persons_login_is_refused(family: tuple[World, Client, Consent]) -> None:
    _, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    refused(client, consent, confirm(client, start, number=idp.luhn_number("19700101", "222")))


def test_replayed_response_is_refused(family: tuple[World, Client, Consent]) -> None:
    _, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "refused"})
    back = urlsplit(idp.log_in(start["Location"], NUMBER.replace("-", "")))
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    with system_scope():
        assert ConsentDecision.objects.filter(consent=consent, method="portal").count() == 1
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 400
    with system_scope():
        assert ConsentDecision.objects.filter(consent=consent, method="portal").count() == 1
    # A made-up state is refused the same way.
    assert client.get(f"{idp.STEPUP_CALLBACK}?state=x&code=y").status_code == 400


def test_cancel_at_the_provider_changes_nothing(family: tuple[World, Client, Consent]) -> None:
    _, client, consent = family
    start = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    browser = requests.Session()
    url = urljoin(start["Location"], browser.get(start["Location"], allow_redirects=False).headers["Location"])
    response = browser.post(url, data={"action": "cancel"}, allow_redirects=False)
    resume = urljoin(url, response.headers["Location"])
    back = urlsplit(browser.get(resume, allow_redirects=False).headers["Location"])
    refused(client, consent, client.get(f"{back.path}?{back.query}"))


# --- The ID token checks, on tokens the real provider issued ----------------------------


def real_token(eid: idp.TestIdP, *, client_id: str, secret: str, age: int = 0) -> tuple[str, dict[str, str], float]:
    """Run the code flow by hand for `client_id`; return (id_token, request, started)."""
    cfg = config()
    assert cfg is not None
    pending = oidc.new_request()
    started = time.time()
    redirect_uri = f"http://testserver{idp.STEPUP_CALLBACK}"
    url = oidc.authorization_url(cfg, pending, redirect_uri).replace("client_id=portal", f"client_id={client_id}")
    back = parse_qs(urlsplit(idp.log_in(url, NUMBER.replace("-", ""), age=age)).query)
    response = requests.post(
        oidc.discovery(cfg)["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": back["code"][0],
            "redirect_uri": redirect_uri,
            "code_verifier": pending["verifier"],
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["id_token"], pending, started


def test_a_good_token_passes(eid: idp.TestIdP) -> None:
    cfg = config()
    assert cfg is not None
    token, pending, started = real_token(eid, client_id="portal", secret=eid.client_secret)
    evidence = oidc.verify(cfg, token, nonce=pending["nonce"], not_before=started)
    assert evidence.personal_number == NUMBER.replace("-", "") and evidence.acr == idp.LOA3


def test_token_for_another_audience_is_refused(eid: idp.TestIdP) -> None:
    cfg = config()
    assert cfg is not None
    token, pending, started = real_token(eid, client_id=eid.other_client_id, secret=eid.other_client_secret)
    with pytest.raises(oidc.EidError, match=r"(?i)audience"):
        oidc.verify(cfg, token, nonce=pending["nonce"], not_before=started)


def test_token_signed_by_another_key_is_refused(eid: idp.TestIdP) -> None:
    cfg = config()
    assert cfg is not None
    token, pending, started = real_token(eid, client_id="portal", secret=eid.client_secret)
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, rogue, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(oidc.EidError, match=r"[Ss]ignature"):
        oidc.verify(cfg, forged, nonce=pending["nonce"], not_before=started)


def test_expired_and_stale_tokens_are_refused(eid: idp.TestIdP) -> None:
    cfg = config()
    assert cfg is not None
    token, pending, started = real_token(eid, client_id="portal", secret=eid.client_secret)
    with pytest.raises(oidc.EidError, match=r"expired|fresh"):
        oidc.verify(cfg, token, nonce=pending["nonce"], not_before=started, now=time.time() + 3600)
    with pytest.raises(oidc.EidError, match="nonce"):
        oidc.verify(cfg, token, nonce="another", not_before=started)
    old, pending, started = real_token(eid, client_id="portal", secret=eid.client_secret, age=300)
    with pytest.raises(oidc.EidError, match="fresh"):
        oidc.verify(cfg, old, nonce=pending["nonce"], not_before=started)


# --- No mail to eID accounts ------------------------------------------------------------


@override_settings(
    EMAIL_BACKEND="portal.eid.mail.EmailBackend",
    PORTAL_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)
def test_no_mail_is_ever_sent_to_an_eid_address(db: None) -> None:
    sent = mail.send_mail("Ämne", "Text", None, ["abc@eid.invalid"])
    assert sent == 0 and mail.outbox == []
    mail.send_mail("Ämne", "Text", None, ["abc@eid.invalid", "someone@test.example"])
    assert [m.to for m in mail.outbox] == [["someone@test.example"]]


def test_without_eid_an_eid_only_account_is_never_mailed_a_code(world: World, settings: object) -> None:
    """eID turned off later: the account's reserved address gets no code (it reaches nobody)."""
    from portal.models import User

    settings.PORTAL_EID_ENABLED = False  # type: ignore[attr-defined]
    with system_scope():
        User.objects.filter(pk=world.guardian1.user_id).update(email="0123abcd@eid.invalid")
    consent = world.request_consent([world.health], ["health"])
    with system_scope():
        client = world.client_for(User.objects.get(pk=world.guardian1.user_id))
    response = client.post(f"/samtycke/familj/{consent.uuid}/svara/", {"decision": "granted"})
    assert response.status_code == 302 and response["Location"] == f"/samtycke/familj/{consent.uuid}/"
    assert mail.outbox == []
    assert "Vi kan inte skicka någon kod till dig" in client.get(response["Location"]).content.decode()
