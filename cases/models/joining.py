"""The family brings together two collaborations for the same child (DESIGN rule 17).

An agency that cannot see a child with a given personal identity number opens its own
collaboration with its own record of the child, so neither agency learns of the other.
The family, who sees both, may ask to join them: every guardian with custody agrees in
the portal, then the team of the one joins the other, the coordinators are told and the
family is asked for consent for the agencies that joined.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager


class CaseJoin(models.Model):
    class Status(models.TextChoices):
        ASKED = "asked", _("Väntar på svar")
        JOINED = "joined", _("Förda samman")
        WITHDRAWN = "withdrawn", _("Avbruten")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    keep = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    absorb = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASKED)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The consent request for the agencies that joined (None when none were new).
    consent = models.ForeignKey("consent.Consent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("sammanförande av samverkan")
        constraints = [
            models.CheckConstraint(condition=~models.Q(keep=models.F("absorb")), name="casejoin_two_cases"),
            models.UniqueConstraint(
                fields=["keep", "absorb"], condition=models.Q(status="asked"), name="casejoin_one_open_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"Sammanförande {self.uuid.hex[:8]}"


class CaseJoinAgreement(models.Model):
    """One guardian's yes to bringing the two collaborations together."""

    join = models.ForeignKey(CaseJoin, on_delete=models.CASCADE, related_name="agreements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["join", "user"], name="casejoinagreement_once")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.join_id}"
