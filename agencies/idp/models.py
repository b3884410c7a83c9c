"""An agency's identity provider, the admin's keys from IdP identities to memberships, and
the assertions already used (so a captured SAML response cannot be played again)."""

from __future__ import annotations

from uuid import uuid4

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.scoping import ScopedManager
from portal import limits

# allauth's provider_id of an agency's app: one per agency, whatever the protocol.
PROVIDER_PREFIX = "agency-"


class AgencyIdentityProvider(models.Model):
    """The agency's own sign-in for its staff. One per agency."""

    class Protocol(models.TextChoices):
        SAML = "saml", _("SAML 2.0")
        OIDC = "oidc", _("OpenID Connect")

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="identity_provider")
    protocol = models.CharField(_("protokoll"), max_length=10, choices=Protocol.choices, default=Protocol.SAML)
    is_enabled = models.BooleanField(_("visa på inloggningssidan"), default=False)
    required = models.BooleanField(_("personalen måste logga in via organisationen"), default=False)
    email_domains = models.CharField(
        _("e-postdomäner"),
        max_length=500,
        blank=True,
        help_text=_("Till exempel skolan.kommun.se. Flera skiljs med kommatecken."),
    )
    # SAML: the IdP's metadata (pasted, or fetched from its URL when saved or tested).
    saml_metadata_url = models.URLField(_("metadata-adress"), blank=True)
    saml_metadata_xml = models.TextField(
        _("metadata (XML)"), blank=True, max_length=limits.METADATA, validators=limits.text_validators(limits.METADATA)
    )
    saml_entity_id = models.CharField(_("IdP:ns entity id"), max_length=500, blank=True)
    saml_sso_url = models.URLField(_("inloggningsadress (SSO)"), max_length=500, blank=True, editable=False)
    saml_x509cert = models.TextField(blank=True, editable=False)
    # OpenID Connect
    oidc_issuer = models.URLField(_("issuer"), blank=True)
    oidc_client_id = models.CharField(_("klient-id"), max_length=200, blank=True)
    oidc_client_secret = models.CharField(_("klienthemlighet"), max_length=500, blank=True)
    oidc_scopes = models.CharField(_("scopes"), max_length=300, default="openid profile email")
    # Who the person is: the attribute (SAML) or claim (OIDC) the admin keys staff by.
    match_attribute = models.CharField(
        _("attribut som identifierar personen"),
        max_length=300,
        help_text=_("Till exempel HSA-id, anställningsnummer eller IdP:ns e-postattribut. NameID för SAML:s NameID."),
    )
    email_attribute = models.CharField(_("attribut för e-post"), max_length=300, blank=True)
    name_attribute = models.CharField(_("attribut för namn"), max_length=300, blank=True)
    mfa_values = models.TextField(
        _("godtagna värden för tvåfaktorsinloggning"),
        blank=True,
        max_length=limits.SHORT,
        validators=limits.text_validators(limits.SHORT),
        help_text=_(
            "Ett värde per rad: AuthnContextClassRef (SAML) eller acr/amr (OpenID Connect) som betyder "
            "att IdP:n har krävt två faktorer. Annars ber portalen om koden från appen."
        ),
    )
    last_test_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("organisationens inloggning")
        verbose_name_plural = _("organisationernas inloggning")

    def __str__(self) -> str:
        return f"{self.agency} ({self.get_protocol_display()})"

    @property
    def provider_id(self) -> str:
        return f"{PROVIDER_PREFIX}{self.agency.uuid.hex}"

    @property
    def saml_slug(self) -> str:
        return self.agency.uuid.hex

    def accepted_mfa(self) -> set[str]:
        return {line.strip() for line in self.mfa_values.splitlines() if line.strip()}

    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    def is_ready(self) -> bool:
        if self.protocol == self.Protocol.SAML:
            return bool(self.saml_entity_id and self.saml_sso_url and self.saml_x509cert)
        return bool(self.oidc_issuer and self.oidc_client_id)


class StaffIdentity(models.Model):
    """The admin's key: this value of the IdP's identifying attribute is this membership."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField("agencies.Membership", on_delete=models.CASCADE, related_name="idp_identity")
    value = models.CharField(_("identitet hos IdP:n"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("identitet hos organisationens IdP")
        verbose_name_plural = _("identiteter hos organisationens IdP")
        constraints = [models.UniqueConstraint(fields=["agency", "value"], name="staffidentity_unique_value")]

    def __str__(self) -> str:
        return self.value


class UsedAssertion(models.Model):
    """A SAML assertion id already accepted, kept until the assertion would have expired."""

    issuer = models.CharField(max_length=500)
    assertion_id = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "assertion_id"], name="usedassertion_unique")]

    def __str__(self) -> str:
        return self.assertion_id
