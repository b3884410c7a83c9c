"""cases/: the collaboration pages and API.

The world's case was opened by the school (author_staff, the Barnets bästa-ansvarig) and
is coordinated by the coordinator (coordination agency). Pages about the collaboration
answer 200 to staff who see the case (its opener's and coordinator's agencies, agencies
with a basic-category grant) and 404 to everyone else; only the family's plan is open to
the family. Items written by the coordinator (mapping: category "family"; goals and
actions: "plan") are seen by the coordinating agency, and by other agencies only with a
grant for that category (no state grants those), and by the child's own family.
Signed-out visitors are sent to sign in (302); the API answers them 401.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.security.matrix import (
    OWN_FAMILY,
    STAFF_ROLES,
    by_kind,
    by_role,
    entry,
    sees_case,
    sees_item,
    when,
)


def staff_sees(role: str, state: str) -> bool:
    return role in STAFF_ROLES and sees_case(role, state)


def coordinator(role: str, state: str) -> bool:
    return role == "coordinator"


def may_appoint(role: str, state: str) -> bool:
    """The coordinator, and the staff member who opened the collaboration."""
    return role in {"coordinator", "author_staff"}


def coordinator_item_staff(role: str, state: str) -> bool:
    """A mapping entry, goal or action the coordinating agency wrote, on a staff page."""
    return role == "coordinator"


def coordinator_item_api(role: str, state: str) -> bool:
    return role == "coordinator" or role in OWN_FAMILY


def family_plan(role: str, state: str) -> bool:
    return staff_sees(role, state) or role in OWN_FAMILY


def shared_item(role: str, state: str) -> bool:
    return role in STAFF_ROLES and sees_item(role, state, author="school", code="school")


# --- objects for the URL kwargs (created once per world; foreign ones on the other case)


def _made(mw: Any, key: str, foreign: bool, make: Any) -> Any:
    full = f"{key}:foreign" if foreign else key
    if full not in mw.objects:
        from access.scoping import system_scope

        case = mw.other_case if foreign else mw.case
        author = mw.unrelated if foreign else mw.coordination
        with system_scope():
            mw.objects[full] = make(mw, case, author)
    return mw.objects[full].uuid


def _entry(mw: Any, foreign: bool) -> Any:
    from cases.models import MappingEntry
    from consent.models import InformationCategory

    return _made(
        mw,
        "mapping",
        foreign,
        lambda w, case, author: MappingEntry.objects.create(
            case=case,
            author_agency=author,
            area="family",
            category=InformationCategory.objects.get(code="family"),
            current_state="MARKER-MAPPING",
        ),
    )


def _goal(mw: Any, foreign: bool) -> Any:
    from cases.models import PlanGoal

    return _made(
        mw,
        "goal",
        foreign,
        lambda w, case, author: PlanGoal.objects.create(case=case, author_agency=author, text="Mål"),
    )


def _action(mw: Any, foreign: bool) -> Any:
    from django.utils import timezone

    from cases.models import PlanAction

    return _made(
        mw,
        "action",
        foreign,
        lambda w, case, author: PlanAction.objects.create(
            case=case,
            author_agency=author,
            description="Insats",
            due_date=timezone.localdate() + timedelta(days=7),
            responsible_person="Gun",
        ),
    )


def _external(mw: Any, foreign: bool) -> Any:
    from cases.models import ExternalContact

    return _made(
        mw,
        "external",
        foreign,
        lambda w, case, author: ExternalContact.objects.create(case=case, organisation="FK", name="Handläggare"),
    )


def _member(mw: Any, foreign: bool) -> Any:
    from cases.models import TeamMember

    return _made(
        mw,
        "member",
        foreign,
        lambda w, case, author: TeamMember.objects.get_or_create(
            case=case, agency=w.unrelated if case == w.other_case else w.health
        )[0],
    )


def _guardian(mw: Any, foreign: bool) -> Any:
    return (mw.other_guardian if foreign else mw.guardian1).uuid


def _uuid(builder: Any) -> dict[str, Any]:
    return {"uuid": builder}


staff_page = when(staff_sees)  # 200 / 404 / 302
# POST-only endpoints look the collaboration up before the method (a stranger gets 404
# for every method), and most answer a POST with a redirect carrying a message. The
# matrix keeps 302 and 405 unchanged on foreign-id probes (it takes them for answers
# given before any lookup), so these routes are probed with foreign ids in
# tests/cases/test_access.py instead (foreign=False here).
post_only_redirect = {"get": when(staff_sees, 405), "post": when(staff_sees, 302)}
post_only_form = {"get": when(staff_sees, 405), "post": when(staff_sees, 400)}
signed_in_api = by_kind(staff=200, family=200, anonymous=401)

TABLE = {
    "cases:list": entry(by_kind(staff=200, family=404, anonymous=302)),
    "cases:caseload": entry(by_kind(staff=200, family=404, anonymous=302)),
    "cases:open": entry(
        by_kind(staff=200, family=404, anonymous=302),
        post=by_kind(staff=400, family=404, anonymous=302),
        data={"step": "search", "personal_number": "inte ett nummer"},
    ),
    # The family's page for bringing two collaborations together: guardians only (it
    # lists nothing for a guardian without two); an unknown request is a 404.
    "cases:join": entry(
        by_role(404, guardian=200, other_guardian=200, unrelated_guardian=200, anonymous=302),
        post=by_role(404, anonymous=302),
        data={"action": "agree", "join": "00000000-0000-0000-0000-000000000000"},
    ),
    "cases:detail": entry(staff_page),
    "cases:level": entry(
        post_only_redirect["get"], post=post_only_redirect["post"], foreign=False, data={"level": "joint"}
    ),
    "cases:contact": entry(post_only_redirect["get"], post=post_only_redirect["post"], foreign=False, data={"on": ""}),
    "cases:close": entry(when(coordinator), post=when(coordinator, 400), data={"reason": ""}),
    "cases:family": entry(staff_page, post=when(staff_sees, 400)),
    "cases:family_member_add": entry(post_only_form["get"], post=post_only_form["post"], foreign=False),
    "cases:guardianship_edit": entry(
        post_only_redirect["get"], post=post_only_redirect["post"], foreign=False, kwargs={"guardian_uuid": _guardian}
    ),
    # A POST from staff who may not appoint is a 404; the coordinator and the opener get
    # the form back (400: the wish alone is not enough).
    "cases:appoint": entry(staff_page, post=when(may_appoint, 400), data={"wish": "none"}),
    "cases:handover": entry(staff_page, post=when(staff_sees, 400)),
    "cases:team": entry(staff_page, post=when(staff_sees, 400)),
    "cases:team_contact": entry(
        post_only_redirect["get"],
        post=post_only_redirect["post"],
        kwargs={"member_uuid": _member},
        data={"contact": ""},
        foreign=False,
    ),
    "cases:team_remove": entry(
        post_only_redirect["get"], post=post_only_redirect["post"], foreign=False, kwargs={"member_uuid": _member}
    ),
    "cases:external_add": entry(post_only_form["get"], post=post_only_form["post"], foreign=False),
    "cases:external_remove": entry(
        post_only_redirect["get"], post=post_only_redirect["post"], foreign=False, kwargs={"contact_uuid": _external}
    ),
    "cases:mapping": entry(staff_page, post=when(staff_sees, 400)),
    "cases:mapping_edit": entry(
        when(coordinator_item_staff), post=when(coordinator_item_staff, 400), kwargs={"entry_uuid": _entry}
    ),
    "cases:plan": entry(staff_page, post=when(staff_sees, 400), data={"overall_principal": "ingen"}),
    "cases:plan_phase": entry(post_only_redirect["get"], post=post_only_redirect["post"], foreign=False),
    "cases:plan_history": entry(staff_page),
    "cases:goal_add": entry(post_only_form["get"], post=post_only_form["post"], foreign=False),
    "cases:goal_edit": entry(
        when(coordinator_item_staff), post=when(coordinator_item_staff, 400), kwargs={"goal_uuid": _goal}
    ),
    "cases:action_add": entry(post_only_form["get"], post=post_only_form["post"], foreign=False),
    "cases:action_edit": entry(
        when(coordinator_item_staff), post=when(coordinator_item_staff, 400), kwargs={"action_uuid": _action}
    ),
    "cases:action_status": entry(
        when(coordinator_item_staff, 405),
        post=when(coordinator_item_staff, 302),
        kwargs={"action_uuid": _action},
        foreign=False,
    ),
    "cases:family_plan": entry(when(family_plan)),
    "cases:concern": entry(staff_page, post=when(staff_sees, 400)),
    "cases:shared_item_create": entry(staff_page, post=when(staff_sees, 400)),
    "cases:shared_item_detail": entry(when(shared_item)),
    # API
    "case-list": entry(signed_in_api, api=True),
    "case-detail": entry(when(family_plan, anonymous=401), kwargs=_uuid(lambda w, f: w.uuid_of("case", f)), api=True),
    "case-mapping": entry(when(family_plan, anonymous=401), kwargs=_uuid(lambda w, f: w.uuid_of("case", f)), api=True),
    "case-plan": entry(when(family_plan, anonymous=401), kwargs=_uuid(lambda w, f: w.uuid_of("case", f)), api=True),
    "mapping-entry-list": entry(signed_in_api, post=by_kind(staff=400, family=403, anonymous=401), api=True),
    "mapping-entry-detail": entry(when(coordinator_item_api, anonymous=401), kwargs=_uuid(_entry), api=True),
    "plan-action-list": entry(signed_in_api, post=by_kind(staff=400, family=403, anonymous=401), api=True),
    "plan-action-detail": entry(when(coordinator_item_api, anonymous=401), kwargs=_uuid(_action), api=True),
}
