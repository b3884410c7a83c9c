"""Joint meetings: the meeting, its invitations (consent-gated), and their answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseItem

if TYPE_CHECKING:
    from consent.scoping import Viewer


class Meeting(CaseItem):
    """A joint meeting called by the coordinator. One calendar UID for its whole life;
    `sequence` rises on every change sent out (RFC 5545)."""

    CATEGORY_CODE = "basic"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planerat")
        HELD = "held", _("Genomfört")
        CANCELLED = "cancelled", _("Inställt")

    purpose = models.TextField(_("syfte med mötet"))
    starts_at = models.DateTimeField(_("börjar"))
    ends_at = models.DateTimeField(_("slutar"))
    place = models.CharField(_("plats"), max_length=200, blank=True)
    video_link = models.URLField(_("länk till videomöte"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    sequence = models.PositiveIntegerField(default=0)
    ical_uid = models.CharField(max_length=120, unique=True)
    preparation_due_at = models.DateTimeField(_("förberedelser senast"), null=True, blank=True)

    class Meta:
        verbose_name = _("möte")
        verbose_name_plural = _("möten")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"], name="meeting_case_starts")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"Möte {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.ical_uid:
            self.ical_uid = f"{self.uuid}@samverkansportalen"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        # Another agency sees a meeting only while it holds an active invitation to it.
        return Q(
            Exists(
                Invitation._base_manager.filter(
                    meeting_id=OuterRef("pk"), agency_id=viewer.agency_id, withdrawn_at__isnull=True
                )
            )
        )


class Invitation(CaseItem):
    """One invitation: to an agency (consent-gated), to one guardian (each separately),
    to the child, or to an external actor (time and place only, by e-mail)."""

    CATEGORY_CODE = "basic"

    class Answer(models.TextChoices):
        PENDING = "pending", _("Inte svarat")
        YES = "yes", _("Kommer")
        NO = "no", _("Kommer inte")
        MAYBE = "maybe", _("Kanske")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey("cases.Guardian", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    for_child = models.BooleanField(default=False)
    external = models.ForeignKey(
        "cases.ExternalContact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answer_comment = models.TextField(_("kommentar"), blank=True)
    proposed_time = models.DateTimeField(_("förslag på annan tid"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(agency__isnull=False, guardian__isnull=True, for_child=False, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=False, for_child=False, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=True, for_child=True, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=True, for_child=False, external__isnull=False)
                ),
                name="invitation_one_invitee",
            ),
        ]
        indexes = [models.Index(fields=["agency", "withdrawn_at"], name="invitation_agency_active")]

    def __str__(self) -> str:
        return f"Inbjudan {self.uuid.hex[:8]}"

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        # Visible with the meeting: to agencies invited to the same meeting.
        return Q(
            Exists(
                Invitation._base_manager.filter(
                    meeting_id=OuterRef("meeting_id"), agency_id=viewer.agency_id, withdrawn_at__isnull=True
                )
            )
        )

    def mark_answered(self, *, answer: str, by: object) -> None:
        self.answer = answer
        self.answered_at = timezone.now()
        self.answered_by = by  # type: ignore[assignment]
