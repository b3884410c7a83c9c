"""Consent as a disclosure authorisation (OSL 12 kap. 2 §), kept as immutable versions.

A consent series (`series`) has versions; the newest version is the one in force. Each
version names recipient agencies × information categories, a purpose and a period.
Parties (each custodial guardian, the child by maturity) record decisions, append-only.
`ConsentGrant` is derived: the (case, agency, category, period) tuples that are effective
right now, rebuilt in the same transaction as every change, and the only thing the
policy reads when it decides.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager
from portal import limits


class InformationCategory(models.Model):
    """A kind of information (DESIGN rule 6). Data, not code; `code` is a stable handle."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    name_en = models.CharField(_("namn (engelska)"), max_length=100, blank=True)
    description = models.TextField(
        _("beskrivning i klarspråk"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
    )
    description_en = models.TextField(
        _("beskrivning i klarspråk (engelska)"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
    )
    visible_to_family = models.BooleanField(_("synlig för familjen"), default=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("informationskategori")
        verbose_name_plural = _("informationskategorier")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language (English when asked for and written)."""
        return self.name_en if self.name_en and _english() else self.name

    @property
    def plain_description(self) -> str:
        return self.description_en if self.description_en and _english() else self.description


class CategoryDefault(models.Model):
    """The category a new item gets when its writer does not choose another (DESIGN rule
    6: categories fit content, and which category fits is data too).

    `subject` names what the default is for: a life area of the mapping
    (`life_area:school`) or the kind of the agency writing a meeting preparation
    (`agency_kind:healthcare`). The writer sees the default and may pick another.
    """

    LIFE_AREA = "life_area"
    AGENCY_KIND = "agency_kind"

    subject = models.CharField(_("gäller"), max_length=60, unique=True)
    category = models.ForeignKey(
        InformationCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("kategori")
    )

    class Meta:
        verbose_name = _("förvald kategori")
        verbose_name_plural = _("förvalda kategorier")
        ordering = ["subject"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.category.code}"

    @classmethod
    def category_for(cls, kind: str, key: str, *, fallback: str) -> InformationCategory:
        """The active default category for (`kind`, `key`), else the category `fallback`."""
        row = cls.objects.filter(subject=f"{kind}:{key}", category__is_active=True).select_related("category").first()
        return row.category if row is not None else InformationCategory.objects.get(code=fallback)

    @classmethod
    def table(cls, kind: str) -> dict[str, InformationCategory]:
        """{key: category} for every default of `kind` (one query)."""
        prefix = f"{kind}:"
        return {
            row.subject[len(prefix) :]: row.category
            for row in cls.objects.filter(subject__startswith=prefix, category__is_active=True).select_related(
                "category"
            )
        }


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Consent(models.Model):
    """One immutable version of a consent. A change is a new row with version + 1.

    An ending is a change too: when the collaboration closes, each consent gets a last
    version with `ended_at` and `end_reason` set (same scope, the parties' answers carried
    over). Nothing is overwritten; a series whose newest version has ended is over.
    """

    class EndReason(models.TextChoices):
        CASE_CLOSED = "case_closed", _("Upphörde när samverkan avslutades")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    series = models.UUIDField(default=uuid4, db_index=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents")
    purpose = models.TextField(_("syfte"), max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT))
    valid_from = models.DateField(_("gäller från"), validators=[limits.SANE_DATE])
    valid_until = models.DateField(_("gäller till och med"), validators=[limits.SANE_DATE])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_agency = models.ForeignKey("agencies.Agency", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    change_note = models.CharField(_("vad ändrades"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("upphörde"), null=True, blank=True)
    end_reason = models.CharField(_("varför det upphörde"), max_length=20, choices=EndReason.choices, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")
        ordering = ["case", "series", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="consent_series_version"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")), name="consent_period"),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, end_reason="")
                | models.Q(ended_at__isnull=False, end_reason__gt=""),
                name="consent_ending_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Samtycke {self.series.hex[:8]} v{self.version}"


class ConsentScope(models.Model):
    """Consent version × recipient agency × information category."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="scopes")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(InformationCategory, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consent", "agency", "category"], name="consentscope_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}×{self.category_id}"


class ConsentDecision(models.Model):
    """A party's decision on a consent version. Append-only; the newest per party counts."""

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Ja, samtycker")
        REFUSED = "refused", _("Nej, samtycker inte")
        REVOKED = "revoked", _("Återkallat")

    class Method(models.TextChoices):
        PORTAL = "portal", _("I portalen")
        PAPER = "paper", _("På papper")
        ORAL = "oral", _("Muntligt till namngiven personal")
        CARRIED = "carried", _("Överfört från föregående version")

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="decisions")
    guardian = models.ForeignKey(
        "cases.Guardian", null=True, blank=True, on_delete=models.PROTECT, related_name="consent_decisions"
    )
    is_child = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    oral_to = models.ForeignKey(
        "agencies.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_child=True, guardian__isnull=True) | models.Q(is_child=False, guardian__isnull=False)
                ),
                name="consentdecision_one_party",
            ),
            models.CheckConstraint(
                condition=~models.Q(method="oral") | models.Q(oral_to__isnull=False),
                name="consentdecision_oral_names_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} ({self.method})"


class MaturityAssessment(models.Model):
    """Staff's individual assessment of the child's maturity; the newest one wins over age."""

    class Level(models.TextChoices):
        GUARDIANS_DECIDE = "guardians", _("Vårdnadshavarna bestämmer")
        CHILD_ASKED = "asked", _("Barnet tillfrågas och kan säga nej")
        CHILD_DECIDES = "child", _("Barnet bestämmer själv")

    child = models.ForeignKey("cases.Child", on_delete=models.CASCADE, related_name="maturity_assessments")
    level = models.CharField(max_length=10, choices=Level.choices)
    reason = models.TextField(_("motivering"), max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by_agency = models.ForeignKey("agencies.Agency", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.get_level_display()


class DecisionCode(models.Model):
    """A one-time code that proves the family member is at the keyboard right now: the
    step-up before a decision in the portal (allauth has no reauthentication by code).

    Only a keyed hash of the code is stored; a code is short-lived, bound to one person,
    one consent version and one answer, and dies after a few wrong attempts.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    # Scoped by person: a family member reaches only their own codes.
    RECIPIENT_SCOPED = True
    NOT_LOGGED = True

    objects = ScopedManager()

    class Meta:
        indexes = [models.Index(fields=["recipient", "created_at"], name="decisioncode_recipient")]

    def __str__(self) -> str:
        return f"kod {self.uuid.hex[:8]}"


class ConsentGrant(models.Model):
    """Derived index of effective consent: this agency may see this category of this case
    during [starts_at, ends_at). Rebuilt by `consent.services` in the same transaction as
    any change; read fresh by the policy on every request (no cache can outlive a revoke).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(InformationCategory, on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        indexes = [
            models.Index(fields=["agency", "case", "category", "ends_at"], name="grant_lookup"),
            models.Index(fields=["case"], name="grant_case"),
            # The per-minute lapse sweep (consent.hooks.lapses_record) looks up by end.
            models.Index(fields=["ends_at"], name="grant_ends_at"),
        ]

    def __str__(self) -> str:
        return f"grant case={self.case_id} agency={self.agency_id} cat={self.category_id}"


class AccessLoss(models.Model):
    """Agencies lost access to a case: their invitations to its meetings must be withdrawn
    and their live connections closed. A row written in the transaction of the change
    that caused it (a revocation, a narrowing, a closure, or a grant that lapsed by
    expiry or a birthday), carried out right after commit and retried by the beat until
    `done_at` is set. Carrying it out is idempotent, so a retry or a duplicate is harmless.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    agency_ids = models.JSONField(default=list)
    reason = models.CharField(max_length=20, default="consent")
    created_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at", "id"], condition=models.Q(done_at__isnull=True), name="accessloss_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"access lost case={self.case_id} agencies={self.agency_ids}"


class LapseCheckpoint(models.Model):
    """How far the per-minute sweep has looked for grants that lapsed by time (one row
    per sweep name), so each lapse is found once even when the beat was down a while."""

    name = models.CharField(max_length=40, unique=True)
    checked_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.checked_until:%Y-%m-%d %H:%M:%S}"
