"""The collaboration (samverkan), the items shared in it, the team and the coordinator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager
from cases.models.family import Child, Guardian
from portal import limits

if TYPE_CHECKING:
    from access.scoping import Viewer


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

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Målen är nådda")
        NO_LONGER_NEEDED = "not_needed", _("Behovet av samordning finns inte längre")
        FAMILY_ENDED = "family_ended", _("Familjen vill avsluta")
        MOVED = "moved", _("Familjen har flyttat")
        OTHER_SUPPORT = "other_support", _("Stödet samordnas på annat sätt")
        OTHER = "other", _("Annat skäl")

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
    need_description = models.TextField(
        _("behovet med familjens egna ord"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )
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
    last_contact_at = models.DateTimeField(_("senaste kontakt med familjen"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_reason = models.CharField(_("skäl till avslut"), max_length=30, blank=True, choices=ClosureReason.choices)
    closure_note = models.TextField(
        _("kommentar till avslutet"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
    )
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
            ),
            models.CheckConstraint(
                condition=models.Q(stress_at_start__isnull=True)
                | models.Q(stress_at_start__gte=1, stress_at_start__lte=10),
                name="case_stress_at_start_1_10",
            ),
            models.CheckConstraint(
                condition=models.Q(stress_at_close__isnull=True)
                | models.Q(stress_at_close__gte=1, stress_at_close__lte=10),
                name="case_stress_at_close_1_10",
            ),
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

    Never follow a foreign key from one item to another in a page (`action.goal`): a
    related object is fetched without the policy. Look it up among the visible rows.
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
    body = models.TextField(_("text"), max_length=limits.LONG, validators=limits.text_validators(limits.LONG))

    class Meta:
        verbose_name = _("delad uppgift")
        verbose_name_plural = _("delade uppgifter")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class FamilyMember(CaseItem):
    """Someone in the family whose own needs matter to the child's situation (seed 004:
    the adult may be the one who needs support). Written in the family's words."""

    CATEGORY_CODE = "family"

    class Relation(models.TextChoices):
        PARENT = "parent", _("Förälder")
        STEP_PARENT = "step_parent", _("Bonusförälder")
        SIBLING = "sibling", _("Syskon")
        GRANDPARENT = "grandparent", _("Mor- eller farförälder")
        OTHER = "other", _("Annan närstående")

    guardian = models.ForeignKey(Guardian, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("namn"), max_length=200, blank=True)
    relation = models.CharField(_("relation till barnet"), max_length=20, choices=Relation.choices)
    lives_with_child = models.BooleanField(_("bor med barnet"), default=True)
    needs = models.TextField(
        _("egna behov av stöd"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )

    class Meta:
        verbose_name = _("familjemedlem")
        verbose_name_plural = _("familjemedlemmar")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name or self.get_relation_display()


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
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.organisation}"


class CoordinatorAppointment(models.Model):
    """One appointment of a coordinator, with the child's wish asked first (seed 003).
    History is kept: a change of coordinator ends the current row and adds a new one."""

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
    child_words = models.TextField(
        _("barnets egna ord"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coordinator_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    deviation_reason = models.TextField(
        _("skäl till avsteg från barnets önskan"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
    )
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(_("överlämning registrerad"), null=True, blank=True)
    handover_note = models.TextField(
        _("anteckning om överlämningen"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
    )
    guardians_informed_at = models.DateTimeField(_("vårdnadshavare informerade"), null=True, blank=True)
    child_informed_at = models.DateTimeField(_("barnet informerat"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("skäl till byte"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["appointed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wish="person") | models.Q(wished_person__isnull=True, wished_person_text=""),
                name="appointment_wished_person_only_with_wish",
            ),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ended_at__isnull=True), name="appointment_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"Samordnare {self.coordinator_id} för {self.case_id}"

    @property
    def is_deviation(self) -> bool:
        return bool(self.deviation_reason)

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class ConcernReport(CaseItem):
    """That a concern report (orosanmälan) was made: by whom, when, to which municipality.

    Never its content, never a consent: the duty to report is personal and waits for no
    one (DESIGN rule 9). Only the recording agency sees the row (`NEVER_SHARED`), so it
    gives social services' investigators, or anyone else, no access to the collaboration.
    """

    NEVER_SHARED = True

    reported_on = models.DateField(_("datum för anmälan"), validators=[limits.SANE_DATE])
    municipality = models.ForeignKey(
        "agencies.Principal", on_delete=models.PROTECT, related_name="+", verbose_name=_("kommun")
    )

    class Meta:
        verbose_name = _("gjord orosanmälan")
        verbose_name_plural = _("gjorda orosanmälningar")
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"Orosanmälan {self.reported_on:%Y-%m-%d}"


def immutable_save_guard(instance: Any) -> None:
    """Refuse to overwrite a history row (called from `save()` of append-only models)."""
    if not instance._state.adding:
        raise ValueError(f"{type(instance).__name__} rows are immutable: add a new row instead.")
