"""Calendar files (RFC 5545 / iTIP RFC 5546) built with icalendar.

One UID per meeting for its whole life (`Meeting.ical_uid`); SEQUENCE is the meeting's
`sequence`, raised by the services on every change sent out; a cancellation is
METHOD:CANCEL with STATUS:CANCELLED.

Three audiences, from most to least detail:

* ``PORTAL``: downloaded by a signed-in invitee through a policy-checked view. Time,
  place, a link, and the ATTENDEE list — with an e-mail address only where the viewer
  may see that person's contact details (never a protected guardian's, never one
  separated guardian's to the other); other attendees are `urn:uuid:` addresses.
* ``MAIL``: attached to the content-free e-mail. Time and a link only: no names, no
  place, no purpose (DESIGN rule 12). The only attendee is the recipient.
* ``EXTERNAL``: attached to the e-mail to an external actor: time and place only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

if TYPE_CHECKING:
    from access.scoping import Viewer
    from meetings.models import Invitation, Meeting

PORTAL = "portal"
MAIL = "mail"
EXTERNAL = "external"

REQUEST = "REQUEST"
CANCEL = "CANCEL"

PARTSTAT = {"pending": "NEEDS-ACTION", "yes": "ACCEPTED", "no": "DECLINED", "maybe": "TENTATIVE"}


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("meetings:detail", args=[meeting.uuid])


def organizer_address() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@samverkan.example"
    return f"mailto:{address}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _attendee(value: str, *, name: str = "", partstat: str = "NEEDS-ACTION") -> vCalAddress:
    address = vCalAddress(value)
    if name:
        address.params["cn"] = vText(name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText(partstat)
    address.params["rsvp"] = vText("TRUE") if partstat == "NEEDS-ACTION" else vText("FALSE")
    return address


def portal_attendee(invitation: Invitation, viewer: Viewer) -> vCalAddress:
    """An ATTENDEE for the portal download: a mail address only where the viewer may see
    that person's contact details (access.policy.can_see_contact_details)."""
    from access import policy

    value = f"urn:uuid:{invitation.uuid}"
    name = ""
    agency, guardian, external = invitation.agency, invitation.guardian, invitation.external
    if agency is not None:
        name = agency.name
        if agency.email:
            value = f"mailto:{agency.email}"
    elif guardian is not None:
        name = guardian.full_name
        if guardian.email and not guardian.protected_identity and policy.can_see_contact_details(viewer, guardian):
            value = f"mailto:{guardian.email}"
    elif invitation.for_child:
        name = invitation.case.child.first_name
    elif external is not None:
        name = external.organisation
        if external.email and viewer.is_staff:
            value = f"mailto:{external.email}"
    return _attendee(value, name=name, partstat=PARTSTAT.get(invitation.answer, "NEEDS-ACTION"))


def build(
    meeting: Meeting,
    *,
    method: str,
    audience: str,
    attendees: Iterable[vCalAddress] = (),
    now: datetime | None = None,
) -> bytes:
    """The calendar file for `meeting` as bytes (text/calendar)."""
    cancelled = method == CANCEL
    calendar = Calendar()
    calendar.add("prodid", "-//Samverkansportalen//Moten//SV")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", _utc(now or timezone.now()))
    event.add("dtstart", _utc(meeting.starts_at))
    event.add("dtend", _utc(meeting.ends_at))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _("Inställt: möte i Samverkansportalen") if cancelled else _("Möte i Samverkansportalen"))
    url = meeting_url(meeting)
    organizer = vCalAddress(organizer_address())
    organizer.params["cn"] = vText("Samverkansportalen")
    event.add("organizer", organizer)
    if audience in {PORTAL, EXTERNAL}:
        where = ", ".join(part for part in (meeting.place, meeting.video_link) if part)
        if where:
            event.add("location", where)
    if audience == EXTERNAL:
        event.add("description", _("Tid och plats för ett samverkansmöte. Svara inte på det här mejlet."))
    else:
        event.add("url", url)
        event.add("description", _("Logga in i Samverkansportalen för att se mötet: %(url)s") % {"url": url})
    for attendee in attendees:
        event.add("attendee", attendee, encode=False)
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()


def recipient_attendee(address: str) -> vCalAddress:
    """The recipient of a mailed calendar file: address only, no name."""
    return _attendee(f"mailto:{address}")
