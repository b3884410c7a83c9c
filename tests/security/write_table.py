"""The write-path expectation table (DESIGN rule 17: a write never discloses).

Every write operation that `write_paths` discovers — `"<METHOD> <route name>"` from the
URLconf, the same names for the API schema's operations — has an entry here:

* `Expect(...)`: how to exercise it. `fields` names every identifier field the operation
  takes (each field the discovery finds in its forms, API input serializers or schema must
  be here), with how it is exercised or, starting "not exercised:", why not. `probes` are
  writes on the writer's own ground (their own collaboration, or none) carrying the
  victim's identifiers in the body. Besides these, an operation whose URL names objects is
  always also exercised with the *victim's* objects in the URL (the access matrix's kwarg
  builders, non-foreign side: the world's case is the victim's), and an operation with
  neither gets one plain write.
* `Reason("...")`: the operation is not exercised, and why.

A key ending in "*" covers every operation on routes whose name starts with the prefix.

Probe data are callables `(ctx) -> dict`. `ctx.v` holds the identifiers the writer types:
on the "known" run the victim's, on the "unknown" run fresh ones of the same shape (the
two answers must not differ: that would tell the writer the victim exists). For public
objects (agencies, coordinators) "fresh" is an existing one with no part in the victim's
collaboration, so the comparison asks whether the victim's involvement shows. Field
names are as submitted (with the form's prefix: `external-email`). `ctx.own_case`
is the writer's own collaboration; `ctx.w` the test world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Data = Callable[[Any], dict[str, Any]]

TYPED_FIRST, TYPED_LAST = "Test", "Testsson"  # the names a writer types (never the victim's)
TYPED_EMAIL = "skrivet.av.skribenten@writer.example"
TYPED_TEXT = "Skribentens egen text"


@dataclass(frozen=True)
class Probe:
    label: str  # which identifier the writer supplies, e.g. "the victim child's personnummer"
    kind: str  # personnummer | e-mail | uuid | related id
    data: Data
    # URL kwargs (ctx -> value); case_uuid defaults to the writer's own collaboration.
    kwargs: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    # Writers for whom the write must go through on the unknown-identifier run (so the
    # probe is known to reach the service and is not vacuous).
    must_work_for: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Expect:
    fields: dict[str, str] = field(default_factory=dict)
    probes: tuple[Probe, ...] = ()
    api: bool = False  # JSON body
    # Data for the victim-URL run and the plain run (ctx -> dict).
    data: Data | None = None


@dataclass(frozen=True)
class Reason:
    why: str


STAFF_WRITERS = frozenset({"unrelated_staff", "no_consent_staff"})


def own(label: str, kind: str, data: Data, **kwargs: Any) -> Probe:
    return Probe(label=label, kind=kind, data=data, **kwargs)


def _open_case(ctx: Any) -> dict[str, Any]:
    return {
        "step": "open",
        "personal_number": ctx.v.child_pnr,
        "first_name": TYPED_FIRST,
        "last_name": TYPED_LAST,
        "language": "svenska",
        "need_description": TYPED_TEXT,
        "level": "light",
    }


def _guardian(ctx: Any) -> dict[str, Any]:
    return {
        "personal_number": ctx.v.guardian_pnr,
        "first_name": TYPED_FIRST,
        "last_name": TYPED_LAST,
        "has_custody": "yes",
        "lives_with_child": "on",
        "email": TYPED_EMAIL,
        "phone": "",
        "address": "",
    }


URL_ONLY = "not exercised: the operation takes no identifier in its body; the victim's objects go in the URL"
REFERENCE = "not exercised: reference data (categories, life areas, municipalities) that every signed-in user may see"

TABLE: dict[str, Expect | Reason] = {
    # --- the admin and the sign-in flows ---------------------------------------------
    "admin:*": Reason("the Django admin: superusers only (agency admins use the portal's own pages)"),
    "<unnamed> admin/*": Reason("the admin's old object URLs: a RedirectView to the change page, writes nothing"),
    "POST account_login": Reason("signing in: allauth with ACCOUNT_PREVENT_ENUMERATION; tests/portal covers it"),
    "PUT account_login": Reason("allauth's FormView alias of POST (signing in)"),
    "POST account_logout": Reason("signing out: takes no identifier"),
    "POST account_signup": Reason("sign-up is closed (accounts come by invitation); tests/portal covers it"),
    "PUT account_signup": Reason("allauth's FormView alias of POST (sign-up is closed)"),
    "POST account_reauthenticate": Reason("re-entering one's own password: no identifier"),
    "PUT account_reauthenticate": Reason("allauth's FormView alias of POST"),
    "POST account_change_password": Reason("one's own password: no identifier"),
    "PUT account_change_password": Reason("allauth's FormView alias of POST"),
    "POST account_set_password": Reason("one's own password: no identifier"),
    "PUT account_set_password": Reason("allauth's FormView alias of POST"),
    "POST account_reset_password": Expect(
        fields={"email": "a guardian's login e-mail"},
        probes=(own("a guardian's login e-mail", "e-mail", lambda ctx: {"email": ctx.v.guardian_user_email}),),
    ),
    "PUT account_reset_password": Reason("allauth's FormView alias of POST account_reset_password (exercised there)"),
    "POST account_confirm_login_code": Reason("a code sent to one's own e-mail: no identifier of anyone else"),
    "PUT account_confirm_login_code": Reason("allauth's FormView alias of POST"),
    "POST account_confirm_email": Reason("e-mail verification is off (ACCOUNT_EMAIL_VERIFICATION = none)"),
    "POST account_reset_password_from_key": Reason("a reset key from one's own e-mail; tests/portal covers it"),
    "PUT account_reset_password_from_key": Reason("allauth's FormView alias of POST"),
    "POST account_request_login_code": Expect(
        fields={"email": "a guardian's login e-mail"},
        probes=(own("a guardian's login e-mail", "e-mail", lambda ctx: {"email": ctx.v.guardian_user_email}),),
    ),
    "PUT account_request_login_code": Reason("allauth's FormView alias of POST account_request_login_code"),
    "POST mfa_authenticate": Reason("one's own second factor: no identifier"),
    "POST mfa_reauthenticate": Reason("one's own second factor: no identifier"),
    "PUT mfa_reauthenticate": Reason("allauth's FormView alias of POST"),
    "POST mfa_activate_totp": Reason("one's own second factor: no identifier"),
    "PUT mfa_activate_totp": Reason("allauth's FormView alias of POST"),
    "POST mfa_deactivate_totp": Reason("one's own second factor: no identifier"),
    "PUT mfa_deactivate_totp": Reason("allauth's FormView alias of POST"),
    "POST mfa_generate_recovery_codes": Reason("one's own recovery codes: no identifier"),
    "PUT mfa_generate_recovery_codes": Reason("allauth's FormView alias of POST"),
    "POST usersessions_list": Reason("ending one's own other sessions: no identifier"),
    "PUT usersessions_list": Reason("allauth's FormView alias of POST"),
    # --- families' eID (allauth socialaccount, portal/eid) ----------------------------
    "<unnamed> konto/social/*": Reason("allauth's old socialaccount addresses: a RedirectView, writes nothing"),
    "POST socialaccount_signup": Reason(
        "never reached: eID signs up automatically with the reserved address, agency IdPs never sign up "
        "(the adapter refuses or connects the keyed person); no identifier typed"
    ),
    "PUT socialaccount_signup": Reason("allauth's FormView alias of POST"),
    "POST set_language": Expect(
        fields={"next": "not an identifier: a local URL to return to"}, data=lambda ctx: {"language": "en", "next": "/"}
    ),
    # --- agencies --------------------------------------------------------------------
    "POST agencies:invite": Expect(
        fields={"email": "a guardian's login e-mail, and another agency's staff member's e-mail"},
        probes=(
            own(
                "a guardian's login e-mail", "e-mail", lambda ctx: {"email": ctx.v.guardian_user_email, "role": "staff"}
            ),
            own("another agency's staff e-mail", "e-mail", lambda ctx: {"email": ctx.v.staff_email, "role": "staff"}),
        ),
    ),
    "POST agencies:deactivate": Expect(),
    "POST agencies:accept": Expect(),
    "POST agencies:switch": Expect(
        fields={"membership": "another agency's staff membership id (a raw POST field, no form)"},
        probes=(own("another person's membership id", "related id", lambda ctx: {"membership": ctx.v.membership_pk}),),
    ),
    "POST agencies:api_token_create": Expect(
        fields={"name": "not an identifier: the key's label, typed"}, data=lambda ctx: {"name": TYPED_TEXT}
    ),
    "POST agencies:api_token_revoke": Expect(),
    # --- cases -----------------------------------------------------------------------
    "POST cases:open": Expect(
        fields={
            "personal_number": "an existing child's personnummer, with names the writer types",
            "step": "not an identifier: search or open",
        },
        probes=(
            own(
                "an existing child's personnummer (search step)",
                "personnummer",
                lambda ctx: {"step": "search", "personal_number": ctx.v.child_pnr},
            ),
            own(
                "an existing child's personnummer (open, names typed)",
                "personnummer",
                _open_case,
                must_work_for=STAFF_WRITERS,
            ),
        ),
    ),
    # The family brings two collaborations for the same child together (the lead's rule-17
    # commit 45dea20 on main; this entry is "stale" on h/suite alone until that is merged).
    "POST cases:join": Expect(
        fields={
            "pair": "the victim's collaboration uuid, paired with the writer's own",
            "keep": "the writer's own collaboration (the victim's is the one to absorb)",
            "join": "another object's uuid (the victim's collaboration) as a join request",
            "action": "not an identifier: request, agree or withdraw",
        },
        probes=(
            own(
                "the victim's collaboration uuid as the other half of a join",
                "uuid",
                lambda ctx: {
                    "action": "request",
                    "pair": [str(ctx.own_case.uuid), ctx.v.case_uuid],
                    "keep": str(ctx.own_case.uuid),
                },
            ),
            own(
                "the victim's collaboration uuid as a join request",
                "uuid",
                lambda ctx: {"action": "agree", "join": ctx.v.case_uuid},
            ),
        ),
    ),
    "POST cases:level": Expect(data=lambda ctx: {"level": "joint"}),
    "POST cases:contact": Expect(data=lambda ctx: {"on": ""}),
    "POST cases:close": Expect(data=lambda ctx: {"reason": "goals_met"}),
    "POST cases:family": Expect(
        fields={
            "personal_number": "an existing guardian's personnummer (another child's), added to the writer's case",
            "email": "typed by the writer (the victim's e-mail is the datum that must not appear)",
        },
        probes=(own("an existing guardian's personnummer", "personnummer", _guardian, must_work_for=STAFF_WRITERS),),
        data=_guardian,
    ),
    "POST cases:family_member_add": Expect(
        fields={
            "member-guardian": "another child's guardian's id, on the writer's case",
            "member-written_by": "another child's guardian as the author (g:<id>)",
        },
        probes=(
            own(
                "another child's guardian id",
                "related id",
                lambda ctx: {
                    "member-relation": "parent",
                    "member-guardian": ctx.v.guardian_pk,
                    "member-needs": TYPED_TEXT,
                },
            ),
            own(
                "another child's guardian as author",
                "related id",
                lambda ctx: {
                    "member-relation": "parent",
                    "member-name": TYPED_FIRST,
                    "member-needs": TYPED_TEXT,
                    "member-written_by": f"g:{ctx.v.guardian_pk}",
                },
            ),
        ),
    ),
    "POST cases:guardianship_edit": Expect(data=lambda ctx: {"has_custody": "no"}),
    "POST cases:appoint": Expect(
        fields={
            "coordinator": "another agency's coordinator membership id, on the writer's case",
            "wished_membership": "the same membership as the child's wish",
        },
        probes=(
            own(
                "another agency's coordinator membership",
                "related id",
                lambda ctx: {
                    "wish": "person",
                    "wished_membership": ctx.v.membership_pk,
                    "coordinator": ctx.v.membership_pk,
                    "child_words": TYPED_TEXT,
                },
                must_work_for=STAFF_WRITERS,
            ),
        ),
    ),
    "POST cases:handover": Expect(data=lambda ctx: {"note": TYPED_TEXT}),
    "POST cases:team": Expect(
        fields={"agency": "an agency of the victim's team (agencies are public; the team is not)"},
        probes=(
            own(
                "an agency of the victim's team",
                "related id",
                lambda ctx: {"agency": ctx.v.agency_pk},
                must_work_for=STAFF_WRITERS,
            ),
        ),
    ),
    "POST cases:team_contact": Expect(
        fields={
            "contact": "the victim's coordinator membership id (raw POST), with the victim's team member in the URL"
        },
        data=lambda ctx: {"contact": ctx.v.membership_pk},
    ),
    "POST cases:team_remove": Expect(),
    "POST cases:external_add": Expect(
        fields={
            "external-email": "a guardian's e-mail, as the external contact's address",
            "agency": "not exercised: the team page's add-agency form, rendered again; exercised on POST cases:team",
        },
        probes=(
            own(
                "a guardian's e-mail",
                "e-mail",
                lambda ctx: {
                    "external-organisation": "Försäkringskassan",
                    "external-name": f"{TYPED_FIRST} {TYPED_LAST}",
                    "external-email": ctx.v.guardian_email,
                },
                must_work_for=STAFF_WRITERS,
            ),
        ),
    ),
    "POST cases:external_remove": Expect(),
    "POST cases:mapping": Expect(
        fields={
            "written_by": "another child's guardian as the author (g:<id>)",
            "category": REFERENCE + " (information categories, by code)",
        },
        probes=(
            own(
                "another child's guardian as author",
                "related id",
                lambda ctx: {"area": "school", "current_state": TYPED_TEXT, "written_by": f"g:{ctx.v.guardian_pk}"},
            ),
        ),
    ),
    "POST cases:mapping_edit": Expect(
        fields={
            "written_by": URL_ONLY + " (a guardian of the entry's own case)",
            "category": REFERENCE + " (information categories, by code)",
        },
        data=lambda ctx: {"area": "school", "current_state": TYPED_TEXT},
    ),
    "POST cases:plan": Expect(
        fields={"overall_principal": REFERENCE + " (principals)"},
        data=lambda ctx: {"support_needed": TYPED_TEXT},
    ),
    "POST cases:plan_phase": Expect(data=lambda ctx: {"phase": "plan"}),
    "POST cases:goal_add": Expect(
        fields={
            "goal-written_by": "another child's guardian as the author (g:<id>)",
            "from_mapping": "the victim's mapping entry uuid (raw POST), on the writer's case",
        },
        probes=(
            own(
                "another child's guardian as author, the victim's mapping entry",
                "related id",
                lambda ctx: {
                    "goal-text": TYPED_TEXT,
                    "goal-written_by": f"g:{ctx.v.guardian_pk}",
                    "from_mapping": ctx.v.mapping_uuid,
                },
            ),
        ),
    ),
    "POST cases:goal_edit": Expect(data=lambda ctx: {"text": TYPED_TEXT, "status": "active"}),
    "POST cases:action_add": Expect(
        fields={
            "action-responsible": "the victim's external contact (e:<id>)",
            "action-goal": "the victim's goal id",
            "action-written_by": "another child's guardian as the author (g:<id>)",
        },
        probes=(
            own(
                "the victim's external contact and goal, a guardian as author",
                "related id",
                lambda ctx: {
                    "action-description": TYPED_TEXT,
                    "action-due_date": "2030-01-01",
                    "action-responsible": f"e:{ctx.v.external_pk}",
                    "action-goal": ctx.v.goal_pk,
                    "action-written_by": f"g:{ctx.v.guardian_pk}",
                },
            ),
        ),
    ),
    "POST cases:action_edit": Expect(
        fields={
            "action-responsible": URL_ONLY + " (choices of the action's own case)",
            "action-goal": URL_ONLY + " (choices of the action's own case)",
            "action-written_by": URL_ONLY + " (a guardian of the action's own case)",
        },
        data=lambda ctx: {"action-description": TYPED_TEXT, "action-due_date": "2030-01-01"},
    ),
    "POST cases:action_status": Expect(data=lambda ctx: {"status": "done"}),
    "POST cases:concern": Expect(
        fields={"municipality": REFERENCE},
        data=lambda ctx: {"reported_on": "2026-01-01"},
    ),
    "POST cases:shared_item_create": Expect(
        fields={"category": REFERENCE},
        data=lambda ctx: {"title": TYPED_TEXT, "body": TYPED_TEXT},
    ),
    # --- consent ---------------------------------------------------------------------
    "POST consent:family_answer": Expect(
        fields={"decision": "not an identifier: granted or refused"}, data=lambda ctx: {"decision": "granted"}
    ),
    "POST consent:family_revoke": Expect(),
    "POST consent:family_narrow": Expect(fields={"keep": URL_ONLY + " (pairs of the consent in the URL)"}),
    "POST consent:family_confirm": Expect(data=lambda ctx: {"code": "123456"}),
    "POST consent:request": Expect(
        fields={
            "agencies": "an agency of the victim's team, on the writer's case",
            "categories": REFERENCE,
        },
        probes=(
            own(
                "an agency of the victim's team",
                "related id",
                lambda ctx: {"agencies": [ctx.v.agency_pk], "purpose": TYPED_TEXT, "valid_from": "2026-01-01"},
            ),
        ),
    ),
    "POST consent:maturity": Expect(data=lambda ctx: {"level": "mature", "reason": TYPED_TEXT}),
    "POST consent:record": Expect(
        fields={
            "party": "the victim guardian's id, with the victim's consent in the URL",
            "oral_to": "the victim guardian's id, with the victim's consent in the URL",
        },
        data=lambda ctx: {
            "party": ctx.v.guardian_pk,
            "oral_to": ctx.v.guardian_pk,
            "decision": "granted",
            "method": "paper",
        },
    ),
    "POST consent:staff_narrow": Expect(fields={"keep": URL_ONLY + " (pairs of the consent in the URL)"}),
    # --- meetings --------------------------------------------------------------------
    "POST meetings:call": Expect(
        fields={
            "agencies": "an agency of the victim's team, on the writer's case",
            "externals": "the victim's external contact id",
        },
        probes=(
            own(
                "the victim's external contact, an agency of the victim's team",
                "related id",
                lambda ctx: {
                    "purpose": TYPED_TEXT,
                    "day": "2030-01-01",
                    "start": "10:00",
                    "end": "11:00",
                    "place": "Rum 1",
                    "agencies": [ctx.v.agency_pk],
                    "externals": [ctx.v.external_pk],
                },
            ),
        ),
    ),
    "POST meetings:edit": Expect(data=lambda ctx: {"purpose": TYPED_TEXT}),
    "POST meetings:cancel": Expect(),
    "POST meetings:invite_more": Expect(
        fields={
            "agencies": URL_ONLY + " (the meeting's own case)",
            "externals": URL_ONLY + " (the meeting's own case)",
        },
        data=lambda ctx: {"externals": [ctx.v.external_pk]},
    ),
    "POST meetings:agenda_add": Expect(data=lambda ctx: {"title": TYPED_TEXT}),
    "POST meetings:agenda_remove": Expect(),
    "POST meetings:answer": Expect(data=lambda ctx: {"answer": "yes"}),
    "POST meetings:withdraw": Expect(),
    "POST meetings:preparation": Expect(
        fields={
            "submit": "not an identifier: a button",
            "what_we_see_category": REFERENCE + " (information categories, by code)",
            "what_we_contribute_category": REFERENCE + " (information categories, by code)",
            "our_questions_category": REFERENCE + " (information categories, by code)",
        },
        data=lambda ctx: {"what_we_see": TYPED_TEXT},
    ),
    "POST meetings:child_voice": Expect(data=lambda ctx: {"text": TYPED_TEXT}),
    "POST meetings:room_start": Expect(fields={"confirm": "not an identifier: the confirm step's flag"}),
    "POST meetings:room_goto": Expect(
        fields={"item": "the victim's agenda item uuid (raw POST), with the victim's meeting in the URL"},
        data=lambda ctx: {"item": ctx.v.agenda_uuid},
    ),
    "POST meetings:room_attendance": Expect(
        fields={
            "invitation": "the victim's invitation uuid (raw POST), with the victim's meeting in the URL",
            "attendance": "not an identifier: present or absent",
        },
        data=lambda ctx: {"invitation": ctx.v.invitation_uuid, "attendance": "present"},
    ),
    "POST meetings:room_note": Expect(data=lambda ctx: {"note-text": TYPED_TEXT}),
    "POST meetings:room_decision": Expect(
        fields={"decision-responsible_agency": URL_ONLY + " (agencies of the meeting's own case)"},
        data=lambda ctx: {"decision-text": TYPED_TEXT},
    ),
    "POST meetings:room_end": Expect(fields={"confirm": "not an identifier: the confirm step's flag"}),
    "POST meetings:minutes_share": Expect(),
    "POST meetings:minutes_reply": Expect(data=lambda ctx: {"text": TYPED_TEXT}),
    # --- notifications, insights, directory --------------------------------------------
    "POST notifications:mark_all_read": Expect(),
    "POST notifications:preferences": Expect(data=lambda ctx: {}),
    "POST notifications:unsubscribe": Expect(),
    "POST notifications:mark_read": Expect(),
    "POST insights:gap_create": Expect(
        fields={
            "agencies_concerned": "an agency of the victim's team (agencies are public)",
            "category": REFERENCE,
            "service_area": REFERENCE,
            "period": REFERENCE + " (reporting periods)",
        },
        probes=(
            own(
                "an agency of the victim's team",
                "related id",
                lambda ctx: {"description": TYPED_TEXT, "agencies_concerned": [ctx.v.agency_pk]},
            ),
        ),
    ),
    "POST directory:manage_create": Expect(
        fields={
            "email": "a guardian's e-mail as the entry's contact address",
            "needs": REFERENCE + " (need kinds)",
            "principal": REFERENCE + " (principals)",
            "municipalities": REFERENCE,
        },
        probes=(own("a guardian's e-mail", "e-mail", lambda ctx: {"name": TYPED_TEXT, "email": ctx.v.guardian_email}),),
    ),
    "POST directory:manage_edit": Expect(
        fields={
            "email": URL_ONLY + " (exercised on manage_create)",
            "needs": REFERENCE + " (need kinds)",
            "principal": REFERENCE + " (principals)",
            "municipalities": REFERENCE,
        },
    ),
    "POST directory:manage_publish": Expect(fields={"publicerad": "not an identifier: yes or no"}),
    "POST directory:link_action": Expect(
        fields={
            "stod": "not exercised: a published support entry (public catalogue); the victim's action is in the URL",
            "tillbaka": "not an identifier: a local URL to return to",
        }
    ),
    "POST directory:unlink_action": Expect(fields={"tillbaka": "not an identifier: a local URL to return to"}),
    # --- the API ---------------------------------------------------------------------
    "PUT case-plan": Expect(
        api=True,
        fields={"overall_principal": REFERENCE + " (principals)"},
        data=lambda ctx: {"support_needed": TYPED_TEXT},
    ),
    "POST mapping-entry-list": Expect(
        api=True,
        fields={"case": "the victim's collaboration uuid"},
        probes=(
            own(
                "the victim's collaboration uuid",
                "uuid",
                lambda ctx: {"case": ctx.v.case_uuid, "area": "school", "current_state": TYPED_TEXT},
            ),
        ),
    ),
    "PATCH mapping-entry-detail": Expect(
        api=True,
        fields={"case": "ignored on update (the entry's own case); the victim's entry goes in the URL"},
        data=lambda ctx: {"current_state": TYPED_TEXT, "case": ctx.v.case_uuid},
    ),
    "POST plan-action-list": Expect(
        api=True,
        fields={
            "case": "the victim's collaboration uuid",
            "goal": "the victim's goal uuid, on the writer's own case",
            "responsible_agency": "an agency of the victim's team (agencies are public)",
        },
        probes=(
            own(
                "the victim's collaboration uuid",
                "uuid",
                lambda ctx: {"case": ctx.v.case_uuid, "description": TYPED_TEXT, "due_date": "2030-01-01"},
            ),
            own(
                "the victim's goal uuid on the writer's case",
                "uuid",
                lambda ctx: {
                    "case": str(ctx.own_case.uuid),
                    "description": TYPED_TEXT,
                    "due_date": "2030-01-01",
                    "goal": ctx.v.goal_uuid,
                    "responsible_agency": ctx.v.agency_uuid,
                },
            ),
        ),
    ),
    "PATCH plan-action-detail": Expect(
        api=True,
        fields={
            "case": "not exercised: ignored on update; the victim's action goes in the URL",
            "goal": "the victim's goal uuid",
            "responsible_agency": "an agency of the victim's team",
        },
        data=lambda ctx: {"description": TYPED_TEXT, "goal": ctx.v.goal_uuid, "responsible_agency": ctx.v.agency_uuid},
    ),
    "POST consent-decisions": Expect(
        api=True,
        fields={
            "party": "the victim guardian's uuid (a CharField: not found by the discovery)",
            "oral_to": "the victim coordinator's membership id",
        },
        data=lambda ctx: {
            "party": ctx.v.guardian_uuid,
            "oral_to": ctx.v.membership_pk,
            "decision": "granted",
            "method": "oral",
        },
    ),
    "POST meeting-list": Expect(
        api=True,
        fields={
            "case": "the victim's collaboration uuid",
            "agencies": "an agency of the victim's team",
            "externals": "the victim's external contact uuid",
        },
        probes=(
            own(
                "the victim's collaboration uuid",
                "uuid",
                lambda ctx: {
                    "case": ctx.v.case_uuid,
                    "purpose": TYPED_TEXT,
                    "starts_at": "2030-01-01T10:00:00Z",
                    "ends_at": "2030-01-01T11:00:00Z",
                    "place": "Rum 1",
                },
            ),
            own(
                "the victim's external contact on the writer's case",
                "uuid",
                lambda ctx: {
                    "case": str(ctx.own_case.uuid),
                    "purpose": TYPED_TEXT,
                    "starts_at": "2030-01-01T10:00:00Z",
                    "ends_at": "2030-01-01T11:00:00Z",
                    "place": "Rum 1",
                    "agencies": [ctx.v.agency_uuid],
                    "externals": [ctx.v.external_uuid],
                },
            ),
        ),
    ),
    "POST meeting-agenda": Expect(api=True, data=lambda ctx: {"title": TYPED_TEXT}),
    "POST meeting-cancel": Expect(api=True),
    "POST meeting-reschedule": Expect(
        api=True,
        data=lambda ctx: {
            "purpose": TYPED_TEXT,
            "starts_at": "2030-01-01T10:00:00Z",
            "ends_at": "2030-01-01T11:00:00Z",
            "place": "Rum 1",
        },
    ),
    "POST meeting-invitation-answer": Expect(api=True, data=lambda ctx: {"answer": "yes"}),
    "POST meeting-preparation-list": Expect(
        api=True,
        fields={"meeting": "the victim's meeting uuid"},
        probes=(
            own(
                "the victim's meeting uuid",
                "uuid",
                lambda ctx: {"meeting": ctx.v.meeting_uuid, "what_we_see": TYPED_TEXT},
            ),
        ),
    ),
    "POST notification-read-all": Expect(api=True),
    "POST notification-read": Expect(api=True),
    # --- staff sign-in through the agency's own IdP (agencies/idp) ------------------------
    "POST idp:choose": Reason(
        "the typed e-mail only picks an agency by its domain (public); the answer never depends on whether "
        "anyone has that address (tests/staffidp/test_admin_settings.py checks it)"
    ),
    "POST idp:save": Reason("the admin's own agency's settings: no identifier of anyone (404 for everyone else)"),
    "POST idp:test": Reason("re-reads the admin's own agency's IdP: no identifier"),
    "POST idp:identity": Reason(
        "a membership uuid of the admin's own agency only (another agency's gives the same 'not in the agency' "
        "as a made-up one; tests/staffidp/test_admin_settings.py)"
    ),
}


def lookup(op_name: str) -> tuple[str, Expect | Reason] | None:
    """The entry for an operation: its exact name, else the longest "*" prefix matching
    the operation's route name (or the whole operation name)."""
    if op_name in TABLE:
        return op_name, TABLE[op_name]
    route = op_name.split(" ", 1)[1]
    best: tuple[str, Expect | Reason] | None = None
    for key, value in TABLE.items():
        matches = key.endswith("*") and (route.startswith(key[:-1]) or op_name.startswith(key[:-1]))
        if matches and (best is None or len(key) > len(best[0])):
            best = (key, value)
    return best
