"""Writes on collaborations. Keyword-only, the actor first, one transaction, audit and
notifications inside it; side effects after commit. Each service checks access itself
(views are defence in depth) and raises `CaseError` with a message for the user.
"""

from cases.services._common import CaseError, CaseRefused
from cases.services.actions import (
    may_set_action_status,
    plan_action_create,
    plan_action_status_set,
    plan_action_update,
)
from cases.services.appointment import coordinator_appoint, current_appointment, handover_record, may_appoint
from cases.services.collaboration import (
    case_close,
    case_contact_record,
    case_level_set,
    case_open,
    child_find,
)
from cases.services.concern import concern_report_record
from cases.services.family import family_member_add, family_records_link, guardian_add, guardianship_update
from cases.services.joining import case_join_agree, case_join_request, case_join_withdraw, join_candidates
from cases.services.plan import (
    goal_create,
    goal_update,
    mapping_entry_create,
    mapping_entry_update,
    plan_phase_set,
    plan_update,
)
from cases.services.shared import shared_item_create
from cases.services.team import (
    external_contact_add,
    external_contact_remove,
    team_contact_set,
    team_member_add,
    team_member_remove,
)

__all__ = [
    "CaseError",
    "CaseRefused",
    "case_close",
    "case_contact_record",
    "case_join_agree",
    "case_join_request",
    "case_join_withdraw",
    "case_level_set",
    "case_open",
    "child_find",
    "concern_report_record",
    "coordinator_appoint",
    "current_appointment",
    "external_contact_add",
    "external_contact_remove",
    "family_member_add",
    "family_records_link",
    "goal_create",
    "goal_update",
    "guardian_add",
    "guardianship_update",
    "handover_record",
    "join_candidates",
    "mapping_entry_create",
    "mapping_entry_update",
    "may_appoint",
    "may_set_action_status",
    "plan_action_create",
    "plan_action_status_set",
    "plan_action_update",
    "plan_phase_set",
    "plan_update",
    "shared_item_create",
    "team_contact_set",
    "team_member_add",
    "team_member_remove",
]
