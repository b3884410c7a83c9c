"""What each kind of notification says, to whom it is offered, and its default e-mail.

A notification row holds only a kind code; the sentence is rendered at display time in
the viewer's language. E-mail never uses these sentences (DESIGN rule 12): it says only
that something is waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IMMEDIATELY = "immediately"
DIGEST = "digest"
NEVER = "never"
DELIVERY_CHOICES = [
    (IMMEDIATELY, _("Direkt")),
    (DIGEST, _("En sammanfattning per dag")),
    (NEVER, _("Aldrig")),
]
DELIVERY_VALUES = {value for value, _label in DELIVERY_CHOICES}

STAFF = "staff"
FAMILY = "family"


@dataclass(frozen=True)
class Kind:
    code: str
    text: Promise
    # Shown on the preferences page: what the setting is about.
    label: Promise
    audiences: frozenset[str]
    default: str = IMMEDIATELY
    # The sending app e-mails these itself (meetings send the calendar file): no second
    # e-mail from here, and no e-mail preference to offer.
    emailed_by_sender: bool = False


def _kind(
    code: str,
    text: Promise,
    label: Promise,
    *audiences: str,
    default: str = IMMEDIATELY,
    emailed_by_sender: bool = False,
) -> Kind:
    return Kind(
        code=code,
        text=text,
        label=label,
        audiences=frozenset(audiences),
        default=default,
        emailed_by_sender=emailed_by_sender,
    )


KINDS: dict[str, Kind] = {
    k.code: k
    for k in [
        _kind(
            "meeting.called",
            _("Du har en ny mötesinbjudan"),
            _("Nya mötesinbjudningar"),
            STAFF,
            FAMILY,
            emailed_by_sender=True,
        ),
        _kind("meeting.changed", _("Ett möte har ändrats"), _("Ändrade möten"), STAFF, FAMILY, emailed_by_sender=True),
        _kind(
            "meeting.cancelled",
            _("Ett möte har ställts in"),
            _("Inställda möten"),
            STAFF,
            FAMILY,
            emailed_by_sender=True,
        ),
        _kind(
            "invitation.no_contact",
            _("En inbjuden verksamhet har ingen kontaktperson i teamet och har inte fått inbjudan"),
            _("Inbjudningar som inte når någon"),
            STAFF,
        ),
        _kind("meeting.tomorrow", _("Påminnelse: du har ett möte i morgon"), _("Möte i morgon"), STAFF, FAMILY),
        _kind(
            "invitation.answered",
            _("Någon har svarat på en mötesinbjudan"),
            _("Svar på mötesinbjudningar"),
            STAFF,
            default=DIGEST,
        ),
        _kind(
            "invitation.unanswered",
            _("Påminnelse: du har inte svarat på en mötesinbjudan"),
            _("Obesvarade mötesinbjudningar"),
            STAFF,
            FAMILY,
        ),
        _kind(
            "preparation.submitted",
            _("En förberedelse inför ett möte har lämnats in"),
            _("Inlämnade förberedelser"),
            STAFF,
            default=DIGEST,
        ),
        _kind(
            "preparation.due",
            _("Påminnelse: lämna din förberedelse inför mötet"),
            _("Förberedelser som snart ska vara klara"),
            STAFF,
            FAMILY,
        ),
        _kind(
            "minutes.shared",
            _("Anteckningar från ett möte finns att läsa"),
            _("Delade mötesanteckningar"),
            STAFF,
            FAMILY,
        ),
        _kind(
            "consent.requested",
            _("Du har en fråga om samtycke att svara på"),
            _("Frågor om samtycke"),
            FAMILY,
        ),
        _kind("consent.granted", _("Ett samtycke har getts"), _("Givna samtycken"), STAFF),
        _kind("consent.refused", _("Någon har sagt nej till ett samtycke"), _("Nej till samtycke"), STAFF),
        _kind("consent.revoked", _("Ett samtycke har tagits tillbaka"), _("Återkallade samtycken"), STAFF),
        _kind("consent.narrowed", _("Ett samtycke har begränsats"), _("Begränsade samtycken"), STAFF, FAMILY),
        _kind("consent.expiring", _("Ett samtycke upphör snart"), _("Samtycken som snart upphör"), STAFF, FAMILY),
        _kind(
            "action.assigned",
            _("Din verksamhet har fått en insats i en gemensam plan"),
            _("Nya insatser för din verksamhet"),
            STAFF,
        ),
        _kind(
            "action.overdue",
            _("En insats i en gemensam plan är försenad"),
            _("Försenade insatser"),
            STAFF,
        ),
        _kind(
            "action.status_changed",
            _("En insats i en gemensam plan har fått ny status"),
            _("Ändrad status på insatser"),
            STAFF,
            default=DIGEST,
        ),
        _kind(
            "minutes.replied",
            _("Någon har svarat på anteckningar från ett möte"),
            _("Svar på mötesanteckningar"),
            STAFF,
            default=DIGEST,
        ),
        _kind("coordinator.changed", _("Samordnaren har bytts"), _("Byte av samordnare"), STAFF, FAMILY),
        _kind(
            "case.coordinator_appointed",
            _("En samordnare har utsetts"),
            _("Nya samordnare"),
            STAFF,
            FAMILY,
        ),
        _kind(
            "case.team_joined",
            _("Din verksamhet har lagts till i ett team runt ett barn"),
            _("Nya team för din verksamhet"),
            STAFF,
        ),
        _kind("case.closed", _("En samverkan har avslutats"), _("Avslutad samverkan"), STAFF, FAMILY),
        _kind(
            "case.joined",
            _("Familjen har fört samman två samarbeten kring ett barn"),
            _("Samarbeten som förs samman"),
            STAFF,
        ),
    ]
}

FALLBACK_TEXT = _("Du har en ny notis")


def text_for(code: str) -> str:
    kind = KINDS.get(code)
    return str(kind.text if kind else FALLBACK_TEXT)


def default_delivery(code: str) -> str:
    kind = KINDS.get(code)
    return kind.default if kind else IMMEDIATELY


def emailed_here(code: str) -> bool:
    """False for kinds whose own app sends the e-mail (e.g. invitations with a calendar file)."""
    kind = KINDS.get(code)
    return not (kind and kind.emailed_by_sender)


def kinds_for(*, is_staff: bool) -> list[Kind]:
    """The kinds a person can receive, for the preferences page."""
    audience = STAFF if is_staff else FAMILY
    return [k for k in KINDS.values() if audience in k.audiences and not k.emailed_by_sender]
