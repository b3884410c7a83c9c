"""A county-scale data set for benchmarks (`manage.py seed_scale --children N`).

Sörmland is 9 municipalities and a region: about 60,000 children, 300 agencies, 10,000
staff, 20,000 collaborations and 2,000,000 access-log rows. Everything scales with N:
children N, collaborations N/3, agencies ≈ N/200, staff ≈ N/6, access-log rows ≈ 33·N.

Rows are written with bulk inserts in the system scope. The derived consent grants are
computed with the same pure rules the services use (`consent.rules`), not re-derived by
calling the services per case, so the full county loads in minutes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Membership, Principal
from cases.models import Case, Child, Guardian, Guardianship, PlanAction, TeamMember
from consent import rules
from consent.models import Consent, ConsentDecision, ConsentGrant, ConsentScope, InformationCategory
from consent.scoping import system_scope
from portal.models import AccessLogEntry, User

MUNICIPALITIES = [
    "Eskilstuna",
    "Nyköping",
    "Katrineholm",
    "Strängnäs",
    "Flen",
    "Oxelösund",
    "Gnesta",
    "Trosa",
    "Vingåker",
]
FIRST = [
    "Alva",
    "Elsa",
    "Maja",
    "Vera",
    "Alice",
    "Saga",
    "Noah",
    "William",
    "Hugo",
    "Liam",
    "Adam",
    "Omar",
    "Nora",
    "Ella",
    "Leo",
    "Oscar",
    "Ali",
    "Sara",
    "Ebba",
    "Melvin",
    "Ines",
    "Aya",
    "Milo",
    "Astrid",
]
LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Hassan",
    "Mohammed",
    "Lindberg",
    "Berg",
    "Ek",
    "Falk",
]
BENCH_PASSWORD = "Bench-losenord-2026"
BATCH = 5000


@dataclass
class ScaleReport:
    children: int
    counts: dict[str, int]
    seconds: float


def _bulk(model: Any, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _pnr(born: date, n: int) -> str:
    return f"{born:%Y%m%d}-{n % 10000:04d}"


def seed_scale(children: int, *, seed: int = 2026, log: Callable[[str], None] = print) -> ScaleReport:
    rng = random.Random(seed)
    started = time.monotonic()
    counts: dict[str, int] = {}
    now = timezone.now()
    today = timezone.localdate()
    password_hash = make_password(BENCH_PASSWORD)
    n_cases = max(children // 3, 1)
    n_agencies_per_muni = max(children // (200 * (len(MUNICIPALITIES) + 3)), 2)

    with system_scope(), transaction.atomic():
        categories = {c.code: c.pk for c in InformationCategory.objects.all()}
        region = Principal.objects.create(name=f"Region Skala {seed}", kind=Principal.Kind.REGION)
        principals = [
            Principal.objects.create(name=f"{m} skala {seed}", kind=Principal.Kind.MUNICIPALITY) for m in MUNICIPALITIES
        ]
        agencies: list[Agency] = []
        schools: list[Agency] = []
        socials: list[Agency] = []
        coordination: list[Agency] = []
        health: list[Agency] = []
        for p in principals:
            for i in range(n_agencies_per_muni):
                schools.append(Agency(principal=p, name=f"{p.name} skola {i + 1}", kind=Agency.Kind.SCHOOL))
            socials.append(Agency(principal=p, name=f"{p.name} socialtjänst", kind=Agency.Kind.SOCIAL))
            coordination.append(Agency(principal=p, name=f"{p.name} samordning", kind=Agency.Kind.COORDINATION))
        for i in range(max(n_agencies_per_muni * 3, 3)):
            kind = ["BUP", "Habilitering", "BVC"][i % 3]
            health.append(Agency(principal=region, name=f"{kind} {i + 1} skala {seed}", kind=Agency.Kind.HEALTHCARE))
        agencies = _bulk(Agency, schools + socials + coordination + health)
        counts["agencies"] = len(agencies)
        by_kind: dict[str, list[Agency]] = {}
        for a in agencies:
            by_kind.setdefault(a.kind, []).append(a)
        log(f"agencies: {len(agencies)}")

        # Staff: ~1 per 6 children, spread over agencies; one coordinator per ~20 cases.
        n_staff = max(children // 6, len(agencies) * 2)
        users = [
            User(
                email=f"bench.staff{i}.{seed}@bench.example",
                full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                password=password_hash,
            )
            for i in range(n_staff)
        ]
        users = _bulk(User, users)
        memberships: list[Membership] = []
        coordinators: list[Membership] = []
        non_coord = [a for a in agencies if a.kind != Agency.Kind.COORDINATION]
        n_coordinators = max(n_cases // 20, len(coordination))
        for i, user in enumerate(users):
            if i < n_coordinators:
                m = Membership(user=user, agency=coordination[i % len(coordination)], role=Membership.Role.COORDINATOR)
                coordinators.append(m)
            elif i < n_coordinators + len(agencies):
                m = Membership(user=user, agency=agencies[i - n_coordinators], role=Membership.Role.ADMIN)
            else:
                m = Membership(user=user, agency=non_coord[i % len(non_coord)], role=Membership.Role.STAFF)
            memberships.append(m)
        memberships = _bulk(Membership, memberships)
        counts["staff"] = len(memberships)
        staff_by_agency: dict[int, list[Membership]] = {}
        for m in memberships:
            staff_by_agency.setdefault(m.agency_id, []).append(m)
        _add_totp(users, log)
        log(f"staff: {len(memberships)}")

        # Children, guardians (joint custody for most), family accounts for some.
        child_rows = []
        for i in range(children):
            born = today - timedelta(days=rng.randint(365, 17 * 365))
            child_rows.append(
                Child(
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                    personal_number=_pnr(born, i),
                    date_of_birth=born,
                    registered_by_agency=rng.choice(schools),
                )
            )
        child_rows = _dedupe_pnr(child_rows)
        child_rows = _bulk(Child, child_rows)
        counts["children"] = len(child_rows)
        log(f"children: {len(child_rows)}")

        family_users = _bulk(
            User,
            [
                User(email=f"bench.family{i}.{seed}@bench.example", full_name="Vårdnadshavare", password="!")
                for i in range(n_cases)
            ],
        )
        guardians = []
        for i in range(n_cases * 2):
            born = today - timedelta(days=rng.randint(25 * 365, 55 * 365))
            guardians.append(
                Guardian(
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                    personal_number=_pnr(born, i),
                    email=f"g{i}.{seed}@bench.example",
                    registered_by_agency=rng.choice(schools),
                    user=family_users[i // 2] if i % 2 == 0 else None,
                    protected_identity=(i % 97 == 0),
                )
            )
        guardians = _bulk(Guardian, _dedupe_pnr(guardians))
        case_children = child_rows[:n_cases]
        _bulk(
            Guardianship,
            [Guardianship(child=c, guardian=guardians[2 * i], has_custody=True) for i, c in enumerate(case_children)]
            + [
                Guardianship(child=c, guardian=guardians[2 * i + 1], has_custody=(i % 10 != 0), lives_with_child=False)
                for i, c in enumerate(case_children)
            ],
        )
        log(f"guardians: {len(guardians)}")

        # Collaborations.
        cases = []
        for i, child in enumerate(case_children):
            coord = coordinators[i % len(coordinators)]
            owner = rng.choice(schools if child.date_of_birth < today - timedelta(days=6 * 365) else health)
            opened = now - timedelta(days=rng.randint(1, 700))
            closed = i % 6 == 0
            cases.append(
                Case(
                    child=child,
                    owner_agency=owner,
                    opened_by_id=staff_by_agency[owner.pk][0].user_id,
                    opened_at=opened,
                    need_description="Behov beskrivet av familjen.",
                    level=rng.choice(["light", "joint", "sip"]),
                    phase=rng.choice(["clarify", "plan", "carry_out"]) if not closed else "close",
                    status="closed" if closed else "open",
                    closed_at=opened + timedelta(days=200) if closed else None,
                    closure_reason="goals_met" if closed else "",
                    coordinator_id=coord.user_id,
                    coordinator_agency_id=coord.agency_id,
                    stress_at_start=rng.randint(5, 10),
                    stress_at_close=rng.randint(1, 7) if closed else None,
                    parent_back_to_work=(rng.random() < 0.5) if closed else None,
                    last_contact_at=now - timedelta(days=rng.randint(0, 60)),
                )
            )
        cases = _bulk(Case, cases)
        counts["cases"] = len(cases)
        log(f"cases: {len(cases)}")

        teams: dict[int, list[int]] = {}
        team_rows = []
        for case in cases:
            team = {
                case.owner_agency_id,
                case.coordinator_agency_id,
                rng.choice(by_kind["healthcare"]).pk,
                rng.choice(by_kind["social"]).pk,
            }
            teams[case.pk] = sorted(team)
            team_rows.extend(TeamMember(case=case, agency_id=a) for a in team)
        _bulk(TeamMember, team_rows)

        # Consents in every state, with decisions; grants computed by the pure rules.
        states = ["granted"] * 12 + ["pending", "refused", "revoked", "expired", "narrowed"]
        consents, scopes, decisions, grants = [], [], [], []
        consent_state = {}
        for i, case in enumerate(cases):
            state = states[i % len(states)]
            valid_from = today - timedelta(days=400 if state == "expired" else rng.randint(0, 200))
            consents.append(
                Consent(
                    case=case,
                    purpose="Samordna stödet.",
                    valid_from=valid_from,
                    valid_until=valid_from + timedelta(days=364),
                    created_by_agency_id=case.coordinator_agency_id,
                )
            )
            consent_state[case.pk] = state
        consents = _bulk(Consent, consents)
        cat_ids = list(categories.values())
        guardian_of = {
            c.pk: (guardians[2 * i].pk, guardians[2 * i + 1].pk, i % 10 != 0) for i, c in enumerate(case_children)
        }
        child_of = {case.pk: case_children[i] for i, case in enumerate(cases)}
        for consent in consents:
            case_pk = consent.case_id
            state = consent_state[case_pk]
            cats = [c for c in cat_ids if not (state == "narrowed" and c == categories["health"])]
            for agency_id in teams[case_pk]:
                scopes.extend(ConsentScope(consent=consent, agency_id=agency_id, category_id=c) for c in cats)
            g1, g2, g2_custody = guardian_of[child_of[case_pk].pk]
            party_decisions: dict[str, str] = {}
            decisions.append(ConsentDecision(consent=consent, guardian_id=g1, decision="granted", method="paper"))
            party_decisions[f"g:{g1}"] = "granted"
            if g2_custody and state != "pending":
                d = {"refused": "refused", "revoked": "revoked"}.get(state, "granted")
                decisions.append(ConsentDecision(consent=consent, guardian_id=g2, decision=d, method="paper"))
                party_decisions[f"g:{g2}"] = d
            child = child_of[case_pk]
            if child.age_on(today) >= 12:
                decisions.append(
                    ConsentDecision(consent=consent, is_child=True, decision="granted", method="oral", oral_to_id=None)
                )
                party_decisions["child"] = "granted"
            custodial = frozenset([g1] + ([g2] if g2_custody else []))
            bands = rules.bands(born=child.date_of_birth, asked_age=12, decides_age=15, assessment=None)
            periods = rules.effective_periods(
                valid_from=consent.valid_from,
                valid_until=consent.valid_until,
                decisions=party_decisions,
                custodial_guardian_ids=custodial,
                band_list=bands,
            )
            for agency_id in teams[case_pk]:
                for c in cats:
                    for lo, hi in periods:
                        grants.append(
                            ConsentGrant(
                                case_id=case_pk,
                                agency_id=agency_id,
                                category_id=c,
                                consent=consent,
                                starts_at=lo,
                                ends_at=hi,
                            )
                        )
        # Oral decisions need a named staff member: use the case coordinator's membership.
        coord_membership = {m.user_id: m.pk for m in coordinators}
        case_coord = {case.pk: coord_membership.get(case.coordinator_id) for case in cases}
        for d in decisions:
            if d.method == "oral":
                d.oral_to_id = case_coord[d.consent.case_id]
        closed_ids = {c.pk for c in cases if c.status == "closed"}
        grants = [g for g in grants if g.case_id not in closed_ids]
        _bulk(ConsentScope, scopes)
        _bulk(ConsentDecision, decisions)
        _bulk(ConsentGrant, grants)
        counts.update(consents=len(consents), decisions=len(decisions), grants=len(grants))
        log(f"consents: {len(consents)}, grants: {len(grants)}")

        # Plan actions: a few per open case, some overdue.
        actions = []
        for case in cases:
            for k in range(rng.randint(1, 4)):
                due = today + timedelta(days=rng.randint(-60, 120))
                done = rng.random() < 0.4
                actions.append(
                    PlanAction(
                        case=case,
                        author_agency_id=case.coordinator_agency_id,
                        description=f"Insats {k + 1}",
                        responsible_agency_id=rng.choice(teams[case.pk]),
                        due_date=due,
                        status="done" if done else rng.choice(["planned", "in_progress"]),
                        completed_at=now if done else None,
                    )
                )
        _bulk(PlanAction, actions)
        counts["plan_actions"] = len(actions)
        log(f"plan actions: {len(actions)}")

        for extra in _extra_seeders():
            counts.update(extra(rng=rng, cases=cases, teams=teams, memberships=memberships, now=now, log=log))

    # The access log is large: insert it outside the big transaction, in batches.
    counts["access_log"] = _seed_access_log(rng, cases, teams, staff_by_agency, children * 33, now, log)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return ScaleReport(children=children, counts=counts, seconds=time.monotonic() - started)


def _dedupe_pnr(rows: list[Any]) -> list[Any]:
    seen: set[str] = set()
    for i, row in enumerate(rows):
        pnr = row.personal_number
        serial = i
        while pnr in seen:
            serial += 7919
            pnr = f"{pnr[:8]}-{serial % 10000:04d}"
            if pnr in seen:
                pnr = f"{int(pnr[:8]) + 1:08d}-{serial % 10000:04d}"
        row.personal_number = pnr
        seen.add(pnr)
    return rows


def _add_totp(users: list[User], log: Callable[[str], None]) -> None:
    """Bench users skip interactive sign-in (sessions are made directly); they still need
    an authenticator row so the second-factor middleware lets them through."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    secret = encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    Authenticator.objects.bulk_create(
        [Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": secret}) for u in users], batch_size=BATCH
    )


def _extra_seeders() -> Iterable[Callable[..., dict[str, int]]]:
    """Other apps add their county-scale rows in `<app>/scale.py` `seed(...)`."""
    from importlib import import_module

    for name in ("meetings", "notifications", "insights", "directory"):
        try:
            module = import_module(f"{name}.scale")
        except ModuleNotFoundError:
            continue
        yield module.seed


def _seed_access_log(
    rng: random.Random,
    cases: list[Case],
    teams: dict[int, list[int]],
    staff_by_agency: dict[int, list[Membership]],
    total: int,
    now: datetime,
    log: Callable[[str], None],
) -> int:
    written = 0
    object_types = ["cases.Case", "cases.SharedItem", "cases.PlanAction", "meetings.Meeting"]
    with system_scope():
        while written < total:
            batch = []
            for _ in range(min(20_000, total - written)):
                case = cases[rng.randrange(len(cases))]
                agency_id = rng.choice(teams[case.pk])
                staff = staff_by_agency.get(agency_id) or [None]
                m = rng.choice(staff)
                batch.append(
                    AccessLogEntry(
                        at=now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
                        actor_id=m.user_id if m else None,
                        actor_name="Personal",
                        agency_id=agency_id,
                        agency_name="",
                        role=m.role if m else "",
                        child_id=case.child_id,
                        case_id=case.pk,
                        object_type=rng.choice(object_types),
                        object_id=str(case.uuid),
                        action="view",
                        basis="consent" if agency_id != case.owner_agency_id else "own",
                        chain=f"agency:{agency_id}",
                    )
                )
            AccessLogEntry.objects.bulk_create(batch, batch_size=BATCH)
            written += len(batch)
            if written % 200_000 < 20_000:
                log(f"access log: {written}/{total}")
    return written
