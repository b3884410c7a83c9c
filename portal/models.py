"""Project-wide models: the user, the audit trail, editable texts, API tokens.

The access log is its own app (`accesslog.models`)."""

from __future__ import annotations

import hashlib
import secrets
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import limits


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: agency staff (with memberships) or family (guardian, child).

    Staff sign in with password + TOTP; families with a one-time code by e-mail and have
    no usable password.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-post"), unique=True)
    full_name = models.CharField(_("namn"), max_length=200)
    language = models.CharField(_("språk"), max_length=8, choices=settings.LANGUAGES, default="sv")
    is_active = models.BooleanField(default=True)
    # Django admin access flag; agency roles live in agencies.Membership.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEvent(models.Model):
    """Append-only record of every domain write (`consent.revoked`, `meeting.called`, …).

    Written by services in the same transaction as the change. Holds ids and codes, never
    free text about the child. On PostgreSQL a trigger rejects UPDATE, and DELETE outside
    the retention job. It also holds the access log's retention anchors and checkpoints
    (`accesslog.retained`, `accesslog.checkpoint`) that `verify_access_log` checks.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Plain references (no database constraint, nothing cascades into the trail): on
    # PostgreSQL a trigger rejects UPDATE and DELETE, so SET_NULL would fail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("händelse")
        verbose_name_plural = _("händelselogg")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class EditableText(models.Model):
    """Texts that cite law or local routines: content, not code (DESIGN rule 16).

    `principal` empty means the national default; a principal's own text wins.
    """

    key = models.SlugField(max_length=80)
    principal = models.ForeignKey(
        "agencies.Principal", null=True, blank=True, on_delete=models.CASCADE, related_name="texts"
    )
    title = models.CharField(_("rubrik"), max_length=200)
    body = models.TextField(_("text (svenska)"), max_length=limits.PAGE, validators=limits.text_validators(limits.PAGE))
    body_en = models.TextField(
        _("text (engelska)"), blank=True, max_length=limits.PAGE, validators=limits.text_validators(limits.PAGE)
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("redigerbar text")
        verbose_name_plural = _("redigerbara texter")
        constraints = [
            models.UniqueConstraint(fields=["key", "principal"], name="editabletext_key_principal"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(principal__isnull=True), name="editabletext_key_default"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token bound to one membership (and so to one acting agency).

    Only a SHA-256 of the token is stored; the token is shown once when created.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    membership = models.ForeignKey("agencies.Membership", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("namn"), max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, membership_id: int, name: str) -> tuple[ApiToken, str]:
        raw = "svp_" + secrets.token_urlsafe(32)
        token = cls.objects.create(membership_id=membership_id, name=name, prefix=raw[4:12], key_hash=_hash_token(raw))
        return token, raw

    @classmethod
    def lookup_hash(cls, raw: str) -> str:
        return _hash_token(raw)
