"""Evidence that a family member's consent decision was confirmed by a fresh eID
authentication: who the provider said it was, how strongly, when, and a hash of the ID
token it signed. Append-only, written in the transaction of the decision it proves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EidEvidence(models.Model):
    class Action(models.TextChoices):
        GRANTED = "granted", _("Ja, samtycker")
        REFUSED = "refused", _("Nej, samtycker inte")
        REVOKED = "revoked", _("Återkallat")
        NARROWED = "narrowed", _("Begränsat")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The version decided on (for a narrowing: the new, narrower version).
    consent = models.ForeignKey("consent.Consent", on_delete=models.CASCADE, related_name="+")
    decision = models.OneToOneField(
        "consent.ConsentDecision", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    provider_name = models.CharField(max_length=60)
    issuer = models.CharField(max_length=300)
    acr = models.CharField(max_length=200)
    auth_time = models.DateTimeField()
    # SHA-256 of the compact ID token: unique, so one authentication confirms one decision.
    id_token_sha256 = models.CharField(max_length=64, unique=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    # Read only through portal.eid.selectors, inside the viewer's consent checks.
    NOT_LOGGED = True

    class Meta:
        verbose_name = _("bekräftelse med e-legitimation")
        verbose_name_plural = _("bekräftelser med e-legitimation")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.recorded_at:%Y-%m-%d %H:%M}"

    @property
    def level(self) -> str:
        from portal.eid.conf import level_label

        return level_label(self.acr)
