"""The access log: one row per read (or write) of a child's information."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager

# Entries about the log itself (a family's or an admin's export of it) name its model's
# label. Entries written before the model moved out of `portal` keep the old label: it
# is part of their hash, so it is never rewritten; readers accept both.
LEGACY_LABEL = "portal.AccessLogEntry"


class AccessLogEntry(models.Model):
    """One read (or write) of a child's information, written by the consent policy layer.

    Append-only: on PostgreSQL a trigger rejects UPDATE, and DELETE except by the
    retention job for entries older than five years. Each entry is numbered (`seq`) in its
    chain ("agency:<id>", or "family:<child id>" for the families' own reads) and carries
    sha256(previous hash + its canonical content) (`accesslog.chain`), so a
    changed, removed or inserted entry is found by `manage.py verify_access_log`.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("visade")
        LIST = "list", _("listade")
        EXPORT = "export", _("exporterade")
        LIVE = "live", _("följde live")
        CREATE = "create", _("skapade")
        UPDATE = "update", _("ändrade")
        CONSENT = "consent_decision", _("samtyckesbeslut")

    class Basis(models.TextChoices):
        OWN = "own", _("egen verksamhets uppgifter")
        CONSENT = "consent", _("samtycke")
        COORDINATOR = "coordinator", _("samordningsansvar")
        FAMILY = "family", _("vårdnadshavare eller barnet självt")
        NONE = "none", _("ingen grund")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("tillåten")
        DENIED = "denied", _("nekad")

    at = models.DateTimeField(default=timezone.now)
    # Plain references: the log outlives the rows it describes (retention), and a
    # cascading SET NULL would be an UPDATE the trigger rejects. Names are copied.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    agency_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=40, blank=True)
    # The staff member's job title at the time (mentor, psykolog …), for the family.
    title = models.CharField(max_length=100, blank=True)
    child_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    # A list shows many rows of a child: one entry per child and kind, with the number.
    count = models.PositiveIntegerField(default=1)
    action = models.CharField(max_length=20, choices=Action.choices)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    consent_id = models.BigIntegerField(null=True, blank=True)
    consent_version = models.IntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    chain = models.CharField(max_length=40, default="family")
    seq = models.BigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    # Reading the log is not itself logged as a read of child data.
    NOT_LOGGED = True

    objects = ScopedManager()

    class Meta:
        # The table keeps the name it had when the model lived in `portal` (triggers,
        # the retention function and the database roles name it).
        db_table = "portal_accesslogentry"
        verbose_name = _("loggpost")
        verbose_name_plural = _("åtkomstlogg")
        indexes = [
            models.Index(fields=["child_id", "-at"], name="accesslog_child_at"),
            models.Index(fields=["agency", "-id"], name="accesslog_agency_id"),
            models.Index(fields=["actor", "-at"], name="accesslog_actor_at"),
            models.Index(fields=["chain", "-id"], name="accesslog_chain_id"),
            models.Index(fields=["at"], name="accesslog_at"),
            # The log review's flags, per row shown: a person's reads of distinct children
            # in the 5 minutes before (burst), and whether they ever wrote about the child
            # (no role). Partial indexes: a busy person's other entries are not scanned.
            models.Index(
                fields=["actor", "at"],
                condition=models.Q(action__in=["view", "export"], child_id__isnull=False),
                name="accesslog_actor_reads",
            ),
            models.Index(
                fields=["actor", "child_id"],
                condition=models.Q(action__in=["create", "update"]),
                name="accesslog_actor_writes",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="accesslog_chain_seq")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"


LABELS = frozenset({AccessLogEntry._meta.label, LEGACY_LABEL})
