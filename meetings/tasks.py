"""Celery tasks of the meetings app. Thin: take ids, call the mail module."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def send_invitation_mail(invitation_ids: list[int], kind: str) -> int:
    from meetings import mail

    return mail.send(invitation_ids, kind)
