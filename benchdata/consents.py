"""The county's consents: a series per collaboration in a drawn state, the parties'
decisions, and the grant index derived from them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agencies.models import Agency
from benchdata.bulk import insert
from benchdata.county import CaseFacts, County
from consent import rules
from consent.models import (
    Consent,
    ConsentDecision,
    ConsentGrant,
    ConsentScope,
    MaturityAssessment,
)
from portal.models import AuditEvent

# What each kind of recipient agency is asked to see (the coordinating agency: everything).
CATEGORIES_FOR: dict[str, list[str]] = {
    Agency.Kind.SCHOOL: ["basic", "family", "school", "plan", "minutes", "preparations"],
    Agency.Kind.HEALTHCARE: ["basic", "family", "health", "plan", "minutes", "preparations"],
    Agency.Kind.SOCIAL: ["basic", "family", "social", "plan", "minutes", "preparations"],
}
# Consent states over the collaborations (weights out of 100).
STATES = [
    ("granted", 58),
    ("pending", 8),
    ("refused", 5),
    ("revoked", 6),
    ("expired", 6),
    ("narrowed", 8),
    ("child_refused", 3),
    ("later", 2),
    ("expiring", 4),
]


def _pick_state(county: County) -> str:
    roll = county.rng.randrange(100)
    for state, weight in STATES:
        if roll < weight:
            return state
        roll -= weight
    return "granted"


def _consents(county: County) -> None:
    """A consent series per collaboration (a second one, waiting, for one in eight), in a
    state drawn from STATES; decisions as the parties would have given them; then the
    grant index exactly as `consent.services.grants_rebuild` derives it."""
    rng, now, today = county.rng, county.now, county.today
    cats = county.categories
    assessments: list[MaturityAssessment] = []
    assessed: dict[int, str] = {}
    for case in county.cases:
        if case.id % 53 == 0:  # a staff maturity assessment, now and then
            level = rng.choice(MaturityAssessment.Level.values)
            assessed[case.child_id] = level
            assessments.append(
                MaturityAssessment(
                    child_id=case.child_id,
                    level=level,
                    reason="Bedömning efter samtal med barnet.",
                    recorded_by_id=case.coordinator_id,
                    recorded_by_agency_id=case.coordinator_agency_id,
                    recorded_at=case.opened_at + timedelta(days=5),
                )
            )
    insert(MaturityAssessment, assessments)

    consents: list[Consent] = []
    plans: list[tuple[CaseFacts, Consent, str, list[tuple[int, int]], list[tuple[int, int]] | None]] = []
    for case in county.cases:
        state = _pick_state(county)
        pairs: list[tuple[int, int]] = []
        for agency_id in case.team:
            kind = county.agency_kind[agency_id]
            codes = list(cats) if kind == Agency.Kind.COORDINATION else CATEGORIES_FOR[kind]
            pairs.extend((agency_id, cats[code]) for code in codes)
        start = max(case.opened_at.date(), today - timedelta(days=300))
        if state == "expired":
            start = today - timedelta(days=rng.randint(380, 500))
        elif state == "later":
            start = today + timedelta(days=rng.randint(3, 20))
        until = start + timedelta(days=364)
        if state == "expiring":
            start = today - timedelta(days=340)
            until = today + timedelta(days=rng.randint(2, 25))
        first = Consent(
            case_id=case.id,
            purpose="Att skola, vård och socialtjänst ska kunna planera stödet tillsammans.",
            valid_from=start,
            valid_until=until,
            created_by_id=case.coordinator_id,
            created_by_agency_id=case.coordinator_agency_id,
            created_at=now - timedelta(days=max((today - start).days, 1)),
        )
        consents.append(first)
        narrowed_pairs = None
        if state == "narrowed":
            # A guardian said: the schools may not see health information.
            schools = {a for a in case.team if county.agency_kind[a] == Agency.Kind.SCHOOL}
            narrowed_pairs = [p for p in pairs if not (p[0] in schools and p[1] == cats["health"])]
            if len(narrowed_pairs) == len(pairs):
                narrowed_pairs = [
                    p for p in pairs if not (p[0] != case.coordinator_agency_id and p[1] == cats["health"])
                ]
        plans.append((case, first, state, pairs, narrowed_pairs))
        if case.id % 8 == 0:  # a second request, for one more category, not answered yet
            extra = Consent(
                case_id=case.id,
                purpose="Att BUP ska kunna se skolsituationen.",
                valid_from=today,
                valid_until=today + timedelta(days=364),
                created_by_id=case.coordinator_id,
                created_by_agency_id=case.coordinator_agency_id,
                created_at=now - timedelta(days=1),
            )
            consents.append(extra)
            pairs2 = [(a, cats["school"]) for a in case.team if county.agency_kind[a] == Agency.Kind.HEALTHCARE]
            plans.append((case, extra, "pending", pairs2 or pairs[:1], None))
    insert(Consent, consents)

    versions: list[Consent] = []  # v2 of narrowed consents
    for case, consent, _state, _pairs, narrowed in plans:
        if narrowed is not None:
            versions.append(
                Consent(
                    series=consent.series,
                    version=2,
                    case_id=case.id,
                    purpose=consent.purpose,
                    valid_from=consent.valid_from,
                    valid_until=consent.valid_until,
                    created_by_id=case.coordinator_id,
                    created_by_agency_id=case.coordinator_agency_id,
                    created_at=now - timedelta(days=rng.randint(1, 40)),
                    change_note="Begränsat",
                )
            )
    insert(Consent, versions)
    v2 = {c.series: c for c in versions}

    scopes: list[ConsentScope] = []
    decisions: list[ConsentDecision] = []
    in_force: dict[int, list[tuple[Consent, list[tuple[int, int]], dict[str, str]]]] = {}
    for case, consent, state, pairs, narrowed in plans:
        scopes.extend(ConsentScope(consent_id=consent.pk, agency_id=a, category_id=c) for a, c in pairs)
        answers = _decide(county, case, consent, state, assessed.get(case.child_id), decisions)
        current, current_pairs = consent, pairs
        if narrowed is not None:
            current, current_pairs = v2[consent.series], narrowed
            scopes.extend(ConsentScope(consent_id=current.pk, agency_id=a, category_id=c) for a, c in narrowed)
            for key, decision in answers.items():
                decisions.append(
                    ConsentDecision(
                        consent_id=current.pk,
                        guardian_id=None if key == rules.CHILD_PARTY else int(key[2:]),
                        is_child=key == rules.CHILD_PARTY,
                        decision=decision,
                        method=ConsentDecision.Method.CARRIED,
                        recorded_by_id=case.coordinator_id,
                        decided_at=current.created_at,
                        note="v1",
                    )
                )
        in_force.setdefault(case.id, []).append((current, current_pairs, answers))
        county.consents.setdefault(case.id, []).append(
            (current.pk, current.uuid, current.series, current.version, current.valid_until)
        )
    insert(ConsentScope, scopes)
    insert(ConsentDecision, decisions)

    grants = _grants(county, in_force, assessed)
    insert(ConsentGrant, grants)
    # The hourly expiry job has seen the consents that ran out (steady state).
    expired = [
        AuditEvent(
            at=now - timedelta(days=1),
            action="consent.expired",
            case_id=case_id,
            object_type="consent.Consent",
            object_id=str(uuid),
            data={"version": version},
        )
        for case_id, rows in county.consents.items()
        for _pk, uuid, _series, version, until in rows
        if until < today
    ]
    insert(AuditEvent, expired)
    county.counts.update(
        consents=len(consents) + len(versions),
        consent_scopes=len(scopes),
        consent_decisions=len(decisions),
        consent_grants=len(grants),
        maturity_assessments=len(assessments),
    )


def _decide(
    county: County,
    case: CaseFacts,
    consent: Consent,
    state: str,
    assessment: str | None,
    out: list[ConsentDecision],
) -> dict[str, str]:
    """Append the parties' decisions for `state`; return each party's newest decision."""
    rng = county.rng
    guardians = county.custodians.get(case.child_id, [])
    band_list = rules.bands(born=county.child_born[case.child_id], asked_age=12, decides_age=15, assessment=assessment)
    level = rules.level_at(county.now, band_list)
    who = rules.parties(level, frozenset(guardians))
    required = sorted(who.required)
    if state == "child_refused" and level != rules.JOINT:
        state = "refused"
    answers: dict[str, str] = {}
    day = consent.created_at

    def add(key: str, decision: str, when: Any) -> None:
        oral = rng.random() < 0.15
        portal = key != rules.CHILD_PARTY and county.guardian_user.get(int(key[2:])) and rng.random() < 0.5
        method = (
            ConsentDecision.Method.PORTAL
            if portal
            else ConsentDecision.Method.ORAL
            if oral
            else ConsentDecision.Method.PAPER
        )
        out.append(
            ConsentDecision(
                consent_id=consent.pk,
                guardian_id=None if key == rules.CHILD_PARTY else int(key[2:]),
                is_child=key == rules.CHILD_PARTY,
                decision=decision,
                method=method,
                oral_to_id=county.coordinator_membership[case.coordinator_id].pk if method == "oral" else None,
                recorded_by_id=None if method == "portal" else case.coordinator_id,
                decided_at=when,
            )
        )
        answers[key] = decision

    asked = level == rules.JOINT and rng.random() < 0.6
    for n, key in enumerate(required):
        when = day + timedelta(hours=4 + n)
        if state == "pending" and n == len(required) - 1:
            break
        if state == "refused" and n == len(required) - 1:
            add(key, rules.REFUSED, when)
            break
        add(key, rules.GRANTED, when)
    if level == rules.JOINT and state == "child_refused":
        add(rules.CHILD_PARTY, rules.REFUSED, day + timedelta(days=1))
    elif asked and state != "pending":
        add(rules.CHILD_PARTY, rules.GRANTED, day + timedelta(days=1))
    if state == "revoked" and required:
        add(required[-1], rules.REVOKED, county.now - timedelta(days=rng.randint(1, 60)))
    return answers


def _grants(
    county: County,
    in_force: dict[int, list[tuple[Consent, list[tuple[int, int]], dict[str, str]]]],
    assessed: dict[int, str],
) -> list[ConsentGrant]:
    """`grants_rebuild` for every case, from the rows above (no queries)."""
    code_of = {pk: code for code, pk in county.categories.items()}
    grants: list[ConsentGrant] = []
    for case in county.cases:
        access: dict[int, set[str]] = {}
        county.access[case.id] = access
        if not case.is_open:
            continue
        band_list = rules.bands(
            born=county.child_born[case.child_id], asked_age=12, decides_age=15, assessment=assessed.get(case.child_id)
        )
        guardians = frozenset(county.custodians.get(case.child_id, []))
        for consent, pairs, answers in in_force.get(case.id, []):
            periods = rules.effective_periods(
                valid_from=consent.valid_from,
                valid_until=consent.valid_until,
                decisions=answers,
                custodial_guardian_ids=guardians,
                band_list=band_list,
            )
            for agency_id, category_id in pairs:
                for starts, ends in periods:
                    grants.append(
                        ConsentGrant(
                            case_id=case.id,
                            agency_id=agency_id,
                            category_id=category_id,
                            consent_id=consent.pk,
                            starts_at=starts,
                            ends_at=ends,
                        )
                    )
                    if starts <= county.now < ends:
                        access.setdefault(agency_id, set()).add(code_of[category_id])
            if rules.REVOKED in answers.values():
                county.lost.setdefault(case.id, set()).update(a for a, _c in pairs)
    return grants
