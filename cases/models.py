"""The child, the family, the collaboration (samverkan) and the items shared in it.

Every model here is child data: its default manager is scoped, so a query outside a
scope raises and a query inside one returns only what `consent.policy` allows.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar
from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.scoping import ScopedManager

if TYPE_CHECKING:
    from consent.scoping import Viewer

personal_number_validator = RegexValidator(
    r"^\d{8}-\d{4}$", _("Ange personnumret som ÅÅÅÅMMDD-NNNN, till exempel 20150312-1234.")
)


class Child(models.Model):
    """The child the collaboration is for. The personal identity number is searchable by
    exact match only and is never shown in lists."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    personal_number = models.CharField(
        _("personnummer"), max_length=13, unique=True, validators=[personal_number_validator]
    )
    date_of_birth = models.DateField(_("födelsedatum"))
    language = models.CharField(_("språk hemma"), max_length=60, default="svenska")
    interpreter_needed = models.BooleanField(_("behöver tolk"), default=False)
    protected_identity = models.BooleanField(_("skyddade personuppgifter"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="child_profile"
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
    personal_number = models.CharField(
        _("personnummer"), max_length=13, unique=True, validators=[personal_number_validator]
    )
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    address = models.CharField(_("adress"), max_length=300, blank=True)
    protected_identity = models.BooleanField(_("skyddade personuppgifter"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="guardian_profile"
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


class Case(models.Model):
    """A collaboration around one child (samverkan). The coordination layer, not a record:
    each agency keeps its own records in its own systems."""

    class Level(models.TextChoices):
        LIGHT = "light", _("Lätt kontakt")
        JOINT = "joint", _("Gemensam planering")
        SIP = "sip", _("Samordnad individuell plan (SIP)")

    class Phase(models.TextChoices):
        CLARIFY = "clarify", _("Klargöra")
        PLAN = "plan", _("Planera")
        CARRY_OUT = "carry_out", _("Genomföra")
        CLOSE = "close", _("Avsluta")

    class Status(models.TextChoices):
        OPEN = "open", _("Pågående")
        CLOSED = "closed", _("Avslutad")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    owner_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="owned_cases",
        help_text=_("Verksamheten där barnets bästa-ansvarig öppnade samverkan."),
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    need_description = models.TextField(_("behovet med familjens egna ord"))
    level = models.CharField(_("samverkansnivå"), max_length=10, choices=Level.choices, default=Level.LIGHT)
    phase = models.CharField(_("fas"), max_length=10, choices=Phase.choices, default=Phase.CLARIFY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Denormalised from the newest CoordinatorAppointment, for the policy and caseload.
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="coordinated_cases"
    )
    coordinator_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="coordinated_cases"
    )
    last_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(_("skäl till avslut"), max_length=30, blank=True)
    stress_at_start = models.PositiveSmallIntegerField(
        _("familjens stress vid start (1–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    stress_at_close = models.PositiveSmallIntegerField(
        _("familjens stress vid avslut (1–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    parent_back_to_work = models.BooleanField(_("förälder åter i arbete eller studier"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("samverkan")
        verbose_name_plural = _("samverkningar")
        indexes = [
            models.Index(fields=["coordinator", "status"], name="case_coordinator_status"),
            models.Index(fields=["owner_agency", "status"], name="case_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="case_closed_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Samverkan {self.uuid.hex[:8]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CaseItem(models.Model):
    """Base of everything shared in a collaboration: one case, one author agency, one
    information category (DESIGN rule 6).

    The policy shows an item to its author agency always, and to another agency only
    while an effective consent covers (that agency, the item's category) and the item's
    `shared_condition` holds. Subclasses set `CATEGORY_CODE` for a fixed category or
    declare a `category` foreign key to let the author choose.
    """

    CATEGORY_CODE: ClassVar[str | None] = None
    NEVER_SHARED: ClassVar[bool] = False

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    author_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Items the family wrote are marked as theirs (DESIGN rule 8).
    written_by_guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_by_child = models.BooleanField(default=False)

    objects = ScopedManager()

    class Meta:
        abstract = True

    @property
    def written_by_family(self) -> bool:
        return self.written_by_child or self.written_by_guardian_id is not None

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> models.Q:
        """Extra condition for agencies other than the author (e.g. 'submitted')."""
        return models.Q()

    @classmethod
    def family_condition(cls, viewer: Viewer) -> models.Q:
        """Extra condition for the family (guardians with custody, the child)."""
        return models.Q()


class SharedItem(CaseItem):
    """Information an agency shares with the team (a summary, not its record)."""

    category = models.ForeignKey("consent.InformationCategory", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("delad uppgift")
        verbose_name_plural = _("delade uppgifter")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class TeamMember(models.Model):
    """An agency participating in the collaboration, with its contact person.
    Being in the team gives no access by itself: consent does."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "agencies.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role_description = models.CharField(_("roll i samverkan"), max_length=200, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "agency"], name="teammember_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} i {self.case_id}"


class ExternalContact(models.Model):
    """An actor without a tenant: Försäkringskassan, Arbetsförmedlingen, an association."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="external_contacts")
    organisation = models.CharField(_("organisation"), max_length=200)
    name = models.CharField(_("namn"), max_length=200)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    role_description = models.CharField(_("roll"), max_length=200, blank=True)

    objects = ScopedManager()

    def __str__(self) -> str:
        return f"{self.name}, {self.organisation}"


class CoordinatorAppointment(models.Model):
    """One appointment of a coordinator, with the child's wish asked first (seed 003).
    History is kept: a change of coordinator is a new row."""

    class Wish(models.TextChoices):
        PERSON = "person", _("Barnet önskar en viss person")
        NO_PREFERENCE = "none", _("Barnet har ingen särskild önskan")
        NOT_ABLE = "not_able", _("Barnet har inte kunnat uttrycka en önskan")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    wish = models.CharField(_("barnets önskan"), max_length=10, choices=Wish.choices)
    wished_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wished_person_text = models.CharField(_("önskad person (om inte i portalen)"), max_length=200, blank=True)
    child_words = models.TextField(_("barnets egna ord"), blank=True)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coordinator_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    deviation_reason = models.TextField(_("skäl till avsteg från barnets önskan"), blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guardians_informed_at = models.DateTimeField(_("vårdnadshavare informerade"), null=True, blank=True)
    child_informed_at = models.DateTimeField(_("barnet informerat"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("skäl till byte"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["appointed_at", "id"]

    def __str__(self) -> str:
        return f"Samordnare {self.coordinator_id} för {self.case_id}"


class PlanAction(CaseItem):
    """An action in the joint plan: who does what, by when, and how it is going."""

    CATEGORY_CODE = "plan"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planerad")
        IN_PROGRESS = "in_progress", _("Pågår")
        DONE = "done", _("Klar")
        CANCELLED = "cancelled", _("Avbruten")

    description = models.TextField(_("vad ska göras"))
    responsible_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_external = models.ForeignKey(
        ExternalContact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("ansvarig person"), max_length=200, blank=True)
    due_date = models.DateField(_("klart senast"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("insats i planen")
        verbose_name_plural = _("insatser i planen")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["case", "status", "due_date"], name="planaction_case_status_due")]

    def __str__(self) -> str:
        return self.description[:60]
