"""Who sees memberships, invitations and the agency's sign-in settings: the access rules
of the agencies app (and its idp app), registered with the access core from
AgenciesConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from access.policy import NOTHING, register
from access.scoping import Viewer


def _membership(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return Q(agency_id=viewer.agency_id)
    return NOTHING


def _admin_only(model: type[models.Model], viewer: Viewer) -> Q:
    # Invitations and the agency's own sign-in settings: its admin's, for that agency only.
    if viewer.is_agency_admin:
        return Q(agency_id=viewer.agency_id)
    return NOTHING


def register_rules() -> None:
    register("agencies.Membership", _membership)
    register("agencies.StaffInvitation", _admin_only)
    register("idp.AgencyIdentityProvider", _admin_only)
    register("idp.StaffIdentity", _admin_only)
