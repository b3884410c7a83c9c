"""consent/: family pages, staff pages and the API."""

from tests.security.matrix import (
    GUARDIANS,
    STAFF_ROLES,
    by_kind,
    case_object,
    entry,
    family_page,
    grants,
    manages,
    sees_case,
    when,
)

A_RECIPIENTS = {"coordination", "health"}  # the agencies consent A names


def exists(state: str) -> bool:
    return state != "none"


def open_for_answers(state: str) -> bool:
    return state not in {"none", "expired"}


def answer_of(role: str, state: str) -> str | None:
    """The guardian's newest answer on consent A in this state."""
    if state == "none":
        return None
    if role == "other_guardian" and state == "refused":
        return "refused"
    if role == "other_guardian" and state == "revoked":
        return "revoked"
    return "granted"


def recipient_sees(role: str, state: str) -> bool:
    from tests.security.matrix import AGENCY

    if role not in STAFF_ROLES or not exists(state):
        return False
    if manages(role):
        return True
    return AGENCY[role] in A_RECIPIENTS and sees_case(role, state)


def revoke_page(role: str, state: str) -> int:
    """The confirmation page for a guardian whose answer is "granted"; a guardian with
    nothing to revoke is sent back to the consent."""
    if role == "anonymous":
        return 302
    if role in GUARDIANS and exists(state):
        return 200 if answer_of(role, state) == "granted" else 302
    return 404


_CONSENT = {"uuid": lambda w, foreign: w.uuid_of("consent", foreign)}

guardian_of_a = lambda r, s: r in GUARDIANS and exists(s)  # noqa: E731
manager_of_a = lambda r, s: manages(r) and exists(s)  # noqa: E731
manager = lambda r, s: manages(r)  # noqa: E731

TABLE = {
    "consent:family": entry(family_page()),
    "consent:family_detail": entry(when(guardian_of_a)),
    "consent:family_answer": entry(
        by_kind(staff=404, family=405, anonymous=302),
        post=when(guardian_of_a, 302),
        data={"decision": "refused"},
    ),
    "consent:family_revoke": entry(revoke_page, post=when(guardian_of_a, 302)),
    "consent:family_narrow": entry(
        when(lambda r, s: r in GUARDIANS and open_for_answers(s)),
        post=when(lambda r, s: r in GUARDIANS and open_for_answers(s), 400),
    ),
    "consent:family_confirm": entry(when(lambda r, s: False)),
    "consent:case": entry(case_object(staff_only=True)),
    "consent:request": entry(when(manager), post=when(manager, 400)),
    "consent:maturity": entry(when(manager), post=when(manager, 400)),
    "consent:staff_detail": entry(when(recipient_sees)),
    "consent:record": entry(
        lambda r, s: 302 if r == "anonymous" else (200 if open_for_answers(s) else 302) if manager_of_a(r, s) else 404,
        post=lambda r, s: (
            302 if r == "anonymous" else (400 if open_for_answers(s) else 302) if manager_of_a(r, s) else 404
        ),
    ),
    "consent:staff_narrow": entry(
        lambda r, s: 302 if r == "anonymous" else (200 if open_for_answers(s) else 302) if manager_of_a(r, s) else 404,
        post=lambda r, s: (
            302 if r == "anonymous" else (400 if open_for_answers(s) else 302) if manager_of_a(r, s) else 404
        ),
    ),
    "consent:history": entry(when(manager_of_a)),
    # API: the same policy; signed-out callers get 401, family members cannot record.
    "consent-list": entry(by_kind(staff=200, family=200, anonymous=401), api=True),
    "consent-detail": entry(
        when(lambda r, s: recipient_sees(r, s) or guardian_of_a(r, s), anonymous=401), kwargs=_CONSENT, api=True
    ),
    "consent-decisions": entry(
        by_kind(staff=405, family=405, anonymous=401),
        post=lambda r, s: (
            401
            if r == "anonymous"
            else 403
            if r not in STAFF_ROLES
            else (400 if manager_of_a(r, s) else 403 if recipient_sees(r, s) else 404)
        ),
        kwargs=_CONSENT,
        api=True,
    ),
}

_ = grants  # the model functions are re-exported for tables that need them
