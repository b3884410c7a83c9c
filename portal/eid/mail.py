"""The e-mail backend: never sends to an eID account's reserved address (@eid.invalid).

It wraps the backend named by PORTAL_EMAIL_BACKEND (EMAIL_BACKEND in the environment), so
every sender (notifications, meeting invitations, codes) is covered in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from portal.eid.conf import INVALID_DOMAIN


def deliverable(address: str) -> bool:
    domain = address.rsplit("@", 1)[-1].strip().rstrip(">").lower()
    return domain != INVALID_DOMAIN and not domain.endswith(".invalid")


def without_invalid(message: EmailMessage) -> EmailMessage | None:
    """The message with reserved addresses removed, or None when nobody is left."""
    message.to = [a for a in message.to if deliverable(a)]
    message.cc = [a for a in message.cc if deliverable(a)]
    message.bcc = [a for a in message.bcc if deliverable(a)]
    return message if message.recipients() else None


class EmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(settings.PORTAL_EMAIL_BACKEND, fail_silently=fail_silently, **kwargs)

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        kept = [m for m in (without_invalid(m) for m in email_messages) if m is not None]
        return self.inner.send_messages(kept) if kept else 0
