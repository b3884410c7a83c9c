"""What the domain announces, for the apps above it to act on (issue 15: apps depend one way).

The domain apps say what happened and who should hear of it; they import no notifications
or meetings code. The subscribers connect in their `AppConfig.ready()`: notifications
writes its rows (notifications/apps.py), meetings closes connections and withdraws
invitations when agencies lose access (meetings/apps.py).

Not signals as loose glue (STYLE.md): each announcement is one explicit call, at the point
in the service where the next step used to be called, through `announce`/`ask` below:

* synchronous, in the caller's transaction: the notification and reminder rows are written
  in the same transaction as the change that caused them (delivery starts after commit,
  as before), and a rollback leaves none;
* nothing is lost: a failing subscriber fails the caller (`send`, never `send_robust`),
  and an announcement nobody subscribes to is an error, not a silent no-op.

This module is at the bottom with the access core: it imports no app.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# Tell people about a change: recipients (users or user ids, each checked against the
# policy by the subscriber), kind (a `notifications.kinds` code), case (a case or its id,
# or None), target_url, agency_id (the agency the recipients act for). Returns the rows.
notice = Signal()

# Remind people later, once per key: key, kind, due_at, recipient_ids, case, agency_id,
# target_url. A key already scheduled is left as it is.
reminder_scheduled = Signal()

# A sweep's reminders, due now or later: reminders (a list of dicts with key, kind,
# due_at, recipient_ids, case_id, agency_id, target_url), written in one insert; a key
# already written is skipped. Answers how many were handed in to write.
reminders_written = Signal()

# A question before a sweep builds its reminders: which of `keys` are already written.
# Answers a set of keys.
reminder_keys_written = Signal()

# Unsent reminders whose key starts with key_prefix are void. Answers how many.
reminders_cancelled = Signal()

# Agencies lost access to a case (case_id, agency_ids): close their live connections, then
# withdraw their open invitations. Sent after commit by `consent.hooks`, which keeps the
# loss as a row and retries it until the subscriber returns without raising.
access_lost = Signal()


def announce(signal: Signal, *, sender: str, **facts: Any) -> list[Any]:
    """Send `signal` to its subscribers now, in the caller's transaction, and return their
    answers. A subscriber's exception propagates to the caller; no subscriber is an error."""
    if not signal.has_listeners(sender):
        raise RuntimeError(f"nobody subscribes to {_name(signal)} (is its app installed and ready?)")
    return [answer for _receiver, answer in signal.send(sender, **facts)]


def ask(signal: Signal, *, sender: str, **facts: Any) -> Any:
    """`announce` a question that exactly one subscriber answers; return its answer."""
    answers = announce(signal, sender=sender, **facts)
    if len(answers) != 1:
        raise RuntimeError(f"{_name(signal)} has {len(answers)} subscribers; one answers it")
    return answers[0]


def _name(signal: Signal) -> str:
    return next((name for name, value in globals().items() if value is signal), repr(signal))
