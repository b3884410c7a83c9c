"""Step-up before a family member gives or refuses consent in the portal.

allauth can reauthenticate with a password but not with a code, and families have no
password. So: "Vi har skickat en kod till din e-post" → the person types the code →
the decision is recorded with method "portal". The e-mail holds only the code (no
names, no content: DESIGN rule 12). Codes are random, stored as a keyed hash, valid for
10 minutes, bound to one person, one consent version and one answer, die after three
wrong attempts, and a person can ask for at most five in 15 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from consent import services
from consent.models import Consent, ConsentDecision, DecisionCode

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 3
MAX_CODES = 5
CODE_WINDOW = timedelta(minutes=15)
ANSWERS = (ConsentDecision.Decision.GRANTED, ConsentDecision.Decision.REFUSED)


class StepUpError(services.ConsentError):
    """The code was wrong, used, expired or asked for too often."""


def _digest(challenge: DecisionCode, code: str) -> str:
    message = f"{challenge.uuid}:{challenge.recipient_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def code_issue(*, viewer: Viewer, consent: Consent, decision: str) -> DecisionCode:
    """Send a fresh one-time code to the family member's own e-mail address.

    Checks first that the viewer is a party whose answer counts on the version in force,
    so a code is never sent for an answer the service would refuse.
    """
    from cases.models import Case

    if decision not in ANSWERS:
        raise StepUpError(_("Okänt svar."))
    user = viewer.user
    # An eID account's address (@eid.invalid) reaches nobody: no code can be sent there.
    if not viewer.is_family or user is None or not user.email or user.email.lower().endswith(".invalid"):
        raise StepUpError(_("Vi kan inte skicka någon kod till dig. Kontakta samordnaren."))
    with system_scope():
        case = Case.objects.select_related("child", "owner_agency__principal").get(pk=consent.case_id)
    # A closed collaboration's consents have ended: no answer, so no code (rule 18).
    services.check_not_ended(case, consent)
    party = services.party_for_viewer(viewer, case)
    if party is None or not services.party_may_decide(case, party):
        raise StepUpError(_("Ditt svar behövs inte för det här samtycket."))
    services._ensure_current(consent)
    previous = services.latest_decisions(consent).get(party.key)
    if previous is not None and previous.decision == decision:
        raise StepUpError(_("Det svaret är redan registrerat."))
    if services.is_expired(consent):
        raise StepUpError(_("Samtycket har gått ut. Samordnaren kan be om ett nytt."))
    now = timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic(), system_scope():
        # Serialise with the close: a code is never issued for a collaboration that closed
        # while we checked (the close kills open codes in the same lock).
        services.check_not_ended(services._lock_case(consent.case_id), consent)
        recent = DecisionCode.objects.filter(recipient_id=user.pk, created_at__gt=now - CODE_WINDOW).count()
        if recent >= MAX_CODES:
            raise StepUpError(_("Du har bett om många koder. Vänta en kvart och försök igen."))
        # Only the newest code of a person works.
        DecisionCode.objects.filter(recipient_id=user.pk, used_at__isnull=True).update(used_at=now)
        challenge = DecisionCode(
            recipient_id=user.pk,
            consent=consent,
            decision=decision,
            code_hash="",
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        challenge.code_hash = _digest(challenge, code)
        challenge.save()
        address = user.email
        transaction.on_commit(lambda: _send_code(address, code))
    return challenge


def _send_code(address: str, code: str) -> None:
    # Nothing sensitive leaves by e-mail: the code and nothing else.
    send_mail(
        subject=_("Din kod till Samverkansportalen"),
        message=_(
            "Din kod är: %(code)s\n\n"
            "Skriv in koden i Samverkansportalen för att bekräfta det du gör där. "
            "Koden gäller i 10 minuter.\n\n"
            "Om det inte var du som bad om koden kan du bortse från det här meddelandet."
        )
        % {"code": code},
        from_email=None,
        recipient_list=[address],
    )


def challenge_get(*, viewer: Viewer, challenge_uuid: object) -> DecisionCode | None:
    """The viewer's own open challenge, or None (someone else's is None too)."""
    with system_scope():
        try:
            return (
                DecisionCode.objects.select_related("consent")
                .filter(uuid=challenge_uuid, recipient_id=viewer.user_id, used_at__isnull=True)
                .first()
            )
        except (ValueError, TypeError):
            return None


def code_confirm(*, viewer: Viewer, challenge_uuid: object, code: str) -> ConsentDecision:
    """Check the code and record the answer it was issued for, with method "portal"."""
    now = timezone.now()
    typed = _normalise(code)
    with transaction.atomic(), system_scope():
        challenge = (
            DecisionCode.objects.select_for_update()
            .filter(uuid=challenge_uuid, recipient_id=viewer.user_id)
            .select_related("consent")
            .first()
        )
        if challenge is None or challenge.used_at is not None:
            raise StepUpError(_("Koden gäller inte längre. Be om en ny kod."))
        if challenge.expires_at <= now or challenge.attempts >= MAX_ATTEMPTS:
            raise StepUpError(_("Koden har slutat gälla. Be om en ny kod."))
        if not typed or not hmac.compare_digest(challenge.code_hash, _digest(challenge, typed)):
            challenge.attempts += 1
            if challenge.attempts >= MAX_ATTEMPTS:
                challenge.used_at = now
            challenge.save(update_fields=["attempts", "used_at"])
            wrong = True
        else:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            wrong = False
    if wrong:
        left = MAX_ATTEMPTS - challenge.attempts
        if left <= 0:
            raise StepUpError(_("Fel kod för många gånger. Be om en ny kod."))
        raise StepUpError(_("Fel kod. Du kan försöka %(left)d gånger till.") % {"left": left})
    with system_scope():
        from cases.models import Case

        case = Case.objects.select_related("child").get(pk=challenge.consent.case_id)
    party = services.party_for_viewer(viewer, case)
    if party is None:
        raise StepUpError(_("Du kan bara svara för dig själv."))
    return services.decision_record(
        viewer=viewer,
        consent=challenge.consent,
        party=party,
        decision=challenge.decision,
        method=ConsentDecision.Method.PORTAL,
    )
