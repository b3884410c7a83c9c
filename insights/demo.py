"""Demo data of the improvement work (called by web.demo.seed inside system scope).

Adds, idempotently:
* the municipal management user `ledning@demo.samverkan.se` (Helena Lund) of
  "Kommunledningskontoret Eskilstuna" (an agency of kind "other"), with a management role
  for Eskilstuna kommun — password and TOTP as all demo staff;
* systemic gaps recorded by Samordningsenheten Barnets bästa over last year and this: some
  categories with five or more a quarter, others fewer, so the report shows both figures
  and suppression;
* up to 62 *closed* collaborations owned by Eskilstuna agencies, opened from January last
  year on (one every ten days, as far as there is room to close them by now), with team,
  held meetings, plan actions and family-reported outcomes, so that the follow-up
  statistics are meaningful. They are written directly (back-dated, which the services
  rightly refuse to do) and are all closed, so they stay out of everyone's open lists.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Membership, Principal
from insights.models import GapAgency, GapCategory, ManagementRole, ServiceArea, SystemGap
from insights.periods import STOCKHOLM
from portal.demo import DEMO_DOMAIN, DEMO_PASSWORD, _ensure_totp, staff_email
from portal.models import User

MANAGEMENT_AGENCY = "Kommunledningskontoret Eskilstuna"

# (year: 0 = last year, 1 = this year, quarter) -> {category code: count}
GAPS: dict[tuple[int, int], dict[str, int]] = {
    (0, 1): {"waiting-time": 6, "failed-handover": 2, "missing-service": 3, "information-missing": 1, "other": 1},
    (0, 2): {
        "waiting-time": 7,
        "failed-handover": 5,
        "missing-service": 2,
        "information-missing": 2,
        "blocking-rules": 1,
    },
    (0, 3): {
        "waiting-time": 5,
        "failed-handover": 3,
        "missing-service": 5,
        "information-missing": 1,
        "blocking-rules": 2,
    },
    (0, 4): {
        "waiting-time": 8,
        "failed-handover": 5,
        "missing-service": 4,
        "information-missing": 3,
        "blocking-rules": 1,
        "other": 1,
    },
    (1, 1): {
        "waiting-time": 7,
        "failed-handover": 5,
        "missing-service": 4,
        "information-missing": 2,
        "blocking-rules": 1,
    },
    (1, 2): {
        "waiting-time": 9,
        "failed-handover": 3,
        "missing-service": 6,
        "information-missing": 1,
        "blocking-rules": 2,
        "other": 1,
    },
    (1, 3): {"waiting-time": 6, "failed-handover": 6, "missing-service": 3, "information-missing": 3, "other": 1},
    (1, 4): {
        "waiting-time": 5,
        "failed-handover": 2,
        "missing-service": 2,
        "information-missing": 1,
        "blocking-rules": 1,
    },
}

# category -> [(service area code, agency key or None, description)], used in turn
GAP_TEXTS: dict[str, list[tuple[str, str | None, str]]] = {
    "waiting-time": [
        (
            "child-psychiatry",
            "bup",
            "Väntetiden till neuropsykiatrisk utredning på BUP var över ett år. Skolan "
            "väntade på utredningen innan anpassningar sattes in.",
        ),
        (
            "child-psychiatry",
            "bup",
            "Lång väntan på första besök hos BUP efter remiss från elevhälsan, trots att "
            "remissen bedömdes som brådskande.",
        ),
        ("habilitation", "hab", "Väntetid på flera månader till inskrivning på habiliteringen efter diagnos."),
        ("lss", None, "Beslut om korttidsvistelse dröjde fyra månader på grund av handläggarbrist."),
    ],
    "failed-handover": [
        (
            "school",
            None,
            "Överlämningen mellan förskoleklass och årskurs 1 innehöll inte de anpassningar som redan fungerade.",
        ),
        ("social-services", "soc", "Ärendet bytte handläggare två gånger och familjen fick berätta allt från början."),
        ("child-psychiatry", "bup", "Vid 18 år avslutades kontakten på BUP utan att vuxenpsykiatrin tagit över."),
    ],
    "missing-service": [
        ("lss", None, "Det finns inget korttidsboende som tar emot barn med stora medicinska behov i kommunen."),
        ("social-services", None, "Föräldrastöd för föräldrar till tonåringar med adhd saknas på kvällstid."),
        ("leisure", None, "Anpassad fritidsverksamhet saknas för barn 13–16 år med autism."),
    ],
    "information-missing": [
        ("social-insurance", None, "Familjen kände inte till omvårdnadsbidraget och ingen verksamhet informerade."),
        ("primary-care", None, "Information om var man söker stöd efter diagnos fanns bara på svenska."),
    ],
    "blocking-rules": [
        ("social-insurance", None, "Krav på läkarutlåtande för omvårdnadsbidrag försenade ansökan i månader."),
        ("lss", None, "Gränsdragningen mellan LSS och socialtjänstlagen gjorde att ingen tog ansvar för avlastning."),
    ],
    "other": [
        ("leisure", None, "Skolskjuts och fritidsaktivitet gick inte att kombinera för barn med anpassad skolgång."),
    ],
}

FIRST_NAMES = [
    "Alice",
    "Liam",
    "Maja",
    "Hugo",
    "Ella",
    "William",
    "Wilma",
    "Oscar",
    "Saga",
    "Lucas",
    "Astrid",
    "Elias",
    "Olivia",
    "Noel",
    "Vera",
    "Adam",
    "Alma",
    "Leo",
    "Stella",
    "Nils",
    "Selma",
    "Viktor",
    "Ebba",
    "Isak",
]
LAST_NAMES = [
    "Lindqvist",
    "Berglund",
    "Sandberg",
    "Forsberg",
    "Nyström",
    "Holmberg",
    "Lundgren",
    "Eriksson",
    "Åberg",
    "Hedlund",
    "Sjöberg",
    "Wikström",
    "Engström",
    "Danielsson",
    "Bergström",
    "Lindholm",
]
CLOSURE_REASONS = ["goals_met"] * 6 + ["not_needed"] * 3 + ["family_ended"] * 2 + ["moved", "other_support"]
NEEDS = [
    "Familjen behöver hjälp att samordna kontakterna med skola, BUP och habilitering.",
    "Barnet går inte till skolan och föräldrarna orkar inte längre.",
    "Väntar på utredning och behöver stöd i skolan under tiden.",
    "Föräldern är sjukskriven och behöver avlastning och stöd i kontakterna.",
]


def _management_user(agencies: dict[str, Agency]) -> tuple[User, Agency]:
    eskilstuna = Principal.objects.get(name="Eskilstuna kommun")
    agency, _created = Agency.objects.get_or_create(
        principal=eskilstuna,
        name=MANAGEMENT_AGENCY,
        defaults={"kind": Agency.Kind.OTHER, "email": f"ledning@{DEMO_DOMAIN}"},
    )
    email = staff_email("ledning")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password=DEMO_PASSWORD, full_name="Helena Lund")
    _ensure_totp(user)
    Membership.objects.get_or_create(
        user=user, agency=agency, defaults={"role": Membership.Role.STAFF, "title": "Utvecklingsstrateg"}
    )
    ManagementRole.objects.get_or_create(user=user, principal=eskilstuna)
    return user, agency


def _gaps(agencies: dict[str, Agency]) -> int:
    recorder = agencies["samordning"]
    if SystemGap.objects.filter(recorded_by_agency=recorder).exists():
        return 0
    categories = {c.code: c for c in GapCategory.objects.all()}
    services = {s.code: s for s in ServiceArea.objects.all()}
    now = timezone.localtime(timezone.now(), STOCKHOLM)
    turn: dict[str, int] = {}
    created = 0
    for (offset, quarter), per_category in GAPS.items():
        year = now.year - 1 + offset
        months = [m for m in range(3 * quarter - 2, 3 * quarter + 1) if (year, m) <= (now.year, now.month)]
        if not months:
            continue
        for code, count in per_category.items():
            for i in range(count):
                texts = GAP_TEXTS[code]
                service_code, agency_key, text = texts[turn.get(code, 0) % len(texts)]
                turn[code] = turn.get(code, 0) + 1
                gap = SystemGap.objects.create(
                    principal=recorder.principal,
                    recorded_by_agency=recorder,
                    category=categories[code],
                    service_area=services[service_code],
                    description=text,
                    year=year,
                    month=months[i % len(months)],
                )
                if agency_key:
                    GapAgency.objects.create(gap=gap, agency=agencies[agency_key])
                created += 1
    return created


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=STOCKHOLM)


def _collaborations(agencies: dict[str, Agency], users: dict[str, User]) -> int:
    """Closed historical collaborations for the follow-up statistics (see module doc)."""
    from cases.models import Case, Child, PlanAction, TeamMember
    from meetings.models import Meeting

    rng = random.Random(2026)  # deterministic: the demo looks the same every time
    today = timezone.localdate()
    owners = ["skola", "soc", "samordning", "skola", "soc"]
    team_pool = ["skola", "soc", "bup", "hab", "bvc", "samordning"]
    starts = [date(today.year - 1, 1, 8) + timedelta(days=int(i * 10.5)) for i in range(62)]
    created = 0
    for i, opened in enumerate(starts):
        born = date(2010 + i % 10, 1 + i % 12, 1 + (i * 7) % 28)
        personal_number = f"{born:%Y%m%d}-97{i:02d}"
        if Child.objects.filter(personal_number=personal_number).exists():
            continue
        owner = agencies[owners[i % len(owners)]]
        # Short collaborations late in the period, so every one is closed by now.
        room = (today - opened).days - 10
        if room < 20:
            break
        duration = min(rng.choice([40, 55, 70, 90, 110, 130, 160, 200, 260, 330]), room)
        closed = opened + timedelta(days=duration)
        child = Child.objects.create(
            first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(i * 5) % len(LAST_NAMES)],
            personal_number=personal_number,
            date_of_birth=born,
            registered_by_agency=owner,
        )
        stress_start = rng.choice([6, 7, 7, 8, 8, 9, 9, 10])
        stress_close = max(1, stress_start - rng.choice([-1, 0, 1, 2, 2, 3, 3, 4, 5]))
        back_to_work = rng.choice([True, True, True, False, False, None])
        case = Case.objects.create(
            child=child,
            owner_agency=owner,
            opened_by=users["rektor"] if owner.kind == Agency.Kind.SCHOOL else users["samordnare2"],
            opened_at=_at(opened),
            need_description=NEEDS[i % len(NEEDS)],
            level=rng.choice([Case.Level.JOINT, Case.Level.SIP, Case.Level.SIP]),
            phase=Case.Phase.CLOSE,
            status=Case.Status.CLOSED,
            coordinator=users["samordnare2"],
            coordinator_agency=agencies["samordning"],
            closed_at=_at(closed, 15),
            closure_reason=rng.choice(CLOSURE_REASONS) if i % 9 else "",
            stress_at_start=stress_start if i % 7 else None,
            stress_at_close=stress_close if i % 7 else None,
            parent_back_to_work=back_to_work,
        )
        team = {owner.pk: owner, agencies["samordning"].pk: agencies["samordning"]}
        for key in rng.sample(team_pool, rng.choice([1, 2, 2, 3, 3, 4])):
            team[agencies[key].pk] = agencies[key]
        TeamMember.objects.bulk_create([TeamMember(case=case, agency=a, added_at=_at(opened)) for a in team.values()])
        first_gap = rng.choice([6, 10, 13, 18, 24, 29, 35, 45, 70])
        meetings = []
        day = opened + timedelta(days=min(first_gap, max(duration - 5, 1)))
        for _m in range(rng.choice([1, 2, 3, 3, 4, 5, 7])):
            if day >= closed:
                break
            meetings.append(
                Meeting(
                    case=case,
                    author_agency=agencies["samordning"],
                    purpose="Gemensamt möte om stödet",
                    starts_at=_at(day, 13),
                    ends_at=_at(day, 14),
                    status=Meeting.Status.HELD,
                    ical_uid=f"demo-followup-{i}-{_m}@samverkansportalen",
                )
            )
            day += timedelta(days=rng.choice([21, 30, 42, 60]))
        Meeting.objects.bulk_create(meetings)
        actions = []
        for a in range(rng.choice([2, 3, 3, 4])):
            due = opened + timedelta(days=min(30 + 40 * a, max(duration - 1, 1)))
            outcome = rng.choice(["on_time", "on_time", "on_time", "late", "late", "cancelled"])
            completed = None
            status = PlanAction.Status.DONE
            if outcome == "on_time":
                completed = _at(due - timedelta(days=rng.choice([0, 2, 5])), 12)
            elif outcome == "late":
                completed = _at(due + timedelta(days=rng.choice([3, 10, 25])), 12)
            else:
                status = PlanAction.Status.CANCELLED
            actions.append(
                PlanAction(
                    case=case,
                    author_agency=agencies["samordning"],
                    created_at=_at(opened),
                    description=f"Insats {a + 1} i den gemensamma planen",
                    responsible_agency=agencies[rng.choice(team_pool)],
                    due_date=due,
                    status=status,
                    completed_at=completed,
                )
            )
        PlanAction.objects.bulk_create(actions)
        created += 1
    return created


def seed(world: dict[str, Any]) -> dict[str, Any]:
    agencies, users = world["agencies"], world["users"]
    user, agency = _management_user(agencies)
    users["ledning"] = user
    gaps = _gaps(agencies)
    collaborations = _collaborations(agencies, users)
    return {"insights": {"management_user": user, "management_agency": agency, "gaps": gaps, "closed": collaborations}}
