"""E-mail about notifications: content-free, in the recipient's language, exactly once.

DESIGN rule 12: an e-mail says that something is waiting, never what — no child's name,
no kind, no content; only a count and a link to sign in.

Exactly once: a notification row leaves `pending` (or `digest`) in the same transaction
that sends its e-mail, while the row is locked (SELECT … FOR UPDATE SKIP LOCKED). A second
task for the same row skips it or finds it already sent; a failed send rolls back and the
row waits for the retry or the sweeper. (Only a crash between the mail server accepting
the message and the commit could repeat one e-mail; that window is one round trip.)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consent.scoping import system_scope
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


def send_immediate(ids: Iterable[int]) -> int:
    """Settle the e-mail of the pending rows among `ids`: send one e-mail per recipient for
    the kinds they want at once, mark the rest for the digest or as skipped.

    Raises when the mail server fails (after rolling back that recipient's rows), so a
    Celery retry or the sweeper sends them later. Returns the number of e-mails sent.
    """
    ids = list(ids)
    with system_scope():
        recipients = sorted(
            set(
                Notification.objects.filter(pk__in=ids, email_state=State.PENDING).values_list(
                    "recipient_id", flat=True
                )
            )
        )
    if not recipients:
        return 0
    preferences = _preferences(recipients)
    users = _users(recipients)
    connection = mail.get_connection()
    sent = 0
    try:
        for recipient_id in recipients:
            with transaction.atomic(), system_scope():
                rows = list(
                    Notification.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=ids, recipient_id=recipient_id, email_state=State.PENDING)
                    .only("pk", "kind", "read_at")
                    .order_by("pk")
                )
                if not rows:
                    continue
                user = users.get(recipient_id)
                chosen = preferences.get(recipient_id, {})
                now_rows, digest_rows, skip_rows = [], [], []
                for row in rows:
                    delivery = chosen.get(row.kind, kinds.default_delivery(row.kind))
                    if row.read_at is not None or user is None or not user.is_active or not user.email:
                        skip_rows.append(row.pk)
                    elif delivery == kinds.IMMEDIATELY:
                        now_rows.append(row.pk)
                    elif delivery == kinds.DIGEST:
                        digest_rows.append(row.pk)
                    else:
                        skip_rows.append(row.pk)
                stamp = timezone.now()
                if now_rows:
                    if sent == 0:
                        connection.open()
                    connection.send_messages([_message(user, len(now_rows), now_rows, digest=False)])
                    sent += 1
                    Notification.objects.filter(pk__in=now_rows).update(email_state=State.SENT, emailed_at=stamp)
                if digest_rows:
                    Notification.objects.filter(pk__in=digest_rows).update(email_state=State.DIGEST)
                if skip_rows:
                    Notification.objects.filter(pk__in=skip_rows).update(email_state=State.SKIPPED)
    finally:
        connection.close()
    return sent


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
