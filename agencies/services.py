"""Writes on agencies: staff invitations, deactivation, switching the acting agency."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.scoping import Viewer, system_scope
from agencies.models import Membership, StaffInvitation
from portal import audit
from portal.models import User
from portal.viewers import ACTING_AS_SESSION_KEY

INVITATION_DAYS = 7


class ServiceError(Exception):
    """A request the service refuses; the message is shown to the user as it is."""


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def staff_invite(
    *, viewer: Viewer, email: str, full_name: str, role: str, title: str = ""
) -> tuple[StaffInvitation, str]:
    """An agency admin invites a person to their own agency. Returns the invitation and
    the raw token (sent by e-mail, never stored)."""
    if not viewer.is_agency_admin:
        raise ServiceError(_("Bara verksamhetens administratör kan bjuda in personal."))
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ServiceError(_("Okänd roll."))
    with system_scope():
        if Membership.objects.filter(agency_id=viewer.agency_id, user__email=email, is_active=True).exists():
            raise ServiceError(_("Personen arbetar redan i verksamheten."))
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = StaffInvitation.objects.create(
            agency_id=viewer.agency_id,
            email=email,
            full_name=full_name.strip(),
            role=role,
            title=title.strip(),
            token_hash=_token_hash(raw),
            invited_by_id=viewer.user_id,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit.record(viewer=viewer, action="staff.invited", obj=invitation, data={"role": role})
        link = settings.SITE_URL + reverse("agencies:accept", args=[raw])
        transaction.on_commit(lambda: _send_invitation(email, link))
    return invitation, raw


def _send_invitation(email: str, link: str) -> None:
    # Nothing sensitive leaves by e-mail: only that an invitation is waiting, and where.
    send_mail(
        subject=_("Inbjudan till Samverkansportalen"),
        message=_(
            "Du har bjudits in att arbeta i Samverkansportalen.\n\n"
            "Öppna länken för att välja lösenord och ställa in tvåfaktorsinloggning:\n%(link)s\n\n"
            "Länken gäller i 7 dagar."
        )
        % {"link": link},
        from_email=None,
        recipient_list=[email],
    )


def invitation_for_token(raw: str) -> StaffInvitation | None:
    with system_scope():
        return (
            StaffInvitation.objects.select_related("agency")
            .filter(token_hash=_token_hash(raw), accepted_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )


def invitation_accept(*, raw_token: str, password: str) -> User:
    """Create (or reuse) the user and the membership. The caller signs the user in;
    the second-factor middleware then requires TOTP before anything else."""
    with transaction.atomic(), system_scope():
        invitation = invitation_for_token(raw_token)
        if invitation is None:
            raise ServiceError(_("Inbjudan finns inte eller har gått ut. Be om en ny."))
        invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ServiceError(_("Inbjudan är redan använd."))
        user = User.objects.filter(email=invitation.email).first()
        if user is None:
            user = User.objects.create_user(invitation.email, password=password, full_name=invitation.full_name)
        membership, _created = Membership.objects.update_or_create(
            user=user,
            agency=invitation.agency,
            defaults={"role": invitation.role, "title": invitation.title, "is_active": True, "deactivated_at": None},
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record(
            viewer=Viewer(kind="staff", user_id=user.pk, agency_id=invitation.agency_id),
            action="staff.joined",
            obj=membership,
        )
    return user


def membership_deactivate(*, viewer: Viewer, membership: Membership) -> None:
    """Deactivate a membership of the admin's own agency and end the person's sessions now."""
    if not viewer.is_agency_admin or membership.agency_id != viewer.agency_id:
        raise ServiceError(_("Du kan bara ändra personal i din egen verksamhet."))
    if membership.user_id == viewer.user_id:
        raise ServiceError(_("Du kan inte inaktivera dig själv."))
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(is_active=False, deactivated_at=timezone.now())
        audit.record(viewer=viewer, action="staff.deactivated", obj=membership)
        user_id = membership.user_id
        transaction.on_commit(lambda: end_sessions(user_id))


def end_sessions(user_id: int) -> int:
    """End every session of the user (allauth usersessions)."""
    from allauth.usersessions.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user_id=user_id))
    get_adapter().end_sessions(sessions)
    return len(sessions)


def acting_agency_switch(*, request: HttpRequest, membership_id: int) -> Membership:
    """Act for another of the user's own active memberships (an explicit switch)."""
    memberships = getattr(request, "memberships", [])
    chosen = next((m for m in memberships if m.pk == membership_id), None)
    if chosen is None:
        raise ServiceError(_("Du har ingen sådan roll."))
    request.session[ACTING_AS_SESSION_KEY] = chosen.pk
    from portal.viewers import MFA_OK

    request.session.pop(MFA_OK, None)
    return chosen


def api_token_issue(*, viewer: Viewer, name: str) -> tuple[object, str]:
    """A personal API key bound to the viewer's current membership. The raw key is
    returned once and never stored. ServiceError for a viewer acting for no membership."""
    from portal.models import ApiToken

    if not viewer.is_staff or viewer.membership_id is None:
        raise ServiceError(_("Du har ingen sådan roll."))
    with transaction.atomic():
        token, raw = ApiToken.issue(membership_id=viewer.membership_id, name=name)
        audit.record(viewer=viewer, action="api_token.issued", obj=token)
    return token, raw


def api_token_revoke(*, viewer: Viewer, token_uuid: str) -> bool:
    """Revoke one of the viewer's own keys. False when there is no such key of theirs."""
    from portal.models import ApiToken

    if viewer.membership_id is None:
        return False
    with transaction.atomic():
        updated = ApiToken.objects.filter(
            uuid=token_uuid, membership_id=viewer.membership_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if updated:
            audit.record(viewer=viewer, action="api_token.revoked", data={"token": str(token_uuid)})
    return bool(updated)
