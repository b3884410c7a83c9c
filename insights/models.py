"""Systemic gaps in the support system and the municipal management role (DESIGN rules 13–14).

A gap record describes a failure of the support *system* (a waiting time, a missing
service, a failed handover …), recorded by a coordinator for improvement work. It holds
no child data by construction: no reference to a case, child, guardian or meeting, no
recorder, and no time finer than the month, so nothing on it can be followed back to
the family the coordinator was working with when they noticed it. It is therefore not
a scoped model: reads go through `insights.selectors`, which decide per viewer.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import limits


class GapCategory(models.Model):
    """A kind of gap (waiting time, missing service …). Data, not code."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    description = models.CharField(_("förklaring"), max_length=300, blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("används"), default=True)

    class Meta:
        verbose_name = _("kategori av brist")
        verbose_name_plural = _("kategorier av brister")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """The part of the support system a gap concerns (BUP, habilitering, LSS …). Data."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    ordering = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("används"), default=True)

    class Meta:
        verbose_name = _("verksamhetsområde")
        verbose_name_plural = _("verksamhetsområden")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class SystemGap(models.Model):
    """One recorded gap in the support system. See the module docstring for what it must
    never hold."""

    # A random key, not a sequence: an increasing id would tell the order gaps were
    # recorded in, which could be matched against other logs just like a timestamp.
    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    # Whose improvement work it feeds: the principal of the recording agency.
    principal = models.ForeignKey("agencies.Principal", on_delete=models.PROTECT, related_name="+")
    recorded_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(GapCategory, on_delete=models.PROTECT, related_name="gaps")
    service_area = models.ForeignKey(
        ServiceArea,
        on_delete=models.PROTECT,
        related_name="gaps",
        verbose_name=_("vilken del av stödsystemet"),
    )
    agencies_concerned = models.ManyToManyField(  # type: ignore[var-annotated]
        "agencies.Agency",
        blank=True,
        through="GapAgency",
        related_name="+",
        verbose_name=_("berörda verksamheter"),
    )
    other_actor = models.CharField(
        _("annan berörd aktör"),
        max_length=200,
        blank=True,
        help_text=_("Till exempel Försäkringskassan eller Arbetsförmedlingen."),
    )
    description = models.TextField(
        _("vad hände i stödsystemet"), max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    # When, to the month only: a finer time could be matched against the access log.
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    quarter = models.PositiveSmallIntegerField(editable=False)

    class Meta:
        verbose_name = _("brist i stödsystemet")
        verbose_name_plural = _("brister i stödsystemet")
        # Newest period first; within a month the order carries no time information.
        ordering = ["-year", "-month", "id"]
        indexes = [models.Index(fields=["principal", "year", "quarter"], name="gap_principal_period")]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="gap_month_range"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="gap_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.year}-{self.month:02d}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.quarter = (self.month - 1) // 3 + 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def period_label(self) -> str:
        return f"{self.year} kv {self.quarter}"


class GapAgency(models.Model):
    """An agency a gap concerns. Random keys here too (see `SystemGap.id`)."""

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    gap = models.ForeignKey(SystemGap, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gap", "agency"], name="gapagency_unique")]

    def __str__(self) -> str:
        return f"{self.gap_id} – {self.agency_id}"


class ManagementRole(models.Model):
    """Municipal (or regional) management for one principal: sees aggregated, suppressed
    follow-up and gap reports for it, never a child's row. Given to agency staff (who
    sign in with password and TOTP like all staff), typically of an agency of kind
    "other" such as the municipal executive office."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="management_roles")
    principal = models.ForeignKey("agencies.Principal", on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledningsroll")
        verbose_name_plural = _("ledningsroller")
        constraints = [models.UniqueConstraint(fields=["user", "principal"], name="managementrole_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.principal}"
