"""The child, the family, the collaboration (samverkan) and the items shared in it.

Every model here is child data: its default manager is scoped, so a query outside a
scope raises and a query inside one returns only what `access.policy` allows.
"""

from cases.models.collaboration import (
    Case,
    CaseItem,
    ConcernReport,
    CoordinatorAppointment,
    ExternalContact,
    FamilyMember,
    SharedItem,
    TeamMember,
)
from cases.models.family import Child, Guardian, Guardianship, personal_number_validator
from cases.models.joining import CaseJoin, CaseJoinAgreement
from cases.models.plan import LifeArea, MappingEntry, Plan, PlanAction, PlanChange, PlanGoal

__all__ = [
    "Case",
    "CaseItem",
    "CaseJoin",
    "CaseJoinAgreement",
    "Child",
    "ConcernReport",
    "CoordinatorAppointment",
    "ExternalContact",
    "FamilyMember",
    "Guardian",
    "Guardianship",
    "LifeArea",
    "MappingEntry",
    "Plan",
    "PlanAction",
    "PlanChange",
    "PlanGoal",
    "SharedItem",
    "TeamMember",
    "personal_number_validator",
]
