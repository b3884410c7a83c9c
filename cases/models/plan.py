"""The mapping of the family's situation and the joint plan that grows out of it.

The plan (DESIGN rule 8) states what support is needed, which principal does what, what
others do, which principal holds overall responsibility, what the coordinator will and
will not do; goals come from the mapping; actions have a responsible agency or person, a
due date and a status. Every change appends an immutable `PlanChange` (who, when, what).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.collaboration import CaseItem, ExternalContact, immutable_save_guard
from portal import limits


class LifeArea(models.TextChoices):
    """Areas of the child's and the family's life the mapping walks through (seed 004)."""

    SCHOOL = "school", _("Skola eller förskola")
    HEALTH = "health", _("Hälsa och mående")
    LEISURE = "leisure", _("Fritid och kompisar")
    FAMILY = "family", _("Familjen och vardagen hemma")
    FINANCES = "finances", _("Ekonomi")
    HOUSING = "housing", _("Boende")
    PARENT_WORK = "parent_work", _("Förälderns arbete eller studier")
    PARENT_HEALTH = "parent_health", _("Förälderns hälsa och ork")
    OTHER = "other", _("Annat")


class MappingEntry(CaseItem):
    """One life area of the mapping (kartläggning): how it is now and how the family wants
    it to be, in the family's own words, and whether it matters most right now.

    Each row carries the information category of what it holds (the school row is
    "school situation", the health row "health"), so an agency reads a row only under a
    consent for that row's category. The default per life area is data
    (`consent.CategoryDefault`, `life_area:<area>`); the writer may choose another.
    """

    # The category of rows the defaults do not cover (and of rows written before rows
    # carried their own category).
    FALLBACK_CATEGORY = "family"

    area = models.CharField(_("område"), max_length=20, choices=LifeArea.choices)
    category = models.ForeignKey(
        "consent.InformationCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("kategori")
    )
    current_state = models.TextField(
        _("så här är det nu"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )
    desired_state = models.TextField(
        _("så här vill vi att det ska bli"),
        blank=True,
        max_length=limits.TEXT,
        validators=limits.text_validators(limits.TEXT),
    )
    is_priority = models.BooleanField(_("viktigast just nu"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kartläggning av ett område")
        verbose_name_plural = _("kartläggning")
        ordering = ["-is_priority", "area", "created_at", "id"]
        indexes = [models.Index(fields=["case", "area"], name="mappingentry_case_area")]

    def __str__(self) -> str:
        return self.get_area_display()


class Plan(CaseItem):
    """The joint plan's own text (one per collaboration); goals and actions hang on the case."""

    CATEGORY_CODE = "plan"

    support_needed = models.TextField(
        _("vilket stöd behövs"), blank=True, max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )
    others_do = models.TextField(
        _("vad andra gör"),
        blank=True,
        max_length=limits.TEXT,
        validators=limits.text_validators(limits.TEXT),
        help_text=_("Till exempel Försäkringskassan, Arbetsförmedlingen eller en förening."),
    )
    overall_principal = models.ForeignKey(
        "agencies.Principal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("huvudman med övergripande ansvar"),
    )
    coordinator_will = models.TextField(
        _("det här gör samordnaren"), blank=True, max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )
    coordinator_will_not = models.TextField(
        _("det här gör inte samordnaren"),
        blank=True,
        max_length=limits.TEXT,
        validators=limits.text_validators(limits.TEXT),
    )
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gemensam plan")
        verbose_name_plural = _("gemensamma planer")
        constraints = [models.UniqueConstraint(fields=["case"], name="plan_one_per_case")]

    def __str__(self) -> str:
        return f"Plan v{self.version}"


class PlanGoal(CaseItem):
    """A goal of the joint plan, taken from a life area of the mapping."""

    CATEGORY_CODE = "plan"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Pågår")
        REACHED = "reached", _("Uppnått")
        DROPPED = "dropped", _("Inte längre aktuellt")

    area = models.CharField(_("område"), max_length=20, choices=LifeArea.choices, blank=True)
    text = models.TextField(_("mål"), max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT))
    status = models.CharField(_("läge"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mål i planen")
        verbose_name_plural = _("mål i planen")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class PlanAction(CaseItem):
    """An action in the joint plan: who does what, by when, and how it is going."""

    CATEGORY_CODE = "plan"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planerad")
        IN_PROGRESS = "in_progress", _("Pågår")
        DONE = "done", _("Klar")
        CANCELLED = "cancelled", _("Avbruten")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)

    description = models.TextField(
        _("vad ska göras"), max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    goal = models.ForeignKey(PlanGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responsible_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_external = models.ForeignKey(
        ExternalContact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("ansvarig person"), max_length=200, blank=True)
    due_date = models.DateField(_("klart senast"), validators=[limits.SANE_DATE])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("insats i planen")
        verbose_name_plural = _("insatser i planen")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["case", "status", "due_date"], name="planaction_case_status_due")]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PlanChange(CaseItem):
    """One change of the joint plan: who (created_by, author_agency), when (created_at),
    what (`summary` and `fields`: {field: [before, after]}). Append-only."""

    CATEGORY_CODE = "plan"

    class Target(models.TextChoices):
        PLAN = "plan", _("Planen")
        PHASE = "phase", _("Fas")
        GOAL = "goal", _("Mål")
        ACTION = "action", _("Insats")

    class Change(models.TextChoices):
        CREATED = "created", _("lade till")
        UPDATED = "updated", _("ändrade")

    version = models.PositiveIntegerField()
    target = models.CharField(max_length=10, choices=Target.choices)
    target_uuid = models.UUIDField(null=True, blank=True)
    change = models.CharField(max_length=10, choices=Change.choices)
    summary = models.CharField(max_length=300)
    fields = models.JSONField(default=dict, blank=True)
    changed_by_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("ändring i planen")
        verbose_name_plural = _("ändringar i planen")
        ordering = ["-version", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="planchange_case_version")]

    def __str__(self) -> str:
        return f"v{self.version}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        immutable_save_guard(self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("PlanChange rows are immutable.")
