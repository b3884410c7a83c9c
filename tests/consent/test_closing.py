"""DESIGN rule 18: closing ends consent for everyone to see. Each consent gets an ending
version (history, not an overwrite), pending requests are withdrawn, the state "ended"
shows on every page and in the API, and answering afterwards is refused without a code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import system_scope
from cases import services as case_services
from consent import services
from consent.models import AccessLoss, Consent, ConsentDecision, ConsentGrant, ConsentScope, DecisionCode
from notifications.models import Reminder
from portal.models import AuditEvent
from tests.world import family_viewer, staff_viewer

pytestmark = pytest.mark.django_db

ENDED_SV = "Upphörde när samverkan avslutades"


def close(world):  # type: ignore[no-untyped-def]
    return case_services.case_close(viewer=world.coordinator_viewer, case=world.case, reason="goals_met")


def versions(consent: Consent) -> list[Consent]:
    with system_scope():
        return list(Consent.objects.filter(series=consent.series).order_by("version"))


def decision_count() -> int:
    with system_scope():
        return ConsentDecision.objects.count()


@pytest.fixture
def two(world, lost_calls, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """A consent in force for healthcare, and a pending request to social services that
    guardian 1 has answered and guardian 2 has not."""
    granted = world.grant([world.health], ["basic", "school"])
    pending = world.request_consent([world.social], ["basic"])
    world.decide(pending, world.guardian1)
    return granted, pending


def test_closing_ends_each_consent_as_a_new_version_and_keeps_the_history(
    world, two, lost_calls, django_capture_on_commit_callbacks
):
    granted, pending = two
    with system_scope():
        assert Reminder.objects.filter(key__startswith=f"consent:{granted.series}:", cancelled_at__isnull=True).count()
    with django_capture_on_commit_callbacks(execute=True):
        close(world)
    for consent in (granted, pending):
        old, end = versions(consent)
        # The version that was in force is untouched; the ending is a version of its own.
        assert (old.version, old.ended_at, old.end_reason) == (1, None, "")
        assert (end.version, end.end_reason) == (2, "case_closed")
        assert end.ended_at is not None and end.purpose == old.purpose and end.valid_until == old.valid_until
        with system_scope():
            assert set(ConsentScope.objects.filter(consent=end).values_list("agency_id", "category_id")) == set(
                ConsentScope.objects.filter(consent=old).values_list("agency_id", "category_id")
            )
            carried = {(d.guardian_id, d.decision, d.method) for d in ConsentDecision.objects.filter(consent=end)}
            assert all(method == "carried" for _g, _d, method in carried)
            assert {(g, d) for g, d, _m in carried} == {
                (d.guardian_id, d.decision) for d in services.latest_decisions(old).values()
            }
            event = AuditEvent.objects.get(action="consent.ended", object_id=str(end.uuid))
            assert event.data["reason"] == "case_closed" and event.case_id == world.case.pk
            assert not Reminder.objects.filter(
                key__startswith=f"consent:{consent.series}:", sent_at__isnull=True, cancelled_at__isnull=True
            ).exists()
    with system_scope():
        assert not ConsentGrant.objects.filter(case=world.case).exists()
        loss = AccessLoss.objects.get(case=world.case)
    assert (loss.agency_ids, loss.reason, loss.done_at is not None) == ([world.health.pk], "closed", True)
    assert lost_calls == [(world.case.pk, [world.health.pk])]


def test_closing_leaves_an_expired_consent_as_it_was(world):
    old = world.grant([world.health], ["basic"])
    current = world.grant([world.social], ["basic"])
    with system_scope():
        Consent.objects.filter(pk=old.pk).update(
            valid_from=timezone.localdate().replace(year=2020), valid_until=timezone.localdate().replace(year=2021)
        )
    close(world)
    assert [v.version for v in versions(old)] == [1]  # it had already ended by itself
    assert [v.version for v in versions(current)] == [1, 2]


def test_a_version_that_ended_never_grants_again(world):
    consent = world.grant([world.health], ["basic"])
    close(world)
    with system_scope():
        from cases.models import Case

        # Even if the case row were opened again by hand, the ended consent stays ended.
        Case.objects.filter(pk=world.case.pk).update(status="open", closed_at=None)
        services.grants_rebuild(world.case)
        assert not ConsentGrant.objects.filter(case=world.case).exists()
    assert versions(consent)[-1].ended_at is not None


def test_ended_shows_on_every_page_and_in_the_api(world, two):
    granted, _pending = two
    coordinator = world.client_for(world.coordinator)
    guardian = world.client_for(world.guardian1.user)
    before = coordinator.get(reverse("consent:case", args=[world.case.uuid])).content.decode()
    assert ENDED_SV not in before  # the check below can fail
    close(world)
    end = versions(granted)[-1]
    pages = {
        "staff list": coordinator.get(reverse("consent:case", args=[world.case.uuid])),
        "staff detail": coordinator.get(reverse("consent:staff_detail", args=[end.uuid])),
        "history": coordinator.get(reverse("consent:history", args=[end.uuid])),
        "case page": coordinator.get(reverse("cases:detail", args=[world.case.uuid])),
        "family list": guardian.get(reverse("consent:family")),
        "family detail": guardian.get(reverse("consent:family_detail", args=[end.uuid])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert html.count(ENDED_SV) >= (2 if name in {"staff list", "case page", "family list"} else 1), name
    detail = pages["family detail"].content.decode()
    assert "Det går inte att svara på det längre" in detail
    assert reverse("consent:family_answer", args=[end.uuid]) not in detail
    assert reverse("consent:family_revoke", args=[end.uuid]) not in detail
    # An old link (the notification points at version 1) leads to the ending.
    old_page = guardian.get(reverse("consent:family_detail", args=[granted.uuid])).content.decode()
    assert "Samverkan är avslutad och samtycket har upphört." in old_page
    assert reverse("consent:family_detail", args=[end.uuid]) in old_page
    # Nothing waits for the family's answer any more.
    assert "Samtycken som väntar på ditt svar" not in guardian.get(reverse("portal:home")).content.decode()
    # The API: a distinct state, when and why.
    for client in (coordinator, guardian):
        rows = client.get(f"/api/v1/consents/?case={world.case.uuid}").json()["results"]
        assert {(r["state"], r["end_reason"]) for r in rows} == {("ended", "case_closed")}
        assert all(r["ended_at"] for r in rows)
    one = coordinator.get(f"/api/v1/consents/{end.uuid}/").json()
    assert (one["state"], one["version"]) == ("ended", 2)
    history = coordinator.get(f"/api/v1/consents/{granted.uuid}/").json()
    assert (history["state"], history["ended_at"]) == ("superseded", None)


def test_a_recipient_agency_loses_the_consent_with_the_collaboration(world, two):
    granted, _pending = two
    health = world.client_for(world.health_staff)
    assert health.get("/api/v1/consents/").json()["results"][0]["state"] == "effective"
    assert health.get(f"/api/v1/consents/{granted.uuid}/").status_code == 200
    close(world)
    # A recipient sees the collaboration only through consent: with it closed, nothing.
    assert health.get("/api/v1/consents/").json()["results"] == []
    for consent in versions(granted):
        assert health.get(f"/api/v1/consents/{consent.uuid}/").status_code == 404
        assert health.get(reverse("consent:staff_detail", args=[consent.uuid])).status_code == 404


def code_from(mail) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"\b(\d{6})\b", mail.body).group(1)


def test_answering_after_close_is_refused_by_page_and_sends_no_code(
    world, two, mailoutbox, django_capture_on_commit_callbacks
):
    granted, pending = two
    gustav = world.client_for(world.guardian2.user)
    # Before the close the same POST mails a code (so the assertions below can fail) …
    with django_capture_on_commit_callbacks(execute=True):
        response = gustav.post(reverse("consent:family_answer", args=[pending.uuid]), {"decision": "granted"})
    assert len(mailoutbox) == 1
    confirm_url = response["Location"]
    code = code_from(mailoutbox[0])
    close(world)
    end = versions(pending)[-1]
    with system_scope():
        codes_before = DecisionCode.objects.count()
        assert not DecisionCode.objects.filter(consent__case=world.case, used_at__isnull=True).exists()
    decisions_before = decision_count()
    # … after it, a direct POST to the answer step — old version, ending version, yes or
    # no — is refused with a message and no code, no mail.
    for consent in (pending, end):
        for decision in ("granted", "refused"):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                response = gustav.post(
                    reverse("consent:family_answer", args=[consent.uuid]), {"decision": decision}, follow=True
                )
            assert response.status_code == 200
            assert "Samverkan är avslutad och samtycket har upphört" in response.content.decode()
            assert callbacks == []
    assert len(mailoutbox) == 1
    # The code mailed before the close died with it: confirming it records nothing.
    assert gustav.post(confirm_url, {"code": code}).status_code == 404
    with system_scope():
        assert DecisionCode.objects.count() == codes_before
    assert decision_count() == decisions_before
    # Revoking and narrowing an ended consent are refused too.
    gun = world.client_for(world.guardian1.user)
    response = gun.post(reverse("consent:family_revoke", args=[versions(granted)[-1].uuid]), follow=True)
    assert "Samverkan är avslutad och samtycket har upphört" in response.content.decode()
    assert gun.get(reverse("consent:family_narrow", args=[versions(granted)[-1].uuid])).status_code == 404
    assert decision_count() == decisions_before
    assert len(mailoutbox) == 1


def test_a_code_issued_just_before_the_close_cannot_be_used(world, two, mailoutbox, django_capture_on_commit_callbacks):
    """The service refuses too, even if a code somehow outlived the close."""
    from consent import stepup

    _granted, pending = two
    with system_scope(), django_capture_on_commit_callbacks(execute=True):
        challenge = stepup.code_issue(viewer=world.guardian2_viewer, consent=pending, decision="granted")
    assert len(mailoutbox) == 1
    close(world)
    before = decision_count()
    with system_scope():
        DecisionCode.objects.filter(pk=challenge.pk).update(used_at=None)  # as if it survived
    with system_scope(), pytest.raises(services.ConsentError, match="avslutad"):
        stepup.code_confirm(viewer=world.guardian2_viewer, challenge_uuid=challenge.uuid, code=code_from(mailoutbox[0]))
    assert decision_count() == before
    with (
        system_scope(),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.ConsentError, match="avslutad"),
    ):
        stepup.code_issue(viewer=world.guardian2_viewer, consent=pending, decision="granted")
    assert len(mailoutbox) == 1


def test_answering_after_close_is_refused_by_the_api_and_staff_pages(world, two):
    granted, pending = two
    coordinator = world.client_for(world.coordinator)
    close(world)
    before = decision_count()
    for consent in (pending, versions(pending)[-1], versions(granted)[-1]):
        response = coordinator.post(
            f"/api/v1/consents/{consent.uuid}/decisions/",
            {"party": str(world.guardian2.uuid), "decision": "granted", "method": "paper"},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert "avslutad" in response.json()["detail"]
        page = coordinator.post(
            reverse("consent:record", args=[consent.uuid]),
            {"party": f"g:{world.guardian2.pk}", "decision": "granted", "method": "paper"},
        )
        assert page.status_code == 302
    assert decision_count() == before
    # The services refuse every kind of answer and every change, whoever asks.
    end = versions(granted)[-1]
    for viewer, method, decision in (
        (world.coordinator_viewer, "paper", "revoked"),
        (world.coordinator_viewer, "paper", "refused"),
        (family_viewer(world.guardian1.user), "portal", "revoked"),
    ):
        with system_scope(), pytest.raises(services.ConsentError, match="avslutad"):
            services.decision_record(
                viewer=viewer,
                consent=end,
                party=services.Party(guardian_id=world.guardian1.pk),
                decision=decision,
                method=method,
            )
    with system_scope(), pytest.raises(services.ConsentError, match="avslutad"):
        services.consent_narrow(viewer=staff_viewer(world.coordinator), consent=end, remove=[(world.health.pk, 1)])
    assert decision_count() == before
    assert len(versions(granted)) == 2


def test_ending_needs_a_closed_case(world):
    world.grant([world.health], ["basic"])
    with system_scope(), pytest.raises(services.ConsentError):
        services.consents_end_on_close(viewer=world.coordinator_viewer, case=world.case)
    with system_scope():
        assert not Consent.objects.filter(ended_at__isnull=False).exists()


def test_the_data_step_ends_the_consents_of_collaborations_closed_before(world):
    """Migration 0007 gives the consents of already closed collaborations their ending,
    dated at the close; open collaborations are left alone."""
    import importlib

    from django.apps import apps

    from cases.models import Case

    step = importlib.import_module("consent.migrations.0007_end_consents_of_closed_cases")
    consent = world.grant([world.health], ["basic", "school"])
    pending_elsewhere = world.request_consent([world.health], ["basic"])
    closed_at = timezone.now()
    with system_scope():
        Case.objects.filter(pk=world.case.pk).update(status="closed", closed_at=closed_at)
        Consent.objects.filter(pk=pending_elsewhere.pk).update(case=world.other_case)  # an open case
        step.end_consents(apps, None)
        step.end_consents(apps, None)  # a second run adds nothing
    old, end = versions(consent)
    assert (end.ended_at, end.end_reason, old.ended_at) == (closed_at, "case_closed", None)
    with system_scope():
        assert ConsentScope.objects.filter(consent=end).count() == 2
        assert ConsentDecision.objects.filter(consent=end, method="carried").count() == 2
    assert [v.version for v in versions(pending_elsewhere)] == [1]
