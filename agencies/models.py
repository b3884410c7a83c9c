"""Principals (huvudmän), agencies (the tenants) and staff memberships."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager


class Principal(models.Model):
    """A municipality or a region. Holds the local rules its agencies share."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommun")
        REGION = "region", _("Region")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("namn"), max_length=200, unique=True)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("kommun- eller regionkod"), max_length=8, blank=True)
    # Consent parties by the child's age (DESIGN rule 4); a staff maturity assessment wins.
    child_asked_from_age = models.PositiveSmallIntegerField(_("barnet tillfrågas från ålder"), default=12)
    child_decides_from_age = models.PositiveSmallIntegerField(_("barnet bestämmer själv från ålder"), default=15)
    consent_default_months = models.PositiveSmallIntegerField(_("samtyckets giltighet (månader)"), default=12)
    closed_case_retention_days = models.PositiveIntegerField(
        _("gallring av avslutade samverkningar (dagar)"), default=3 * 365
    )
    access_log_retention_days = models.PositiveIntegerField(_("gallring av åtkomstlogg (dagar)"), default=5 * 365 + 2)

    class Meta:
        verbose_name = _("huvudman")
        verbose_name_plural = _("huvudmän")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(child_decides_from_age__gte=models.F("child_asked_from_age")),
                name="principal_age_order",
            ),
            models.CheckConstraint(
                condition=models.Q(access_log_retention_days__gte=5 * 365),
                name="principal_log_retention_min_5y",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """A tenant: one school unit, healthcare unit, social services office, coordination unit."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("Skola")
        HEALTHCARE = "healthcare", _("Hälso- och sjukvård")
        SOCIAL = "social", _("Socialtjänst")
        COORDINATION = "coordination", _("Samordningsenhet")
        OTHER = "other", _("Annan verksamhet")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    principal = models.ForeignKey(Principal, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("namn"), max_length=200)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind.choices)
    email = models.EmailField(_("funktionsbrevlåda"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    # Sign-in settings: an agency may use its own identity provider (SITHS via OIDC/SAML).
    sso_provider_id = models.CharField(_("inloggning via egen identitetsleverantör"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("verksamhet")
        verbose_name_plural = _("verksamheter")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["principal", "name"], name="agency_unique_name")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one agency. Access to child data follows the membership."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Personal")
        COORDINATOR = "coordinator", _("Samordningsperson")
        ADMIN = "admin", _("Verksamhetsadministratör")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices, default=Role.STAFF)
    title = models.CharField(
        _("befattning"), max_length=100, blank=True, help_text=_("Till exempel mentor, skolsköterska, handläggare.")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("medlemskap")
        verbose_name_plural = _("medlemskap")
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="membership_unique_user_agency")]
        indexes = [models.Index(fields=["agency", "is_active"], name="membership_agency_active")]

    def __str__(self) -> str:
        return f"{self.user} – {self.agency} ({self.get_role_display()})"


class StaffInvitation(models.Model):
    """An agency admin's invitation of a staff member by e-mail."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-post"))
    full_name = models.CharField(_("namn"), max_length=200)
    role = models.CharField(_("roll"), max_length=20, choices=Membership.Role.choices, default=Membership.Role.STAFF)
    title = models.CharField(_("befattning"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inbjudan av personal")
        verbose_name_plural = _("inbjudningar av personal")

    def __str__(self) -> str:
        return f"{self.email} → {self.agency}"
