"""Notifications and reminders: rows first, delivery after commit."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager


class Notification(models.Model):
    """Something waiting for one person. Written in the same transaction as its cause.

    `kind` is a code (`meeting.called`, `consent.requested`, …); the text shown is built
    at display time through the policy, so a notification never carries child data.
    """

    RECIPIENT_SCOPED = True
    # The row holds a kind code and links, never child data: reading one's own list is not
    # a read of a child's information (the case, when shown, is fetched and logged).
    NOT_LOGGED = True

    class EmailState(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENDING = "sending", _("Skickas")
        SENT = "sent", _("Skickat")
        DIGEST = "digest", _("Med i sammanfattning")
        SKIPPED = "skipped", _("Skickas inte")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # The agency the recipient must act for to open the target (empty for families).
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    pushed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient_id"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["email_state", "created_at"], name="notification_email_state"),
            models.Index(
                fields=["created_at"], condition=models.Q(pushed_at__isnull=True), name="notification_unpushed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class Reminder(models.Model):
    """A message due at a time. Claimed once by a beat task (SELECT … FOR UPDATE SKIP
    LOCKED); `key` makes scheduling idempotent and each reminder is sent exactly once."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    recipient_ids = models.JSONField(default=list)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["sent_at", "due_at"], name="reminder_due"),
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="reminder_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class EmailPreference(models.Model):
    """How one person wants e-mail about one kind of notification. In-app is always on.

    No row means the kind's default (`notifications.kinds`). Not child data: a person's own
    setting, read and written only for `request.user`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=40)
    delivery = models.CharField(
        max_length=12,
        choices=[("immediately", _("Direkt")), ("digest", _("En sammanfattning per dag")), ("never", _("Aldrig"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="emailpreference_user_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
