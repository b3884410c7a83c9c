"""E-mail about notifications: content-free, in the recipient's language, exactly once.

DESIGN rule 12: an e-mail says that something is waiting, never what — no child's name,
no kind, no content; only a count and a link to sign in.

Exactly once: a task claims the rows it will e-mail in one statement (pending → sending,
UPDATE … RETURNING), so a second task for the same rows gets none of them; each e-mail is
marked sent as soon as the mail server accepted it, and a failed send hands the rest back
to pending for the retry or the sweeper. The daily digest does the same per person inside
a transaction holding the rows' locks. (Only a worker dying between the mail server's
acceptance and the mark — one round trip — could repeat an e-mail, once the sweeper hands
the stale claim back.)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from django.conf import settings
from django.core import mail, signing
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from access.scoping import system_scope
from notifications import kinds
from notifications.models import EmailPreference, Notification

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.digest-unsubscribe"
State = Notification.EmailState


def unsubscribe_token(user: Any) -> str:
    return signing.dumps({"u": str(user.uuid)}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_uuid(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return data.get("u") if isinstance(data, dict) else None


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _preferences(user_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    result: dict[int, dict[str, str]] = defaultdict(dict)
    for user_id, kind, delivery in EmailPreference.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "kind", "delivery"
    ):
        result[user_id][kind] = delivery
    return result


def _users(user_ids: Iterable[int]) -> dict[int, Any]:
    from portal.models import User

    return {
        u.pk: u for u in User.objects.filter(pk__in=list(user_ids)).only("pk", "uuid", "email", "language", "is_active")
    }


def _message(user: Any, count: int, refs: list[int], *, digest: bool) -> mail.EmailMessage:
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "count": count,
            "list_url": _site(reverse("notifications:list")),
            "preferences_url": _site(reverse("notifications:preferences")),
            "unsubscribe_url": _site(reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]))
            if digest
            else "",
        }
        template = "notifications/email/digest" if digest else "notifications/email/waiting"
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    headers = {
        # Ids only (never content): lets operations trace a delivery to its rows.
        "X-Samverkan-Ref": " ".join(f"n{pk}" for pk in refs),
        "Auto-Submitted": "auto-generated",
    }
    if digest:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail.EmailMessage(subject=subject, body=body, to=[user.email], headers=headers)


@contextmanager
def relaxed_commit() -> Iterator[None]:
    """Let delivery-state writes skip waiting for the disk (PostgreSQL `synchronous_commit
    off` for this connection, for the duration). A worker that dies loses nothing it
    committed; only a crash of PostgreSQL itself could forget the last marks of a fraction
    of a second, and then those e-mails or pushes go out once more."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _claim_pending(ids: list[int]) -> list[tuple[int, int, str, bool]]:
    """Move the pending rows among `ids` to `sending` and return them, in one statement:
    concurrent tasks each get a disjoint set. `emailed_at` holds the claim time, so the
    sweeper can hand back a claim whose worker died (see `release_stale_claims`)."""
    if not ids:
        return []
    table = connection.ops.quote_name(Notification._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET email_state = %s, emailed_at = %s "  # noqa: S608
        f"WHERE id IN ({placeholders}) AND email_state = %s "
        "RETURNING id, recipient_id, kind, read_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.SENDING, timezone.now(), *ids, State.PENDING])
        return [(int(pk), int(rid), kind, read_at is not None) for pk, rid, kind, read_at in cursor.fetchall()]


def _set_state(ids: list[int], state: str, *, stamp: Any = None) -> None:
    """Move claimed rows (sending) to `state`: one plain statement, as it runs once per
    e-mail sent."""
    if not ids:
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET email_state = %s, emailed_at = %s "  # noqa: S608
        f"WHERE id IN ({placeholders}) AND email_state = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [state, stamp, *ids, State.SENDING])


def send_immediate(ids: Iterable[int]) -> int:
    """Settle the e-mail of the pending rows among `ids`: send one e-mail per recipient for
    the kinds they want at once, mark the rest for the digest or as skipped.

    The rows are claimed first (pending → sending, one statement), each recipient's rows
    are marked sent right after the mail server accepted their e-mail, and a failure hands
    the unsent claims back (→ pending) before raising, so a Celery retry or the sweeper
    sends them later. Returns the number of e-mails sent.
    """
    with relaxed_commit():
        return _send_immediate(sorted({int(pk) for pk in ids}))


def _send_immediate(ids: list[int]) -> int:
    claimed = _claim_pending(ids)
    if not claimed:
        return 0
    by_recipient: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for pk, recipient_id, kind, is_read in claimed:
        by_recipient[recipient_id].append((pk, kind, is_read))
    preferences = _preferences(by_recipient)
    users = _users(by_recipient)
    outgoing: list[tuple[Any, list[int]]] = []
    digest_rows: list[int] = []
    skip_rows: list[int] = []
    for recipient_id, rows in sorted(by_recipient.items()):
        user = users.get(recipient_id)
        chosen = preferences.get(recipient_id, {})
        now_rows = []
        for pk, kind, is_read in rows:
            delivery = chosen.get(kind, kinds.default_delivery(kind))
            if is_read or user is None or not user.is_active or not user.email or not kinds.emailed_here(kind):
                skip_rows.append(pk)
            elif delivery == kinds.IMMEDIATELY:
                now_rows.append(pk)
            elif delivery == kinds.DIGEST:
                digest_rows.append(pk)
            else:
                skip_rows.append(pk)
        if now_rows:
            outgoing.append((user, now_rows))
    _set_state(digest_rows, State.DIGEST)
    _set_state(skip_rows, State.SKIPPED)
    sent = 0
    done: set[int] = set()
    connection_ = mail.get_connection()
    try:
        if outgoing:
            connection_.open()
        with _pipelined():
            for user, now_rows in outgoing:
                connection_.send_messages([_message(user, len(now_rows), now_rows, digest=False)])
                _set_state(now_rows, State.SENT, stamp=timezone.now())
                done.update(now_rows)
                sent += 1
    finally:
        unsent = [pk for _user, now_rows in outgoing for pk in now_rows if pk not in done]
        _set_state(unsent, State.PENDING)
        connection_.close()
    return sent


def _pipelined() -> AbstractContextManager[Any]:
    """On PostgreSQL, send the per-e-mail marks without waiting for each answer (libpq
    pipeline mode): each mark still leaves right after its e-mail was accepted."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return nullcontext()
    connection.ensure_connection()
    raw = connection.connection
    return raw.pipeline() if hasattr(raw, "pipeline") else nullcontext()


def release_stale_claims(*, older_than: Any) -> int:
    """Hand back e-mail claims whose worker died before finishing (→ pending). The e-mail
    of such a row may have gone out just before the crash: at most that one is repeated."""
    with system_scope():
        return Notification.objects.filter(email_state=State.SENDING, emailed_at__lt=older_than).update(
            email_state=State.PENDING, emailed_at=None
        )


def send_digests(*, limit_users: int | None = None) -> int:
    """Send each person one daily summary of their unread notifications waiting for it.
    Rows leave `digest` in the transaction that sends, so a second run sends nothing."""
    with system_scope():
        recipients = list(
            Notification.objects.filter(email_state=State.DIGEST)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()
        )
    if limit_users is not None:
        recipients = recipients[:limit_users]
    users = _users(recipients)
    connection = mail.get_connection()
    sent = 0
    try:
        for recipient_id in recipients:
            with transaction.atomic(), system_scope():
                rows = list(
                    Notification.objects.select_for_update(skip_locked=True)
                    .filter(recipient_id=recipient_id, email_state=State.DIGEST)
                    .only("pk", "read_at")
                    .order_by("pk")
                )
                user = users.get(recipient_id)
                unread = [r.pk for r in rows if r.read_at is None]
                read = [r.pk for r in rows if r.read_at is not None]
                if unread and user is not None and user.is_active and user.email:
                    if sent == 0:
                        connection.open()
                    connection.send_messages([_message(user, len(unread), unread, digest=True)])
                    sent += 1
                    Notification.objects.filter(pk__in=unread).update(email_state=State.SENT, emailed_at=timezone.now())
                else:
                    read += unread
                if read:
                    Notification.objects.filter(pk__in=read).update(email_state=State.SKIPPED)
    finally:
        connection.close()
    return sent
