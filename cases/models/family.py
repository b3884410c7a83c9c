"""The child and the family around them: guardians with custody, protected identity."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager

personal_number_validator = RegexValidator(
    r"^\d{8}-\d{4}$", _("Ange personnumret som ÅÅÅÅMMDD-NNNN, till exempel 20150312-1234.")
)


class Child(models.Model):
    """The child the collaboration is for. The personal identity number is searchable by
    exact match only and is never shown in lists."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    # Not unique: an agency that cannot already see a child with this number registers
    # its own record with the names it typed (DESIGN rule 17), so that whether the child is
    # known elsewhere is never revealed. The family, who sees both, may join them.
    personal_number = models.CharField(
        _("personnummer"), max_length=13, db_index=True, validators=[personal_number_validator]
    )
    date_of_birth = models.DateField(_("födelsedatum"))
    language = models.CharField(_("språk hemma"), max_length=60, default="svenska")
    interpreter_needed = models.BooleanField(_("behöver tolk"), default=False)
    protected_identity = models.BooleanField(_("skyddade personuppgifter"), default=False)
    # One person may have several records (one per collaboration an agency registered
    # without seeing the others); a signed-in child sees all of theirs.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="child_records"
    )
    registered_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("barn")
        verbose_name_plural = _("barn")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Guardian(models.Model):
    """A guardian (vårdnadshavare). Contact details of a protected person are shown only
    to the registering agency's staff; invitations to them go only through the portal."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    # Not unique, as for the child: a guardian record is bound only to what the writer could
    # already see; otherwise it holds exactly what they typed (DESIGN rule 17).
    personal_number = models.CharField(
        _("personnummer"), max_length=13, db_index=True, validators=[personal_number_validator]
    )
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    address = models.CharField(_("adress"), max_length=300, blank=True)
    protected_identity = models.BooleanField(_("skyddade personuppgifter"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="guardian_records"
    )
    registered_by_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("vårdnadshavare")
        verbose_name_plural = _("vårdnadshavare")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Guardianship(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="guardianships")
    has_custody = models.BooleanField(_("har vårdnad"), default=True)
    lives_with_child = models.BooleanField(_("bor med barnet"), default=True)

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "guardian"], name="guardianship_unique")]

    def __str__(self) -> str:
        return f"{self.guardian_id}→{self.child_id}"
