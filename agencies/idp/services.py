"""Writes of the agency admin: the IdP settings, a connection test, staff identities."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer
from agencies.idp import connection
from agencies.idp.models import AgencyIdentityProvider, StaffIdentity
from agencies.models import Membership
from portal import audit


class ServiceError(Exception):
    """A request the service refuses; the message is shown to the admin as it is."""


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_agency_admin:
        raise ServiceError(_("Bara verksamhetens administratör kan ändra inloggningen."))


def identity_provider_get(*, viewer: Viewer) -> AgencyIdentityProvider:
    """The acting agency's settings (a new, unsaved one when none is stored yet)."""
    _require_admin(viewer)
    found = AgencyIdentityProvider.objects.select_related("agency").filter(agency_id=viewer.agency_id).first()
    return found or AgencyIdentityProvider(agency_id=viewer.agency_id)  # type: ignore[misc]


def identity_provider_save(*, viewer: Viewer, config: AgencyIdentityProvider) -> connection.Result:
    """Save the admin's settings. SAML metadata is read now (fetched from its URL when
    given); settings that cannot be read are saved but not offered for sign-in."""
    _require_admin(viewer)
    if config.agency_id != viewer.agency_id:
        raise ServiceError(_("Bara verksamhetens administratör kan ändra inloggningen."))
    result = _check(config)
    with transaction.atomic():
        config.save()
        audit.record(
            viewer=viewer,
            action="idp.configured",
            obj=config,
            data={"protocol": config.protocol, "enabled": config.is_enabled, "required": config.required},
        )
    return result


def identity_provider_test(*, viewer: Viewer) -> connection.Result:
    """'Testa anslutningen': read the IdP's metadata or discovery document again."""
    config = identity_provider_get(viewer=viewer)
    if config.pk is None:
        raise ServiceError(_("Spara inställningarna först."))
    result = _check(config)
    config.save(update_fields=[
        "saml_entity_id", "saml_sso_url", "saml_x509cert", "saml_metadata_xml",
        "last_test_at", "last_test_ok", "last_test_message",
    ])  # fmt: skip
    audit.record(viewer=viewer, action="idp.tested", obj=config, data={"ok": result.ok})
    return result


def _check(config: AgencyIdentityProvider) -> connection.Result:
    try:
        if config.protocol == AgencyIdentityProvider.Protocol.SAML:
            idp, xml = connection.saml_metadata(
                url=config.saml_metadata_url, xml=config.saml_metadata_xml, entity_id=config.saml_entity_id
            )
            config.saml_entity_id, config.saml_sso_url, config.saml_x509cert = idp.entity_id, idp.sso_url, idp.x509cert
            config.saml_metadata_xml = xml
            result = connection.Result(
                ok=True,
                message=_("Anslutningen fungerar: metadatan för %(entity)s är läst.") % {"entity": idp.entity_id},
                details=[
                    _("Inloggningsadress: %(url)s") % {"url": idp.sso_url},
                    _("Signeringscertifikat: finns"),
                ],
            )
        else:
            document = connection.oidc_discovery(config.oidc_issuer)
            result = connection.Result(
                ok=True,
                message=_("Anslutningen fungerar: discovery-dokumentet för %(issuer)s är läst.")
                % {"issuer": document["issuer"]},
                details=[
                    _("Inloggningsadress: %(url)s") % {"url": document["authorization_endpoint"]},
                    _("acr-värden som IdP:n stöder: %(values)s")
                    % {"values": ", ".join(document.get("acr_values_supported") or []) or "–"},
                ],
            )
    except connection.ConnectionProblem as problem:
        if config.protocol == AgencyIdentityProvider.Protocol.SAML:
            config.saml_sso_url = ""
            config.saml_x509cert = ""
        result = connection.Result(ok=False, message=str(problem))
    config.last_test_at = timezone.now()
    config.last_test_ok = result.ok
    config.last_test_message = result.message
    return result


def staff_identity_set(*, viewer: Viewer, membership_uuid: Any, value: str) -> StaffIdentity | None:
    """Key a staff member of the admin's agency to their identity at the agency's IdP
    (an empty value removes the key)."""
    _require_admin(viewer)
    value = value.strip()
    membership = Membership.objects.filter(uuid=membership_uuid, agency_id=viewer.agency_id).first()
    if membership is None:
        raise ServiceError(_("Personen finns inte i verksamheten."))
    with transaction.atomic():
        StaffIdentity.objects.filter(membership=membership).delete()
        identity = None
        if value:
            try:
                with transaction.atomic():
                    identity = StaffIdentity.objects.create(
                        agency_id=viewer.agency_id, membership=membership, value=value
                    )
            except IntegrityError:
                raise ServiceError(
                    _("Identiteten %(value)s hör redan till någon annan i verksamheten.") % {"value": value}
                ) from None
        audit.record(viewer=viewer, action="idp.identity_set", obj=membership, data={"set": bool(value)})
    return identity
