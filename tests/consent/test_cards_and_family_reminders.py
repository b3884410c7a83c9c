"""Consent cards say who asked, for whom, what and until when, with one status; the family
is reminded 30 and 7 days before a consent ends (each once); the family sees who narrowed
a consent (issue 17, item 4)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from access import policy
from access.scoping import scope, system_scope
from cases import services as case_services
from cases.models import Child
from consent import reminders, services, tasks
from consent.models import Consent
from notifications import services as notification_services
from notifications.models import Notification, Reminder
from tests.world import category

pytestmark = pytest.mark.django_db

TITLE_ASKING = "Samordningsenheten Test ber om ert samtycke att dela uppgifter om Alva"
TITLE_ASKED = "Samordningsenheten Test bad om ert samtycke att dela uppgifter om Alva"


def day(value) -> str:  # type: ignore[no-untyped-def]
    return date_format(value, "j F Y")


def cards_html(html: str) -> list[str]:
    return re.findall(r'<section class="card consent-card".*?</section>', html, re.S)


def badges(fragment: str) -> list[str]:
    return re.findall(r'<span class="badge[^"]*">([^<]*)</span>', fragment)


# --- the cards ----------------------------------------------------------------------


def test_family_card_says_who_asked_for_whom_what_and_until_when_with_one_status(world):
    consent = world.request_consent([world.health], ["school", "health"])
    html = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    (card,) = cards_html(html)
    assert TITLE_ASKING in card
    assert "BUP Test" in card and "Skolsituation" in card and "Hälsa" in card
    assert f"Frågan skickades av Sara Samordnare (Samordningsenheten Test), {day(timezone.localdate())}." in card
    assert f"till och med {day(consent.valid_until)}" in card
    # One status only, and no attribution that reads as if the child wrote it.
    assert badges(card) == ["Väntar på ditt svar"]
    assert "Väntar på svar" not in card
    assert "Vem får se vad om" not in card and "– Alva," not in card


def test_guardian_who_answered_sees_one_badge_for_the_other_guardian(world):
    consent = world.request_consent([world.health], ["school"])
    world.decide(consent, world.guardian1)
    html = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    (card,) = cards_html(html)
    assert badges(card) == ["Väntar på den andra vårdnadshavaren"]


def test_effective_consent_near_its_end_counts_the_days_left(world):
    today = timezone.localdate()
    consent = world.request_consent([world.health], ["school"], valid_until=today)
    world.decide(consent, world.guardian1)
    world.decide(consent, world.guardian2)
    html = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    (card,) = cards_html(html)
    assert TITLE_ASKED in card
    assert badges(card) == ["Gäller"]
    assert f"Gäller till och med {day(today)} – 1 dag kvar." in card
    consent = world.grant([world.social], ["school"])
    with scope(world.guardian1_viewer):
        from consent import selectors

        (card_obj,) = [c for c in selectors.family_cards(world.guardian1_viewer) if c.consent.pk == consent.pk]
        card_obj.today = consent.valid_until - timedelta(days=6)
        assert card_obj.period_text == f"Gäller till och med {day(consent.valid_until)} – 7 dagar kvar."


def test_withdrawn_consent_says_so_and_when_not_valid_until(world):
    consent = world.grant([world.health], ["school"])
    world.decide(consent, world.guardian1, "revoked")
    today = day(timezone.localdate())
    html = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    (card,) = cards_html(html)
    assert badges(card) == ["Återkallat"]
    assert f"Togs tillbaka av dig, {today}. Gäller inte längre." in card
    assert "Gäller till och med" not in card
    other = world.client_for(world.guardian2.user).get(reverse("consent:family")).content.decode()
    assert f"Togs tillbaka av den andra vårdnadshavaren, {today}." in other
    detail = world.client_for(world.guardian1.user).get(reverse("consent:family_detail", args=[consent.uuid]))
    assert "Togs tillbaka av dig" in detail.content.decode()
    # In English too, with no leftover "Valid until".
    english = world.client_for(world.guardian1.user).get(reverse("consent:family"), HTTP_ACCEPT_LANGUAGE="en")
    text = english.content.decode()
    assert "Withdrawn by you" in text and "Valid until" not in text


def test_staff_recipient_reads_not_in_force_for_you_and_why(world):
    world.grant([world.health], ["basic"])  # BUP is in the collaboration
    world.request_consent([world.health], ["school"])  # … and waits for this one
    html = world.client_for(world.health_staff).get(reverse("consent:case", args=[world.case.uuid])).content.decode()
    waiting, in_force = cards_html(html)
    assert badges(in_force) == ["Gäller"]
    card = waiting
    assert badges(card) == ["Gäller inte för er"]
    assert "Familjen har inte gett samtycket, eller har tagit tillbaka det." in card
    assert "just nu till och med" not in html and "Gäller inte för er just nu" not in html
    # A recipient agency sees the state, not who said what nor who narrowed.
    assert "Gun" not in card and "Gustav" not in card


def test_staff_recipient_in_force_and_manager_views_read_naturally(world):
    consent = world.grant([world.health], ["basic", "school"])
    html = world.client_for(world.health_staff).get(reverse("consent:staff_detail", args=[consent.uuid])).content
    text = html.decode()
    assert "Samordningsenheten Test bad om samtycke att dela uppgifter om Alva" in text
    assert f"Gäller till och med {day(consent.valid_until)}." in text
    panel = world.client_for(world.coordinator).get(reverse("cases:detail", args=[world.case.uuid])).content.decode()
    assert f"Gäller till och med {day(consent.valid_until)}." in panel
    assert "t.o.m." not in panel


def test_ended_consent_says_when_it_ended(world):
    world.grant([world.health], ["school"])
    with system_scope():
        case_services.case_close(viewer=world.coordinator_viewer, case=world.case, reason="goals_met")
    html = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    (card,) = cards_html(html)
    assert f"Upphörde {day(timezone.localdate())} när samverkan avslutades." in card
    assert "Gäller till och med" not in card


def test_family_of_another_child_and_unrelated_staff_see_nothing(world):
    consent = world.grant([world.health], ["school"])
    stranger = world.client_for(world.other_guardian.user)
    assert "Alva" not in stranger.get(reverse("consent:family")).content.decode()
    assert stranger.get(reverse("consent:family_detail", args=[consent.uuid])).status_code == 404
    outsider = world.client_for(world.unrelated_staff)
    assert outsider.get(reverse("consent:staff_detail", args=[consent.uuid])).status_code == 404
    assert outsider.get(reverse("consent:case", args=[world.case.uuid])).status_code == 404
    with scope(world.viewer(world.unrelated_staff)):
        assert not policy.visible_to(Consent, world.viewer(world.unrelated_staff)).exists()


# --- who narrowed -------------------------------------------------------------------


def _narrow_health_away(world, consent, viewer):  # type: ignore[no-untyped-def]
    with system_scope():
        return services.consent_narrow(
            viewer=viewer, consent=consent, remove=[(world.health.pk, category("health").pk)]
        )


def test_family_sees_which_staff_member_narrowed_and_is_notified(world, django_capture_on_commit_callbacks):
    consent = world.grant([world.health], ["school", "health"])
    with django_capture_on_commit_callbacks(execute=True):
        new = _narrow_health_away(world, consent, world.coordinator_viewer)
    expected = f"Begränsat av Sara Samordnare (Samordningsenheten Test), {day(timezone.localdate())}."
    for guardian in (world.guardian1, world.guardian2):
        client = world.client_for(guardian.user)
        assert expected in client.get(reverse("consent:family")).content.decode()
        assert expected in client.get(reverse("consent:family_detail", args=[new.uuid])).content.decode()
    with system_scope():
        told = set(Notification.objects.filter(kind="consent.narrowed").values_list("recipient_id", flat=True))
    assert {world.guardian1.user_id, world.guardian2.user_id} <= told
    assert world.other_guardian.user_id not in told and world.unrelated_staff.user_id not in told
    # The manager's page says it too; the recipient agency's does not name who.
    manager = world.client_for(world.coordinator).get(reverse("consent:staff_detail", args=[new.uuid]))
    assert "Begränsat av Sara Samordnare" in manager.content.decode()
    recipient = world.client_for(world.health_staff).get(reverse("consent:staff_detail", args=[new.uuid]))
    assert "Begränsat av" not in recipient.content.decode()


def test_other_guardian_sees_the_narrowing_guardian_and_is_notified(world, django_capture_on_commit_callbacks):
    consent = world.grant([world.health], ["school", "health"])
    with django_capture_on_commit_callbacks(execute=True):
        _narrow_health_away(world, consent, world.guardian1_viewer)
    today = day(timezone.localdate())
    mine = world.client_for(world.guardian1.user).get(reverse("consent:family")).content.decode()
    theirs = world.client_for(world.guardian2.user).get(reverse("consent:family")).content.decode()
    assert f"Begränsat av dig, {today}." in mine
    assert f"Begränsat av den andra vårdnadshavaren, {today}." in theirs
    with system_scope():
        told = set(Notification.objects.filter(kind="consent.narrowed").values_list("recipient_id", flat=True))
    assert world.guardian2.user_id in told and world.guardian1.user_id not in told


# --- the family's reminders before the end ------------------------------------------


def _family_reminders(world) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    family = {world.guardian1.user_id, world.guardian2.user_id, world.child.user_id}
    with system_scope():
        return sorted(
            Notification.objects.filter(kind="consent.expiring", recipient_id__in=family).values_list(
                "recipient_id", "id"
            )
        )


def _run(now, django_capture_on_commit_callbacks) -> int:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        written = reminders.family_expiry_reminders_schedule(now=now)
        notification_services.reminders_send_due(now=now)
    return written


def _granted_until(world, until: date):  # type: ignore[no-untyped-def]
    consent = world.request_consent([world.health], ["school"], valid_until=until)
    world.decide(consent, world.guardian1)
    world.decide(consent, world.guardian2)
    return consent


def test_family_is_reminded_exactly_once_30_and_7_days_before_the_end(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    consent = _granted_until(world, timezone.localdate() + timedelta(days=40))
    due30 = reminders.family_due_at(consent.valid_until, 30)
    due7 = reminders.family_due_at(consent.valid_until, 7)
    assert timezone.localtime(due30).hour == 8 and (consent.valid_until - timezone.localdate(due30)).days + 1 == 30

    assert _run(due30 - timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert _family_reminders(world) == []

    assert _run(due30 + timedelta(minutes=1), django_capture_on_commit_callbacks) == 1
    first = _family_reminders(world)
    assert sorted(uid for uid, _ in first) == sorted([world.guardian1.user_id, world.guardian2.user_id])
    # The child (10 years old) is not a party and gets nothing.
    assert world.child.user_id not in {uid for uid, _ in first}
    # The task runs again (a retry, a second worker): nothing new.
    assert _run(due30 + timedelta(minutes=2), django_capture_on_commit_callbacks) == 0
    assert _run(due30 + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert _family_reminders(world) == first
    # Mail said only that something waits (DESIGN rule 12).
    family_mail = [m for m in mailoutbox if set(m.to) & {world.guardian1.user.email, world.guardian2.user.email}]
    assert len(family_mail) == 2
    for mail in family_mail:
        assert "Alva" not in mail.body and "BUP" not in mail.body and "Alva" not in mail.subject

    assert _run(due7 + timedelta(minutes=1), django_capture_on_commit_callbacks) == 1
    assert _run(due7 + timedelta(minutes=5), django_capture_on_commit_callbacks) == 0
    assert len(_family_reminders(world)) == 4
    with system_scope():
        keys = set(Reminder.objects.filter(key__contains="family-expiring").values_list("key", flat=True))
        urls = set(
            Notification.objects.filter(recipient_id=world.guardian1.user_id, kind="consent.expiring").values_list(
                "target_url", flat=True
            )
        )
    assert keys == {reminders.family_key(consent.series, 30), reminders.family_key(consent.series, 7)}
    assert urls == {reverse("consent:family_detail", args=[consent.uuid])}


def test_a_late_start_sends_only_the_7_day_reminder(world, django_capture_on_commit_callbacks):
    consent = _granted_until(world, timezone.localdate() + timedelta(days=40))
    due7 = reminders.family_due_at(consent.valid_until, 7)
    assert _run(due7 + timedelta(hours=1), django_capture_on_commit_callbacks) == 1
    with system_scope():
        assert list(Reminder.objects.filter(key__contains="family-expiring").values_list("key", flat=True)) == [
            reminders.family_key(consent.series, 7)
        ]


def test_no_family_reminder_for_revoked_refused_pending_or_ended_consents(world, django_capture_on_commit_callbacks):
    until = timezone.localdate() + timedelta(days=40)
    revoked = _granted_until(world, until)
    world.decide(revoked, world.guardian2, "revoked")
    refused = world.request_consent([world.health], ["school"], valid_until=until)
    world.decide(refused, world.guardian1, "refused")
    world.request_consent([world.health], ["school"], valid_until=until)  # nobody has answered
    closing = _granted_until(world, until)
    with system_scope():
        case_services.case_close(viewer=world.coordinator_viewer, case=world.case, reason="goals_met")
    for days in (30, 7):
        moment = reminders.family_due_at(until, days) + timedelta(minutes=1)
        assert _run(moment, django_capture_on_commit_callbacks) == 0
    assert _family_reminders(world) == []
    assert closing.series  # the ended one too


def test_a_reminder_written_before_a_revocation_is_never_sent(world, django_capture_on_commit_callbacks):
    consent = _granted_until(world, timezone.localdate() + timedelta(days=40))
    moment = reminders.family_due_at(consent.valid_until, 30) + timedelta(minutes=1)
    assert reminders.family_expiry_reminders_schedule(now=moment) == 1
    world.decide(consent, world.guardian1, "revoked")
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.reminders_send_due(now=moment)
    assert _family_reminders(world) == []


def test_the_child_is_reminded_when_the_child_is_a_party(world, django_capture_on_commit_callbacks):
    with system_scope():
        Child.objects.filter(pk=world.child.pk).update(date_of_birth=date(2009, 1, 1))  # 17: decides alone
    consent = world.request_consent([world.health], ["school"], valid_until=timezone.localdate() + timedelta(days=40))
    world.decide(consent, None)
    moment = reminders.family_due_at(consent.valid_until, 30) + timedelta(minutes=1)
    assert _run(moment, django_capture_on_commit_callbacks) == 1
    assert world.child.user_id in {uid for uid, _ in _family_reminders(world)}


def test_the_beat_task_enters_its_own_scope_and_is_idempotent(world, clock):
    consent = _granted_until(world, timezone.localdate() + timedelta(days=40))
    clock.to(reminders.family_due_at(consent.valid_until, 30) + timedelta(minutes=1))
    assert tasks.schedule_family_consent_reminders.delay().get() == 1
    assert tasks.schedule_family_consent_reminders.delay().get() == 0
    from portal.celery import app

    assert app.conf.beat_schedule["schedule-family-consent-reminders"]["task"] == (
        "consent.tasks.schedule_family_consent_reminders"
    )


def test_other_family_and_agency_without_consent_get_no_reminder(world, django_capture_on_commit_callbacks):
    consent = _granted_until(world, timezone.localdate() + timedelta(days=40))
    _run(reminders.family_due_at(consent.valid_until, 30) + timedelta(minutes=1), django_capture_on_commit_callbacks)
    with system_scope():
        recipients = set(Notification.objects.filter(kind="consent.expiring").values_list("recipient_id", flat=True))
    assert world.other_guardian.user_id not in recipients
    assert world.unrelated_staff.user_id not in recipients and world.social_staff.user_id not in recipients
