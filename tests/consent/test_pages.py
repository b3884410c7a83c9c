"""Consent pages: the family's plain-Swedish pages with the step-up code, and staff pages."""

import re

import pytest
from django.urls import reverse

from access.scoping import system_scope
from consent.models import Consent, ConsentDecision, DecisionCode, MaturityAssessment
from portal.models import AuditEvent
from tests.world import category

pytestmark = pytest.mark.django_db


def code_from(mail) -> str:
    return re.search(r"\b(\d{6})\b", mail.body).group(1)


def answer(client, consent, decision, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consent:family_answer", args=[consent.uuid]), {"decision": decision})
    assert response.status_code == 302
    confirm_url = response["Location"]
    page = client.get(confirm_url)
    assert "Vi har skickat en kod till din e-post" in page.content.decode()
    response = client.post(confirm_url, {"code": code_from(mailoutbox[-1])})
    assert response.status_code == 302, response.content.decode()
    return response


def test_family_overview_and_detail_in_plain_swedish(world):
    consent = world.request_consent([world.health], ["school", "health"])
    client = world.client_for(world.guardian1.user)
    html = client.get(reverse("consent:family")).content.decode()
    assert "Samordningsenheten Test ber om ert samtycke att dela uppgifter om Alva" in html
    assert "BUP Test" in html and "Skolsituation" in html and "Hälsa" in html
    assert "Väntar på ditt svar" in html
    html = client.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "Planera stödet tillsammans." in html
    assert "Det som redan har lämnats över finns kvar i mottagarens egna journaler eller akter." in html
    assert "Ja, jag samtycker" in html
    # The other guardian's contact details never appear.
    assert world.guardian2.email not in html and world.guardian2.phone not in html
    assert world.guardian2.address not in html


def test_guardian_grants_with_a_fresh_code_and_waits_for_the_other(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.guardian1.user)
    answer(client, consent, "granted", mailoutbox, django_capture_on_commit_callbacks)
    mail = mailoutbox[-1]
    # The e-mail holds the code and nothing else about the family.
    for secret in ("Alva", "Testsson", "BUP", "Skolsituation", "samtycke", "Planera"):
        assert secret not in mail.body and secret not in mail.subject
    html = client.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "Väntar på den andra vårdnadshavaren" in html
    assert "Ta tillbaka samtycket" in html
    with system_scope():
        decision = ConsentDecision.objects.get()
        assert (decision.method, decision.decision, decision.guardian_id) == ("portal", "granted", world.guardian1.pk)
        stored = DecisionCode.objects.get()
        assert code_from(mail) not in stored.code_hash and stored.used_at is not None
    # The other guardian sees the same wait from their side, and then answers.
    other = world.client_for(world.guardian2.user)
    html = other.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "Den andra vårdnadshavaren" in html
    answer(other, consent, "granted", mailoutbox, django_capture_on_commit_callbacks)
    html = other.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "Samtycket gäller" in html


def test_wrong_codes_run_out_and_change_nothing(world, mailoutbox, django_capture_on_commit_callbacks):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.guardian1.user)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_url = client.post(reverse("consent:family_answer", args=[consent.uuid]), {"decision": "granted"})[
            "Location"
        ]
    right = code_from(mailoutbox[-1])
    wrong = "000000" if right != "000000" else "111111"
    first = client.post(confirm_url, {"code": wrong})
    assert first.status_code == 400 and "Fel kod" in first.content.decode()
    client.post(confirm_url, {"code": wrong})
    client.post(confirm_url, {"code": wrong})
    assert client.post(confirm_url, {"code": right}).status_code == 404  # the code is dead
    with system_scope():
        assert ConsentDecision.objects.count() == 0


def test_someone_elses_code_page_is_404(world, mailoutbox, django_capture_on_commit_callbacks):
    consent = world.request_consent([world.health], ["school"])
    with django_capture_on_commit_callbacks(execute=True):
        url = world.client_for(world.guardian1.user).post(
            reverse("consent:family_answer", args=[consent.uuid]), {"decision": "granted"}
        )["Location"]
    other = world.client_for(world.guardian2.user)
    assert other.get(url).status_code == 404
    assert other.post(url, {"code": code_from(mailoutbox[-1])}).status_code == 404


def test_code_requests_are_rate_limited(world, mailoutbox, django_capture_on_commit_callbacks):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.guardian1.user)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            client.post(reverse("consent:family_answer", args=[consent.uuid]), {"decision": "granted"})
    assert len(mailoutbox) == 5


def test_revoke_page_says_what_stays_with_the_recipient_and_takes_effect(world):
    consent = world.grant([world.health], ["school"])
    client = world.client_for(world.guardian2.user)
    html = client.get(reverse("consent:family_revoke", args=[consent.uuid])).content.decode()
    assert "Det som redan har lämnats över finns kvar i mottagarens egna journaler eller akter." in html
    response = client.post(reverse("consent:family_revoke", args=[consent.uuid]))
    assert response.status_code == 302
    with system_scope():
        assert ConsentDecision.objects.filter(decision="revoked", method="portal").count() == 1
        assert AuditEvent.objects.filter(action="consent.revoked").count() == 1


def test_guardian_narrows_by_unticking(world):
    consent = world.grant([world.school, world.health], ["basic", "health"])
    client = world.client_for(world.guardian1.user)
    page = client.get(reverse("consent:family_narrow", args=[consent.uuid]))
    assert page.status_code == 200
    keep = [
        f"{a}:{c}"
        for a, c in [
            (world.school.pk, category("basic").pk),
            (world.health.pk, category("basic").pk),
            (world.health.pk, category("health").pk),
        ]
    ]
    response = client.post(reverse("consent:family_narrow", args=[consent.uuid]), {"keep": keep})
    assert response.status_code == 302
    with system_scope():
        new = Consent.objects.get(series=consent.series, version=2)
        assert set(new.scopes.values_list("agency_id", "category__code")) == {
            (world.school.pk, "basic"),
            (world.health.pk, "basic"),
            (world.health.pk, "health"),
        }
    old_page = client.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "äldre version" in old_page


def test_a_child_under_12_does_not_see_consent_pages_but_a_child_of_13_does(world):
    consent = world.request_consent([world.health], ["school"])
    child = world.client_for(world.child.user)
    assert child.get(reverse("consent:family_detail", args=[consent.uuid])).status_code == 404
    assert "Vem får se vad" not in child.get(reverse("consent:family")).content.decode()
    from datetime import date

    with system_scope():
        world.child.date_of_birth = date(2013, 3, 1)
        world.child.save()
    html = child.get(reverse("consent:family_detail", args=[consent.uuid])).content.decode()
    assert "Nej, jag samtycker inte" in html


def test_family_home_lists_consents_waiting_for_my_answer(world):
    world.request_consent([world.health], ["school"])
    html = world.client_for(world.guardian1.user).get("/").content.decode()
    assert "Samtycken som väntar på ditt svar" in html
    unrelated = world.client_for(world.other_guardian.user).get("/").content.decode()
    assert "Samtycken som väntar på ditt svar" not in unrelated


def test_coordinator_requests_consent_through_the_form(world):
    client = world.client_for(world.coordinator)
    url = reverse("consent:request", args=[world.case.uuid])
    page = client.get(url).content.decode()
    assert "Annanskolan" not in page  # only agencies in the team
    response = client.post(
        url,
        {
            "agencies": [world.health.pk, world.social.pk],
            "categories": [category("school").pk],
            "purpose": "Att BUP och socialtjänsten ska förstå skolsituationen.",
            "valid_from": "2026-11-23",
            "valid_until": "2027-11-22",
        },
    )
    assert response.status_code == 302
    with system_scope():
        consent = Consent.objects.get()
    assert response["Location"] == reverse("consent:staff_detail", args=[consent.uuid])
    bad = client.post(url, {"agencies": [world.unrelated.pk], "purpose": ""})
    assert bad.status_code == 400
    with system_scope():
        assert Consent.objects.count() == 1


def test_coordinator_records_paper_and_oral_answers_and_reads_history(world):
    consent = world.request_consent([world.health], ["school"])
    client = world.client_for(world.coordinator)
    url = reverse("consent:record", args=[consent.uuid])
    assert client.get(url).status_code == 200
    missing_staff = client.post(url, {"party": f"g:{world.guardian1.pk}", "decision": "granted", "method": "oral"})
    assert missing_staff.status_code == 400
    ok = client.post(
        url,
        {
            "party": f"g:{world.guardian1.pk}",
            "decision": "granted",
            "method": "oral",
            "oral_to": world.coordinator.pk,
        },
    )
    assert ok.status_code == 302
    client.post(url, {"party": f"g:{world.guardian2.pk}", "decision": "granted", "method": "paper"})
    detail = client.get(reverse("consent:staff_detail", args=[consent.uuid])).content.decode()
    assert "Gäller" in detail and "Muntligt till namngiven personal" in detail
    history = client.get(reverse("consent:history", args=[consent.uuid])).content.decode()
    assert "Gun Testsson" in history and "På papper" in history and "Sara Samordnare" in history


def test_recipient_agency_sees_the_consent_state_but_not_who_answered(world):
    consent = world.grant([world.health], ["basic", "school"])
    client = world.client_for(world.health_staff)
    html = client.get(reverse("consent:staff_detail", args=[consent.uuid])).content.decode()
    assert "Gäller" in html
    assert "Gun Testsson" not in html
    assert client.get(reverse("consent:record", args=[consent.uuid])).status_code == 404
    assert client.get(reverse("consent:history", args=[consent.uuid])).status_code == 404
    social = world.client_for(world.social_staff)
    assert social.get(reverse("consent:staff_detail", args=[consent.uuid])).status_code == 404


def test_maturity_page_records_an_assessment(world):
    client = world.client_for(world.coordinator)
    url = reverse("consent:maturity", args=[world.case.uuid])
    assert "Vårdnadshavarna bestämmer" in client.get(url).content.decode()
    assert client.post(url, {"level": "asked", "reason": ""}).status_code == 400
    assert client.post(url, {"level": "asked", "reason": "Alva förstår vad det gäller."}).status_code == 302
    with system_scope():
        assert MaturityAssessment.objects.get().level == "asked"
    assert world.client_for(world.health_staff).get(url).status_code == 404


def test_staff_narrow_page(world):
    consent = world.grant([world.health], ["basic", "school"])
    client = world.client_for(world.coordinator)
    url = reverse("consent:staff_narrow", args=[consent.uuid])
    assert client.get(url).status_code == 200
    response = client.post(url, {"keep": [f"{world.health.pk}:{category('basic').pk}"]})
    assert response.status_code == 302
    with system_scope():
        assert Consent.objects.filter(series=consent.series).count() == 2


def test_case_consent_list_query_count_is_fixed(world, django_assert_max_num_queries):
    client = world.client_for(world.coordinator)
    url = reverse("consent:case", args=[world.case.uuid])
    world.grant([world.health], ["school"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(6):
        world.grant([world.health, world.social], ["school", "health", "basic"])
    with CaptureQueriesContext(connection) as seven:
        html = client.get(url).content.decode()
    assert html.count("bad om samtycke att dela uppgifter om Alva") == 7
    assert len(seven) == len(one), [q["sql"] for q in seven.captured_queries]


def test_family_detail_query_count_is_fixed(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consent = world.grant([world.health], ["school"])
    client = world.client_for(world.guardian1.user)
    url = reverse("consent:family_detail", args=[consent.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    big = world.grant([world.health, world.social, world.school], ["school", "health", "basic", "plan"])
    world.decide(big, world.guardian1, "revoked")
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("consent:family_detail", args=[big.uuid]))
    assert len(large) == len(small)
