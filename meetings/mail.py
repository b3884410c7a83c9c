"""Invitation e-mails, sent after commit. Nothing sensitive leaves by e-mail (DESIGN
rule 12): portal users get "an invitation is waiting" and a link, with a calendar file
holding the time only; an external actor gets the time and the place only. No names,
no purpose, no agenda — ever. People with protected identity get no e-mail at all."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from access.scoping import system_scope
from meetings import calendar
from meetings.models import Invitation, Meeting
from meetings.recipients import Recipient, for_invitation

logger = logging.getLogger(__name__)

CALLED = "called"
CHANGED = "changed"
CANCELLED = "cancelled"
WITHDRAWN = "withdrawn"
KINDS = {CALLED, CHANGED, CANCELLED, WITHDRAWN}


def dispatch(invitation_ids: list[int], kind: str) -> None:
    """Queue the e-mails (after commit). With the broker down, send them in-process."""
    if not invitation_ids:
        return
    try:
        from meetings.tasks import send_invitation_mail

        send_invitation_mail.delay(invitation_ids, kind)
    except Exception:
        logger.warning("could not queue meeting mail; sending in-process", exc_info=True)
        send(invitation_ids, kind)


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    day = formats.date_format(start, "WEEKDAY_DATE_FORMAT")
    return f"{day} {formats.time_format(start)}–{formats.time_format(end)}"


def _portal_text(kind: str, url: str) -> tuple[str, str]:
    subject = {
        CALLED: _("Du har en ny mötesinbjudan i Samverkansportalen"),
        CHANGED: _("En mötesinbjudan i Samverkansportalen har ändrats"),
        CANCELLED: _("Ett möte i Samverkansportalen har ställts in"),
        WITHDRAWN: _("En mötesinbjudan i Samverkansportalen gäller inte längre"),
    }[kind]
    body = "\n\n".join(
        [
            subject + ".",
            _("Logga in i Samverkansportalen för att se mer: %(url)s") % {"url": url},
            _("Av sekretesskäl står det inget om mötet i det här mejlet. Kalenderfilen innehåller bara tiden."),
        ]
    )
    return subject, body


def _external_text(kind: str, meeting: Meeting) -> tuple[str, str]:
    subject = {
        CALLED: _("Inbjudan till samverkansmöte"),
        CHANGED: _("Ändrad tid eller plats för samverkansmöte"),
        CANCELLED: _("Samverkansmötet är inställt"),
        WITHDRAWN: _("Inbjudan till samverkansmöte gäller inte längre"),
    }[kind]
    lines = [subject + "."]
    lines.append(_("Tid: %(when)s") % {"when": _when(meeting)})
    where = ", ".join(part for part in (meeting.place, meeting.video_link) if part)
    if where and kind in {CALLED, CHANGED}:
        lines.append(_("Plats: %(where)s") % {"where": where})
    lines.append(_("Svara inte på det här mejlet. Kontakta den som bjöd in dig om du har frågor."))
    return subject, "\n\n".join(lines)


def _message(meeting: Meeting, kind: str, recipient: Recipient) -> EmailMultiAlternatives:
    method = calendar.CANCEL if kind in {CANCELLED, WITHDRAWN} else calendar.REQUEST
    with translation.override(recipient.language or "sv"):
        if recipient.external:
            subject, body = _external_text(kind, meeting)
            audience = calendar.EXTERNAL
        else:
            subject, body = _portal_text(kind, calendar.meeting_url(meeting))
            audience = calendar.MAIL
    ics = calendar.build(
        meeting, method=method, audience=audience, attendees=[calendar.recipient_attendee(recipient.email)]
    )
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach(
        "inbjudan.ics" if method == calendar.REQUEST else "installt.ics", ics, f"text/calendar; method={method}"
    )
    return message


def send(invitation_ids: list[int], kind: str) -> int:
    """Send the e-mails for these invitations. Returns the number sent."""
    if kind not in KINDS:
        raise ValueError(kind)
    sent = 0
    with system_scope():
        invitations = list(
            Invitation.objects.filter(pk__in=invitation_ids).select_related(
                "meeting", "guardian__user", "external", "case__child__user"
            )
        )
    for invitation in invitations:
        if kind != WITHDRAWN and kind != CANCELLED and not invitation.is_active:
            continue
        for recipient in for_invitation(invitation):
            if not recipient.email:
                continue  # protected identity: the portal only
            try:
                _message(invitation.meeting, kind, recipient).send()
                sent += 1
            except Exception:
                logger.warning("meeting mail to invitation %s failed", invitation.pk, exc_info=True)
    return sent
