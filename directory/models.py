"""The local support directory (DESIGN rule 15; seed 001, the first improvement area).

Public information about the support that exists locally: what it is, for whom, how to
apply, who provides it and how to get in touch, per municipality and region. Entries are
not child data and are readable by anyone, signed in or not (a plain manager). Each
entry is kept by one agency; only that agency's admins change it.

`PlanActionLink` is different: it says that a plan action of one child's joint plan
points to an entry, so it is child data and is scoped like the plan itself.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseItem
from portal import limits

MAX_AGE = 25


class NeedKind(models.Model):
    """A kind of need to filter by (funktionsnedsättning, psykisk hälsa …). Data."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("typ av behov")
        verbose_name_plural = _("typer av behov")
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name


class SupportEntryQuerySet(models.QuerySet):
    def published(self) -> SupportEntryQuerySet:
        return self.filter(is_published=True)


class SupportEntry(models.Model):
    """One kind of support, described in plain Swedish for families and staff."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="directory_entries",
        help_text=_("Verksamheten som håller uppgifterna aktuella."),
    )
    principal = models.ForeignKey(
        "agencies.Principal",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("huvudman"),
        help_text=_("Kommunen eller regionen som ansvarar för stödet."),
    )
    municipalities = models.ManyToManyField(
        "agencies.Principal",
        blank=True,
        related_name="+",
        verbose_name=_("finns för boende i"),
        limit_choices_to={"kind": "municipality"},
    )
    nationwide = models.BooleanField(_("gäller i hela landet"), default=False)
    name = models.CharField(_("vad heter stödet"), max_length=200)
    summary = models.TextField(_("vad är det"), max_length=1500, validators=limits.text_validators(1500))
    for_whom = models.TextField(_("för vem"), max_length=800, validators=limits.text_validators(800))
    how_to_apply = models.TextField(_("så ansöker du"), max_length=1200, validators=limits.text_validators(1200))
    provider = models.CharField(_("vem ger stödet"), max_length=200)
    cost = models.CharField(_("kostar det något"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    website = models.URLField(_("webbplats"), blank=True)
    address = models.CharField(_("besöksadress"), max_length=300, blank=True)
    age_min = models.PositiveSmallIntegerField(_("från ålder"), default=0, validators=[MaxValueValidator(MAX_AGE)])
    age_max = models.PositiveSmallIntegerField(
        _("till ålder"), default=MAX_AGE, validators=[MaxValueValidator(MAX_AGE)]
    )
    needs = models.ManyToManyField(NeedKind, related_name="entries", verbose_name=_("typer av behov"))
    is_published = models.BooleanField(_("publicerad"), default=True)
    # Lower-cased words of the entry and its needs, so that search matches å, ä and ö
    # without regard to case on every database (SQLite's LIKE folds ASCII only).
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SupportEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("stöd i stödkatalogen")
        verbose_name_plural = _("stödkatalogen")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_published", "name"], name="entry_published_name")]
        constraints = [
            models.CheckConstraint(condition=models.Q(age_max__gte=models.F("age_min")), name="entry_age_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def build_search_text(self, need_names: list[str]) -> str:
        parts = [self.name, self.summary, self.for_whom, self.how_to_apply, self.provider, *need_names]
        return " ".join(" ".join(parts).lower().split())


class PlanActionLink(CaseItem):
    """A directory entry linked into one action of a child's joint plan.

    A CaseItem in the "plan" category rather than a CASE_LEVEL row: which support the
    plan points to can reveal what the plan is about (a link to "BUP första linjen" tells
    of health), so it must be exactly as visible as the plan action itself — its author
    agency, agencies with consent for the plan, and the family — not everyone who can
    see the case.
    """

    CATEGORY_CODE = "plan"

    action = models.ForeignKey("cases.PlanAction", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(SupportEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("stöd kopplat till insats")
        verbose_name_plural = _("stöd kopplade till insatser")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["action", "entry"], name="planactionlink_unique")]

    def __str__(self) -> str:
        return f"{self.action_id} → {self.entry_id}"

    @property
    def linked_by_id(self) -> int | None:
        return self.created_by_id

    @property
    def linked_at(self):  # type: ignore[no-untyped-def]
        return self.created_at
