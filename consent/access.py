"""Who sees consents, their scopes and decisions, maturity assessments and grants: the
access rules of the consent app, registered with the access core from
ConsentConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

from access.policy import register
from access.scoping import Viewer
from cases.access import family_link, managed_case_exists, managed_q, visible_case_exists
from cases.models import Case
from consent.models import ConsentScope


def named_recipient(viewer: Viewer, consent_ref: str) -> Q:
    """The viewer's agency is a recipient in this consent version, and the case is visible."""
    assert viewer.agency_id is not None  # only staff viewers ask, and they always have one
    return Q(
        Exists(ConsentScope._base_manager.filter(consent_id=OuterRef(consent_ref), agency_id=viewer.agency_id))
    ) & visible_case_exists(viewer, "case_id" if consent_ref == "pk" else "consent__case_id")


def _consent(model: type[models.Model], viewer: Viewer) -> Q:
    # Staff: the agencies that manage the case, and the recipients named in this version.
    if viewer.is_staff:
        return managed_case_exists(viewer, "case_id") | named_recipient(viewer, "pk")
    return family_link(viewer, "case__child_id")


def _scope(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return managed_case_exists(viewer, "consent__case_id") | named_recipient(viewer, "consent_id")
    return family_link(viewer, "consent__case__child_id")


def _decision(model: type[models.Model], viewer: Viewer) -> Q:
    # Who answered what, and how, is for the family and the case's managers only.
    if viewer.is_staff:
        return managed_case_exists(viewer, "consent__case_id")
    return family_link(viewer, "consent__case__child_id")


def _maturity(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return Q(Exists(Case._base_manager.filter(managed_q(viewer), child_id=OuterRef("child_id"))))
    return family_link(viewer, "child_id")


def _grant(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return Q(agency_id=viewer.agency_id)
    return family_link(viewer, "case__child_id")


def register_rules() -> None:
    register("consent.Consent", _consent)
    register("consent.ConsentScope", _scope)
    register("consent.ConsentDecision", _decision)
    register("consent.MaturityAssessment", _maturity)
    register("consent.ConsentGrant", _grant)
