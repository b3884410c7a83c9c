"""Who sees the collaboration, the child, the guardians and every item on a case: the
access rules of the cases app, registered with the access core (access/policy.py) from
CasesConfig.ready(). Other apps build their rules from the blocks here (the family link,
a visible or managed case, the generic rule of a case item)."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

from access.policy import BASIC_CATEGORY, NOTHING, grants, register
from access.scoping import Viewer
from cases.models import Case, CaseItem, Child, Guardianship
from consent.models import InformationCategory


def family_link(viewer: Viewer, child_ref: str) -> Q:
    """The outer row's child is the viewer's own child (custodial guardian) or the viewer."""
    assert viewer.user_id is not None  # only family viewers ask, and they always have one
    if viewer.role == "child":
        return Q(Exists(Child._base_manager.filter(pk=OuterRef(child_ref), user_id=viewer.user_id)))
    return Q(
        Exists(
            Guardianship._base_manager.filter(
                child_id=OuterRef(child_ref), guardian__user_id=viewer.user_id, has_custody=True
            )
        )
    )


def case_q(viewer: Viewer) -> Q:
    """Visibility of a collaboration (the Case row itself)."""
    if viewer.is_staff:
        return (
            Q(owner_agency_id=viewer.agency_id)
            | Q(coordinator_agency_id=viewer.agency_id)
            | (Q(status="open") & Q(grants(viewer, "pk", Q(category__code=BASIC_CATEGORY))))
        )
    if viewer.is_family:
        return family_link(viewer, "child_id")
    return Q(pk__in=[])


def visible_case_exists(viewer: Viewer, case_ref: str) -> Q:
    return Q(Exists(Case._base_manager.filter(case_q(viewer), pk=OuterRef(case_ref))))


def visible_child_case_exists(viewer: Viewer, child_ref: str) -> Q:
    return Q(Exists(Case._base_manager.filter(case_q(viewer), child_id=OuterRef(child_ref))))


def managed_q(viewer: Viewer) -> Q:
    """Cases whose consents the viewer's agency manages: the opener's agency (Barnets
    bästa-ansvarig) and the coordinating agency. (Services narrow this to the named
    coordinator for writes.)"""
    return Q(owner_agency_id=viewer.agency_id) | Q(coordinator_agency_id=viewer.agency_id)


def managed_case_exists(viewer: Viewer, case_ref: str) -> Q:
    return Q(Exists(Case._base_manager.filter(managed_q(viewer), pk=OuterRef(case_ref))))


def item_q(model: type[models.Model], viewer: Viewer) -> Q:
    """The rule of every CaseItem subclass (one case, one author agency, one category), as a
    condition on its own rows. For an item that hangs on another item (a preparation's
    sections) to require that the other item is visible too:
    `Exists(Parent._base_manager.filter(item_q(Parent, viewer), ...))`."""
    category_code = getattr(model, "CATEGORY_CODE", None)
    if viewer.is_staff:
        own = Q(author_agency_id=viewer.agency_id)
        if model.NEVER_SHARED:  # type: ignore[attr-defined]
            return own
        category = Q(category__code=category_code) if category_code else Q(category_id=OuterRef("category_id"))
        shared = (
            model.shared_condition(viewer)  # type: ignore[attr-defined]
            & Q(grants(viewer, "case_id", category))
            & Q(Exists(Case._base_manager.filter(pk=OuterRef("case_id"), status="open")))
        )
        staff_condition = getattr(model, "staff_condition", None)
        if staff_condition is not None:
            # A model may narrow even its author agency's view (the child's words for the
            # coordinator only, DESIGN rule 19).
            return staff_condition(viewer, own | shared)
        return own | shared
    if viewer.is_family:
        if model.NEVER_SHARED:  # type: ignore[attr-defined]
            return NOTHING
        if category_code:
            family_category = Q(
                Exists(InformationCategory._base_manager.filter(code=category_code, visible_to_family=True))
            )
        else:
            family_category = Q(category__visible_to_family=True)
        return family_link(viewer, "case__child_id") & family_category & model.family_condition(viewer)  # type: ignore[attr-defined]
    return NOTHING


def coordinator_condition(viewer: Viewer, case_ref: str) -> Q:
    """The outer row's case has the viewer as its coordinator — the same person
    `is_coordinator_of` names, as a query condition (staff viewers only)."""
    if not viewer.is_staff:
        return NOTHING
    named = Q(coordinator_id=viewer.user_id, coordinator_agency_id=viewer.agency_id)
    before_appointment = Q(coordinator_id__isnull=True, owner_agency_id=viewer.agency_id)
    return Q(Exists(Case._base_manager.filter(named | before_appointment, pk=OuterRef(case_ref))))


def _case(model: type[models.Model], viewer: Viewer) -> Q:
    return case_q(viewer)


def _child(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return visible_child_case_exists(viewer, "pk")
    return family_link(viewer, "pk")


def _guardianship(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return visible_child_case_exists(viewer, "child_id")
    return family_link(viewer, "child_id")


def _guardian(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_staff:
        return Q(Exists(Case._base_manager.filter(case_q(viewer), child__guardianships__guardian_id=OuterRef("pk"))))
    assert viewer.user_id is not None  # a family viewer (anonymous ones never get here)
    if viewer.role == "child":
        return Q(Exists(Guardianship._base_manager.filter(guardian_id=OuterRef("pk"), child__user_id=viewer.user_id)))
    # A guardian sees themself and the other guardians of their own children (names only:
    # contact details are gated separately by `can_see_contact_details`).
    return Q(user_id=viewer.user_id) | Q(
        Exists(
            Guardianship._base_manager.filter(
                guardian_id=OuterRef("pk"),
                child__guardianships__guardian__user_id=viewer.user_id,
                child__guardianships__has_custody=True,
            )
        )
    )


def _join(model: type[models.Model], viewer: Viewer) -> Q:
    # The family's own request to bring two collaborations together: theirs alone. The
    # agencies learn of each other only when every guardian with custody has agreed.
    if viewer.is_family:
        prefix = "" if model._meta.label == "cases.CaseJoin" else "join__"
        return family_link(viewer, f"{prefix}keep__child_id") | family_link(viewer, f"{prefix}absorb__child_id")
    return NOTHING


def _appointment(model: type[models.Model], viewer: Viewer) -> Q:
    # The child's wish in their own words and any reason for deviating from it are for
    # the agencies that run the collaboration and the family; others see who the
    # coordinator is on the collaboration itself.
    if viewer.is_staff:
        return managed_case_exists(viewer, "case_id")
    return family_link(viewer, "case__child_id")


def case_level(model: type[models.Model], viewer: Viewer) -> Q:
    """Rows about the collaboration as a whole (the team, external contacts, any model
    marked CASE_LEVEL): whoever sees the collaboration, and its family."""
    if viewer.is_staff:
        return visible_case_exists(viewer, "case_id")
    return family_link(viewer, "case__child_id")


def register_rules() -> None:
    register("cases.Case", _case)
    register("cases.Child", _child)
    register("cases.Guardianship", _guardianship)
    register("cases.Guardian", _guardian)
    register("cases.CaseJoin", _join)
    register("cases.CaseJoinAgreement", _join)
    register("cases.CoordinatorAppointment", _appointment)
    register("cases.TeamMember", case_level)
    register("cases.ExternalContact", case_level)
    # Every case item of every app (meetings, plans, …) and every case-level model.
    for model in apps.get_models():
        if issubclass(model, CaseItem):
            register(model._meta.label, item_q)
        elif getattr(model, "CASE_LEVEL", False):
            register(model._meta.label, case_level)
