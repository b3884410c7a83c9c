"""Follow-up statistics per principal and year (DESIGN rule 14; seeds 001, 002).

Computed in the system scope with aggregate queries (GROUP BY / conditional counts in
the database, a fixed number of queries however many collaborations there are), and
published only through `insights.suppression`:

* the collaborations *started* in the year, divided by quarter and by days from start to
  the first held meeting — one population, protected together;
* the collaborations *closed* in the year, divided by quarter, closure reason, duration,
  agencies involved, meetings held, the family's stress (start → close) and whether a
  parent went back to work or studies — one population, protected together;
* the plan actions due in the year, divided by how they went.

Averages are shown only when at least five collaborations contribute; shares only of
figures that are themselves shown, so no percentage can reveal a hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, ExtractQuarter
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.scoping import Viewer, system_scope
from agencies.models import Principal
from insights import periods
from insights.models import ManagementRole
from insights.suppression import THRESHOLD, Figure, Partition, PublishedPartition, protect_partitions, single

DAY = timedelta(days=1)

WAIT_BUCKETS = [
    ("0-14", gettext_lazy("Inom 14 dagar"), None, 14),
    ("15-30", gettext_lazy("15–30 dagar"), 14, 30),
    ("31-60", gettext_lazy("31–60 dagar"), 30, 60),
    ("61-", gettext_lazy("Mer än 60 dagar"), 60, None),
]
DURATION_BUCKETS = [
    ("0-3m", gettext_lazy("Högst 3 månader"), None, 91),
    ("3-6m", gettext_lazy("3–6 månader"), 91, 183),
    ("6-12m", gettext_lazy("6–12 månader"), 183, 365),
    ("12m-", gettext_lazy("Mer än 12 månader"), 365, None),
]
AGENCY_BUCKETS = [
    ("1-2", gettext_lazy("1–2 verksamheter"), None, 2),
    ("3", gettext_lazy("3 verksamheter"), 2, 3),
    ("4", gettext_lazy("4 verksamheter"), 3, 4),
    ("5-", gettext_lazy("5 eller fler"), 4, None),
]
MEETING_BUCKETS = [
    ("0", gettext_lazy("Inget möte"), None, 0),
    ("1-2", gettext_lazy("1–2 möten"), 0, 2),
    ("3-5", gettext_lazy("3–5 möten"), 2, 5),
    ("6-", gettext_lazy("6 eller fler"), 5, None),
]


@dataclass
class Average:
    key: str
    title: str
    value: float | None  # None: fewer than THRESHOLD contribute
    unit: str

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is None:
            return ".."
        return f"{self.value:.1f}".replace(".", ",")


@dataclass
class Section:
    key: str
    title: str
    total_title: str
    total: Figure
    partitions: list[PublishedPartition]
    averages: list[Average] = field(default_factory=list)

    @property
    def tables(self) -> list[tuple[PublishedPartition, list[tuple[str, Figure, str]]]]:
        """Each partition with its groups as (label, figure, share of the total)."""
        return [(p, [(label, fig, self.share(fig)) for _key, label, fig in p.groups]) for p in self.partitions]

    def share(self, figure: Figure) -> str:
        """The share of the section total, only when both are shown."""
        if figure.hidden or self.total.hidden or not self.total.value:
            return ""
        return f"{round(100 * figure.value / self.total.value)} %"  # type: ignore[operator]


@dataclass
class FollowupReport:
    principal: Principal
    year: int
    started: Section
    closed: Section
    actions: Section
    meetings_held: Figure

    @property
    def sections(self) -> list[Section]:
        return [self.started, self.closed, self.actions]


def _buckets(prefix: str, field_name: str, buckets: list, unit: timedelta | None) -> dict:
    """Conditional counts, one per bucket (lower bound exclusive, upper inclusive)."""
    result = {}
    for code, _label, lower, upper in buckets:
        condition = Q()
        if lower is not None:
            condition &= Q(**{f"{field_name}__gt": lower * unit if unit else lower})
        if upper is not None:
            condition &= Q(**{f"{field_name}__lte": upper * unit if unit else upper})
        result[f"{prefix}_{code}"] = Count("pk", filter=condition)
    return result


def _partition(key: str, title: str, buckets: list, agg: dict, prefix: str, rest: list | None = None) -> Partition:
    groups = [(code, str(label), agg[f"{prefix}_{code}"] or 0) for code, label, _lo, _hi in buckets]
    return Partition(key, title, groups + (rest or []))


def _average(key: str, title: str, value: object, n: int, unit: str, scale: float = 1.0) -> Average:
    if value is None or n < THRESHOLD:
        return Average(key, title, None, unit)
    number = value / DAY if isinstance(value, timedelta) else float(value)  # type: ignore[arg-type]
    return Average(key, title, number * scale, unit)


# Used only while cases.Case.closure_reason declares no choices of its own.
FALLBACK_REASONS = {
    "goals_met": gettext_lazy("Målen är nådda"),
    "not_needed": gettext_lazy("Behovet av samordning finns inte längre"),
    "family_ended": gettext_lazy("Familjen vill avsluta"),
    "moved": gettext_lazy("Familjen har flyttat"),
    "other_support": gettext_lazy("Stödet samordnas på annat sätt"),
    "other": gettext_lazy("Annat skäl"),
}


def _closure_reason_labels() -> dict[str, str]:
    """The closure reasons the collaboration model declares, in its order."""
    from cases.models import Case

    field_ = Case._meta.get_field("closure_reason")
    declared = {str(k): str(v) for k, v in (field_.flatchoices or []) if k}  # type: ignore[attr-defined]
    return declared or {k: str(v) for k, v in FALLBACK_REASONS.items()}


def followup_report(*, viewer: Viewer, principal: Principal, year: int) -> FollowupReport:
    """Follow-up for the collaborations of `principal` (the principal of the agency that
    opened them) in `year`. Six queries, whatever the number of collaborations."""
    if (
        not viewer.is_staff
        or viewer.user_id is None
        or not ManagementRole.objects.filter(user_id=viewer.user_id, principal=principal).exists()
    ):
        raise Http404
    from cases.models import Case, PlanAction, TeamMember
    from meetings.models import Meeting

    start, end = periods.year_bounds(year)
    with system_scope():
        cases = Case.objects.filter(owner_agency__principal=principal)
        first_meeting = Subquery(
            Meeting.objects.filter(case=OuterRef("pk"), status=Meeting.Status.HELD)
            .order_by("starts_at")
            .values("starts_at")[:1]
        )
        started = (
            cases.filter(opened_at__gte=start, opened_at__lt=end)
            .annotate(first_meeting=first_meeting, quarter=ExtractQuarter("opened_at", tzinfo=periods.STOCKHOLM))
            .annotate(wait=ExpressionWrapper(F("first_meeting") - F("opened_at"), output_field=DurationField()))
            .aggregate(
                total=Count("pk"),
                **{f"q_{q}": Count("pk", filter=Q(quarter=q)) for q in periods.QUARTERS},
                **_buckets("wait", "wait", WAIT_BUCKETS, DAY),
                wait_none=Count("pk", filter=Q(first_meeting__isnull=True)),
                wait_n=Count("first_meeting"),
                wait_avg=Avg("wait"),
            )
        )
        team_size = Subquery(
            TeamMember.objects.filter(case=OuterRef("pk"))
            .order_by()
            .values("case")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        )
        meetings_held = Subquery(
            Meeting.objects.filter(case=OuterRef("pk"), status=Meeting.Status.HELD)
            .order_by()
            .values("case")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        )
        closed_cases = cases.filter(status=Case.Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
        both = Q(stress_at_start__isnull=False, stress_at_close__isnull=False)
        closed = closed_cases.annotate(
            quarter=ExtractQuarter("closed_at", tzinfo=periods.STOCKHOLM),
            duration=ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField()),
            agencies=Coalesce(team_size, 0),
            meetings=Coalesce(meetings_held, 0),
        ).aggregate(
            total=Count("pk"),
            **{f"q_{q}": Count("pk", filter=Q(quarter=q)) for q in periods.QUARTERS},
            **_buckets("duration", "duration", DURATION_BUCKETS, DAY),
            duration_avg=Avg("duration"),
            **_buckets("agencies", "agencies", AGENCY_BUCKETS, None),
            agencies_avg=Avg("agencies"),
            **_buckets("meetings", "meetings", MEETING_BUCKETS, None),
            meetings_avg=Avg("meetings"),
            work_yes=Count("pk", filter=Q(parent_back_to_work=True)),
            work_no=Count("pk", filter=Q(parent_back_to_work=False)),
            work_unknown=Count("pk", filter=Q(parent_back_to_work__isnull=True)),
            stress_lower=Count("pk", filter=both & Q(stress_at_close__lt=F("stress_at_start"))),
            stress_same=Count("pk", filter=both & Q(stress_at_close=F("stress_at_start"))),
            stress_higher=Count("pk", filter=both & Q(stress_at_close__gt=F("stress_at_start"))),
            stress_n=Count("pk", filter=both),
            stress_start_avg=Avg("stress_at_start", filter=both),
            stress_close_avg=Avg("stress_at_close", filter=both),
        )
        reasons = list(closed_cases.values_list("closure_reason").annotate(n=Count("pk")).order_by("closure_reason"))
        today = timezone.localdate()
        done_on_time = Q(status=PlanAction.Status.DONE) & (
            Q(completed_at__isnull=True) | Q(completed_at__date__lte=F("due_date"))
        )
        actions = PlanAction.objects.filter(
            case__owner_agency__principal=principal, due_date__gte=date(year, 1, 1), due_date__lte=date(year, 12, 31)
        ).aggregate(
            total=Count("pk"),
            on_time=Count("pk", filter=done_on_time),
            late=Count("pk", filter=Q(status=PlanAction.Status.DONE) & ~done_on_time),
            overdue=Count(
                "pk",
                filter=Q(status__in=[PlanAction.Status.PLANNED, PlanAction.Status.IN_PROGRESS], due_date__lt=today),
            ),
            not_due=Count(
                "pk",
                filter=Q(status__in=[PlanAction.Status.PLANNED, PlanAction.Status.IN_PROGRESS], due_date__gte=today),
            ),
            cancelled=Count("pk", filter=Q(status=PlanAction.Status.CANCELLED)),
        )
        held = Meeting.objects.filter(
            case__owner_agency__principal=principal,
            status=Meeting.Status.HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        ).count()

    quarter_groups = lambda agg: [(f"K{q}", _("Kvartal %(q)s") % {"q": q}, agg[f"q_{q}"]) for q in periods.QUARTERS]  # noqa: E731

    # --- started ---------------------------------------------------------------------
    started_total, started_parts = protect_partitions(
        started["total"],
        [
            Partition("started_quarter", _("Startade per kvartal"), quarter_groups(started)),
            _partition(
                "first_meeting",
                _("Dagar från start till första genomförda möte"),
                WAIT_BUCKETS,
                started,
                "wait",
                rest=[("none", _("Inget möte ännu"), started["wait_none"])],
            ),
        ],
    )
    started_section = Section(
        key="started",
        title=_("Samverkningar som startade"),
        total_title=_("Startade under året"),
        total=started_total,
        partitions=started_parts,
        averages=[
            _average(
                "first_meeting_days",
                _("Dagar från start till första möte, medelvärde"),
                started["wait_avg"],
                started["wait_n"],
                _("dagar"),
            )
        ],
    )

    # --- closed ----------------------------------------------------------------------
    labels = _closure_reason_labels()
    reason_counts = {code or "": n for code, n in reasons}
    codes = [*labels, *(c for c in reason_counts if c and c not in labels), ""]
    reason_groups = [
        (code or "-", labels.get(code, code) if code else _("Skäl inte angivet"), reason_counts.get(code, 0))
        for code in codes
    ]
    closed_total, closed_parts = protect_partitions(
        closed["total"],
        [
            Partition("closed_quarter", _("Avslutade per kvartal"), quarter_groups(closed)),
            Partition("closure_reason", _("Skäl till avslut"), reason_groups),
            _partition("duration", _("Hur länge samverkan pågick"), DURATION_BUCKETS, closed, "duration"),
            _partition("agencies", _("Verksamheter i samverkan"), AGENCY_BUCKETS, closed, "agencies"),
            _partition("meetings", _("Genomförda möten per samverkan"), MEETING_BUCKETS, closed, "meetings"),
            Partition(
                "stress",
                _("Familjens stress, från start till avslut"),
                [
                    ("lower", _("Lägre vid avslut"), closed["stress_lower"]),
                    ("same", _("Oförändrad"), closed["stress_same"]),
                    ("higher", _("Högre vid avslut"), closed["stress_higher"]),
                    ("unknown", _("Inte besvarat"), closed["total"] - closed["stress_n"]),
                ],
            ),
            Partition(
                "back_to_work",
                _("Förälder åter i arbete eller studier"),
                [
                    ("yes", _("Ja"), closed["work_yes"]),
                    ("no", _("Nej"), closed["work_no"]),
                    ("unknown", _("Inte besvarat"), closed["work_unknown"]),
                ],
            ),
        ],
    )
    n_closed = closed["total"]
    closed_section = Section(
        key="closed",
        title=_("Samverkningar som avslutades"),
        total_title=_("Avslutade under året"),
        total=closed_total,
        partitions=closed_parts,
        averages=[
            _average(
                "duration_days",
                _("Hur länge samverkan pågick, medelvärde"),
                closed["duration_avg"],
                n_closed,
                _("dagar"),
            ),
            _average(
                "agencies_avg",
                _("Verksamheter per samverkan, medelvärde"),
                closed["agencies_avg"],
                n_closed,
                _("verksamheter"),
            ),
            _average(
                "meetings_avg",
                _("Genomförda möten per samverkan, medelvärde"),
                closed["meetings_avg"],
                n_closed,
                _("möten"),
            ),
            _average(
                "stress_start",
                _("Stress vid start (1–10), medelvärde"),
                closed["stress_start_avg"],
                closed["stress_n"],
                _("av 10"),
            ),
            _average(
                "stress_close",
                _("Stress vid avslut (1–10), medelvärde"),
                closed["stress_close_avg"],
                closed["stress_n"],
                _("av 10"),
            ),
        ],
    )

    # --- plan actions ----------------------------------------------------------------
    actions_total, actions_parts = protect_partitions(
        actions["total"],
        [
            Partition(
                "action_status",
                _("Insatser i planen med slutdatum under året"),
                [
                    ("on_time", _("Klara i tid"), actions["on_time"]),
                    ("late", _("Klara efter slutdatum"), actions["late"]),
                    ("overdue", _("Inte klara, slutdatum passerat"), actions["overdue"]),
                    ("not_due", _("Inte klara, slutdatum inte passerat"), actions["not_due"]),
                    ("cancelled", _("Avbrutna"), actions["cancelled"]),
                ],
            )
        ],
    )
    actions_section = Section(
        key="actions",
        title=_("Insatser i den gemensamma planen"),
        total_title=_("Insatser med slutdatum under året"),
        total=actions_total,
        partitions=actions_parts,
    )
    return FollowupReport(
        principal=principal,
        year=year,
        started=started_section,
        closed=closed_section,
        actions=actions_section,
        meetings_held=single(held),
    )
