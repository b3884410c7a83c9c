"""Consent decisions confirmed by a fresh eID authentication (where eID is configured).

The family member chooses (yes, no, take back, narrow); we keep what they chose in their
session under a random `state` and send them to the provider with `prompt=login`,
`max_age=0`. On return the state is taken out of the session (a replayed response finds
nothing), the code is exchanged, the ID token checked (`portal.eid.oidc.verify`), and the
number it asserts must be the signed-in person's own. Then the decision is recorded with
its evidence in one transaction; the token's hash is unique, so one authentication
confirms one decision.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from consent import services
from consent.models import Consent, ConsentDecision
from portal.eid import oidc
from portal.eid.conf import EidConfig, level_label
from portal.eid.models import EidEvidence

SESSION_KEY = "eid_pending"
PENDING_TTL = 600
MAX_PENDING = 5
ACTIONS = ("granted", "refused", "revoked", "narrowed")


class StepUpRefused(services.ConsentError):
    """The eID confirmation could not be accepted; nothing was recorded."""


def start(
    *, session: SessionBase, config: EidConfig, consent: Consent, action: str, redirect_uri: str, remove: Any = None
) -> str:
    """Remember what the person chose and return the provider URL to confirm it at."""
    if action not in ACTIONS:
        raise StepUpRefused(_("Okänt svar."))
    pending = oidc.new_request()
    now = time.time()
    waiting = {k: v for k, v in (session.get(SESSION_KEY) or {}).items() if v.get("started", 0) > now - PENDING_TTL}
    # Keep the newest few: a person may have started in two tabs.
    for state in sorted(waiting, key=lambda s: waiting[s]["started"])[: max(0, len(waiting) - MAX_PENDING + 1)]:
        waiting.pop(state)
    waiting[pending["state"]] = {
        "nonce": pending["nonce"],
        "verifier": pending["verifier"],
        "consent": str(consent.uuid),
        "action": action,
        "remove": [list(pair) for pair in (remove or [])],
        "started": now,
        "redirect_uri": redirect_uri,
    }
    session[SESSION_KEY] = waiting
    return oidc.authorization_url(config, pending, redirect_uri)


def take(session: SessionBase, state: str) -> dict[str, Any] | None:
    """The pending choice for `state`, removed from the session (single use)."""
    waiting = dict(session.get(SESSION_KEY) or {})
    pending = waiting.pop(state, None) if state else None
    session[SESSION_KEY] = waiting
    if pending is None or pending.get("started", 0) < time.time() - PENDING_TTL:
        return None
    return dict(pending)


def _own_number(viewer: Viewer, number: str) -> bool:
    from cases import personnummer
    from cases.models import Child, Guardian

    try:
        normalised = personnummer.normalize(number)
    except personnummer.PersonnummerError:
        return False
    with system_scope():
        return (
            Guardian.objects.filter(user_id=viewer.user_id, personal_number=normalised).exists()
            or Child.objects.filter(user_id=viewer.user_id, personal_number=normalised).exists()
        )


def evidence_note(config: EidConfig, evidence: oidc.Evidence) -> str:
    at = timezone.localtime(datetime.fromtimestamp(evidence.auth_time, tz=UTC))
    return _("Bekräftad med %(name)s, nivå %(level)s, kl %(time)s") % {
        "name": config.name,
        "level": level_label(evidence.acr),
        "time": formats.time_format(at),
    }


def finish(*, viewer: Viewer, config: EidConfig, pending: dict[str, Any], code: str, consent: Consent) -> EidEvidence:
    """Check the provider's answer and record the decision it confirms, with evidence."""
    try:
        token = oidc.exchange(config, code=code, verifier=pending["verifier"], redirect_uri=pending["redirect_uri"])
        evidence = oidc.verify(config, token, nonce=pending["nonce"], not_before=pending["started"])
    except (oidc.EidError, OSError, ValueError) as error:
        raise StepUpRefused(_("Vi kunde inte bekräfta att det var du. Inget har ändrats. Försök igen.")) from error
    if not _own_number(viewer, evidence.personal_number):
        raise StepUpRefused(_("Du loggade in som en annan person. Inget har ändrats."))
    from cases.models import Case

    with system_scope():
        case = Case.objects.select_related("child").get(pk=consent.case_id)
    party = services.party_for_viewer(viewer, case)
    if party is None:
        raise StepUpRefused(_("Du kan bara svara för dig själv."))
    note = evidence_note(config, evidence)
    action = pending["action"]
    try:
        with transaction.atomic():
            decision = None
            target = consent
            if action == "narrowed":
                target = services.consent_narrow(
                    viewer=viewer, consent=consent, remove=[tuple(pair) for pair in pending["remove"]]
                )
                with system_scope():
                    Consent.objects.filter(pk=target.pk).update(change_note=f"{target.change_note}. {note}"[:300])
            else:
                decision = services.decision_record(
                    viewer=viewer,
                    consent=consent,
                    party=party,
                    decision=action,
                    method=ConsentDecision.Method.PORTAL,
                    note=note,
                )
            assert viewer.user_id is not None
            return EidEvidence.objects.create(
                user_id=viewer.user_id,
                consent=target,
                decision=decision,
                action=action,
                provider_name=config.name,
                issuer=evidence.issuer,
                acr=evidence.acr,
                auth_time=datetime.fromtimestamp(evidence.auth_time, tz=UTC),
                id_token_sha256=evidence.token_sha256,
            )
    except IntegrityError as error:
        raise StepUpRefused(_("Den här inloggningen har redan använts. Inget har ändrats.")) from error


def evidence_for(*, viewer: Viewer, consent: Consent) -> list[EidEvidence]:
    """The viewer's own eID confirmations on this consent's series, oldest first (the
    caller has already checked that the viewer may see the consent)."""
    if viewer.user_id is None:
        return []
    return list(
        EidEvidence.objects.filter(user_id=viewer.user_id, consent__series=consent.series).order_by("recorded_at")
    )


def evidence_for_series(consent: Consent) -> list[EidEvidence]:
    """Every eID confirmation on the consent's series (staff history; the caller has
    checked the viewer manages the case)."""
    return list(EidEvidence.objects.filter(consent__series=consent.series).order_by("recorded_at"))


def unavailable_message() -> str:
    return _("Det går inte att nå inloggningen just nu. Inget har ändrats. Försök igen om en stund.")


def cancelled_message() -> str:
    return _("Du avbröt inloggningen. Inget har ändrats.")


def done_message(action: str) -> str:
    return {
        "granted": _("Tack! Du har sagt ja till samtycket."),
        "refused": _("Du har sagt nej. Ingen får se uppgifterna genom det här samtycket."),
        "revoked": _("Du har tagit tillbaka ditt samtycke. Det gäller från och med nu."),
        "narrowed": _("Samtycket är begränsat. Ändringen gäller från och med nu."),
    }[action]
