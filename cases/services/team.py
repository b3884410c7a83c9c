"""The team around the child: participating agencies with a contact person, and external
actors without a tenant (Försäkringskassan, Arbetsförmedlingen, associations).

Being in the team gives no access by itself: consent does.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.scoping import Viewer, system_scope
from cases.models import Case, ExternalContact, TeamMember
from cases.services._common import (
    CaseError,
    active_membership,
    clean_text,
    notify_agency,
    require_coordinator,
    require_open,
    require_staff,
)
from portal import audit


def team_member_add(
    *,
    viewer: Viewer,
    case: Case,
    agency_id: int,
    contact_membership_id: int | None = None,
    role_description: str = "",
) -> TeamMember:
    """Add a participating agency (the agency is told that it has been asked to join)."""
    from agencies.models import Agency

    require_coordinator(viewer, case)
    require_open(case)
    if not Agency.objects.filter(pk=agency_id, is_active=True).exists():
        raise CaseError(_("Välj en verksamhet."))
    contact = active_membership(contact_membership_id) if contact_membership_id else None
    if contact_membership_id and (contact is None or contact.agency_id != agency_id):
        raise CaseError(_("Kontaktpersonen måste arbeta i den valda verksamheten."))
    with transaction.atomic():
        with system_scope():
            member = TeamMember.objects.filter(case_id=case.pk, agency_id=agency_id).first()
            if member is not None and member.left_at is None:
                raise CaseError(_("Verksamheten är redan med i teamet."))
            if member is None:
                member = TeamMember.objects.create(
                    case_id=case.pk,
                    agency_id=agency_id,
                    contact_id=contact.pk if contact else None,
                    role_description=clean_text(role_description)[:200],
                )
            else:
                member.left_at = None
                member.added_at = timezone.now()
                member.contact_id = contact.pk if contact else None
                member.role_description = clean_text(role_description)[:200]
                member.save()
        audit.record(viewer=viewer, action="case.team_member_added", obj=member, case_id=case.pk)
        if agency_id != viewer.agency_id:
            notify_agency(case, agency_id, "case.team_joined")
    return member


def team_member_remove(*, viewer: Viewer, case: Case, member: TeamMember) -> TeamMember:
    """The agency leaves the team (kept as history). Its consent-based access is a matter
    for the consent, not for the team list."""
    require_coordinator(viewer, case)
    require_open(case)
    if member.case_id != case.pk or member.left_at is not None:
        raise CaseError(_("Verksamheten finns inte i teamet."))
    if member.agency_id == case.coordinator_agency_id:
        raise CaseError(_("Samordnarens verksamhet kan inte lämna teamet. Byt samordnare först."))
    with transaction.atomic():
        member.left_at = timezone.now()
        with system_scope():
            TeamMember.objects.filter(pk=member.pk).update(left_at=member.left_at)
        audit.record(viewer=viewer, action="case.team_member_removed", obj=member, case_id=case.pk)
    return member


def team_contact_set(
    *, viewer: Viewer, case: Case, member: TeamMember, contact_membership_id: int | None
) -> TeamMember:
    """Name the agency's contact person: the coordinator, or the agency itself."""
    require_staff(viewer)
    if not (policy.is_coordinator_of(viewer, case) or viewer.agency_id == member.agency_id):
        raise CaseError(_("Bara samordnaren eller verksamheten själv kan välja kontaktperson."))
    require_open(case)
    if member.case_id != case.pk:
        raise CaseError(_("Verksamheten finns inte i teamet."))
    contact = active_membership(contact_membership_id) if contact_membership_id else None
    if contact_membership_id and (contact is None or contact.agency_id != member.agency_id):
        raise CaseError(_("Kontaktpersonen måste arbeta i verksamheten."))
    with transaction.atomic():
        member.contact_id = contact.pk if contact else None
        with system_scope():
            TeamMember.objects.filter(pk=member.pk).update(contact_id=member.contact_id)
        audit.record(viewer=viewer, action="case.team_contact_set", obj=member, case_id=case.pk)
    return member


def external_contact_add(
    *,
    viewer: Viewer,
    case: Case,
    organisation: str,
    name: str,
    email: str = "",
    phone: str = "",
    role_description: str = "",
) -> ExternalContact:
    """A named contact at an actor without a tenant. They get no sign-in and see nothing."""
    require_coordinator(viewer, case)
    require_open(case)
    organisation, name, email = clean_text(organisation), clean_text(name), clean_text(email)
    if not organisation or not name:
        raise CaseError(_("Skriv organisation och namn på kontaktpersonen."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise CaseError(_("Skriv en giltig e-postadress, eller lämna fältet tomt.")) from None
    with transaction.atomic():
        contact = ExternalContact.objects.create(
            case=case,
            organisation=organisation[:200],
            name=name[:200],
            email=email,
            phone=clean_text(phone)[:40],
            role_description=clean_text(role_description)[:200],
        )
        audit.record(viewer=viewer, action="case.external_contact_added", obj=contact, case_id=case.pk)
    return contact


def external_contact_remove(*, viewer: Viewer, case: Case, contact: ExternalContact) -> ExternalContact:
    require_coordinator(viewer, case)
    require_open(case)
    if contact.case_id != case.pk or contact.removed_at is not None:
        raise CaseError(_("Kontakten finns inte i samverkan."))
    with transaction.atomic():
        contact.removed_at = timezone.now()
        with system_scope():
            ExternalContact.objects.filter(pk=contact.pk).update(removed_at=contact.removed_at)
        audit.record(viewer=viewer, action="case.external_contact_removed", obj=contact, case_id=case.pk)
    return contact
