"""`manage.py bench_sessions`: sign in the benchmark's test users and name their pages.

For `make bench` (bench/run.py) on a `seed_scale` database. Picks the personas from the
data — a coordinator with about 20 collaborations, one of those collaborations with a
meeting coming up, the staff member of another agency who reads it under consent, a
guardian of the child, the admin of the agency with the largest access log — and makes
a session for each directly in the session store, with what signing in would have left
there: the user and backend, the acting membership, the second factor done, the sign-in
and last-seen times. Then it requests each page once in-process to check it answers 200
and to count its queries (and those on the grant table: the consent check's own cost).

Prints JSON: {"targets": [{"name", "path", "cookie", "target_ratio"}...], "queries": {...}}.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.scoping import system_scope
from portal import viewers
from web import middleware

BACKEND = "django.contrib.auth.backends.ModelBackend"
GRANT_TABLE = '"consent_consentgrant"'


def _session(user: Any, membership_id: int | None) -> str:
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = time.time()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[middleware.LOGIN_AT] = now
    store[middleware.SEEN_AT] = now
    store["account_authentication_methods"] = [{"method": "password", "at": now, "email": user.email}]
    if membership_id is not None:
        store[viewers.ACTING_AS_SESSION_KEY] = membership_id
        store[middleware.MFA_OK] = True
        store["account_authentication_methods"].append({"method": "mfa", "at": now, "type": "totp"})
    store.set_expiry(int(settings.STAFF_ABSOLUTE_TIMEOUT.total_seconds()))
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


class Command(BaseCommand):
    help = "Create signed-in sessions for the benchmark personas and print the pages to load (JSON)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--sql", default="", help="comma-separated target names: print their SQL to stderr")

    def handle(self, *args: Any, sql: str = "", **options: Any) -> None:
        self.show_sql = set(filter(None, sql.split(",")))
        with system_scope():
            personas = self._personas()
        cookies = {
            "coordinator": _session(personas["coordinator"].user, personas["coordinator"].pk),
            "staff": _session(personas["staff"].user, personas["staff"].pk),
            "admin": _session(personas["admin"].user, personas["admin"].pk),
            "guardian": _session(personas["guardian"], None),
        }
        case, meeting, child = personas["case"], personas["meeting"], personas["child"]
        pages = [
            # name, path, persona, target ratio (issue 8: collaboration page and family home
            # ≥ 0.15 of the reference; caseload, lists and log review ≥ 0.10)
            ("reference", reverse("portal:reference"), None, None),
            # The plain signed-in page every page is compared with (web/benchref.py).
            ("plain", reverse("portal:plain_reference"), "coordinator", None),
            ("caseload", reverse("cases:caseload"), "coordinator", 0.10),
            ("case_coordinator", reverse("cases:detail", args=[case.uuid]), "coordinator", 0.15),
            ("case_consent", reverse("cases:detail", args=[case.uuid]), "staff", 0.15),
            ("meeting", reverse("meetings:detail", args=[meeting.uuid]), "coordinator", 0.10),
            ("meeting_consent", reverse("meetings:detail", args=[meeting.uuid]), "staff", 0.10),
            ("family_home", reverse("portal:home"), "guardian", 0.15),
            ("notifications", reverse("notifications:list"), "coordinator", 0.10),
            ("log_review", reverse("accesslog:review"), "admin", 0.10),
            ("family_log", reverse("accesslog:family", args=[child.uuid]), "guardian", 0.10),
            ("api_cases", "/api/v1/cases/", "coordinator", 0.10),
            ("api_meetings", "/api/v1/meetings/", "coordinator", 0.10),
            ("api_plan_actions", "/api/v1/plan-actions/", "coordinator", 0.10),
            ("api_consents", "/api/v1/consents/", "coordinator", 0.10),
            ("api_notifications", "/api/v1/notifications/", "coordinator", 0.10),
        ]
        targets = [
            {"name": name, "path": path, "cookie": cookies.get(who or ""), "persona": who, "target_ratio": ratio}
            for name, path, who, ratio in pages
        ]
        queries = {t["name"]: self._count(t) for t in targets}
        facts = {
            "coordinator_open_cases": personas["open_cases"],
            "case": str(case.uuid),
            "meeting": str(meeting.uuid),
            "staff_agency": personas["staff"].agency.name,
            "admin_agency": personas["admin"].agency.name,
        }
        self.stdout.write(json.dumps({"targets": targets, "queries": queries, "personas": facts}))

    def _personas(self) -> dict[str, Any]:
        from accesslog.models import AccessLogEntry
        from agencies.models import Agency, Membership
        from cases.models import Case, Guardianship, TeamMember
        from consent.models import ConsentGrant
        from meetings.models import Meeting

        now = timezone.now()
        busiest = (
            Case.objects.filter(status=Case.Status.OPEN, coordinator__isnull=False)
            .values("coordinator_id", "coordinator_agency_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "coordinator_id")
            .first()
        )
        if busiest is None:
            raise CommandError("No collaborations: run manage.py seed_scale first.")
        coordinator = Membership.objects.select_related("user", "agency").get(
            user_id=busiest["coordinator_id"], agency_id=busiest["coordinator_agency_id"]
        )
        # One of them with a meeting coming up, and a healthcare agency in the team that
        # sees the collaboration and its health information under consent.
        upcoming = Meeting.objects.filter(
            status=Meeting.Status.PLANNED, starts_at__gt=now + timedelta(hours=2)
        ).values_list("case_id", flat=True)
        consented = ConsentGrant.objects.filter(
            starts_at__lte=now,
            ends_at__gt=now,
            agency__kind=Agency.Kind.HEALTHCARE,
            category__code__in=["basic", "health", "plan"],
        )
        for case in Case.objects.filter(
            coordinator_id=coordinator.user_id, status=Case.Status.OPEN, pk__in=upcoming
        ).order_by("pk"):
            health = {a for a, n in _grant_counts(consented.filter(case_id=case.pk)).items() if n >= 3}
            member = (
                TeamMember.objects.filter(case=case, agency_id__in=health, contact__isnull=False)
                .select_related("contact__user", "contact__agency")
                .first()
            )
            guardian = (
                Guardianship.objects.filter(child_id=case.child_id, has_custody=True, guardian__user__isnull=False)
                .select_related("guardian__user")
                .first()
            )
            if member is not None and guardian is not None:
                break
        else:
            raise CommandError("No collaboration of the busiest coordinator fits the benchmark.")
        meeting = Meeting.objects.filter(case=case, status=Meeting.Status.PLANNED, starts_at__gt=now).first()
        largest = (
            AccessLogEntry.objects.filter(agency__isnull=False)
            .values("agency_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        admin = (
            Membership.objects.filter(Q(agency_id=largest["agency_id"]) if largest else Q(), role="admin")
            .select_related("user", "agency")
            .order_by("pk")
            .first()
        )
        if admin is None:
            raise CommandError("No agency admin found.")
        return {
            "coordinator": coordinator,
            "open_cases": busiest["n"],
            "case": case,
            "meeting": meeting,
            "staff": member.contact,  # type: ignore[union-attr]
            "guardian": guardian.guardian.user,
            "child": case.child,
            "admin": admin,
        }

    def _count(self, target: dict[str, Any]) -> dict[str, int]:
        """Request the page once in-process (after one warm-up): status, queries, and the
        queries on the grant table."""
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], HTTP_X_FORWARDED_PROTO="https")
        if target["cookie"]:
            name, value = target["cookie"].split("=", 1)
            client.cookies[name] = value
        client.get(target["path"], secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target["path"], secure=True)
        if response.status_code != 200:
            raise CommandError(f"{target['name']} {target['path']} answered {response.status_code}")
        grant = [q for q in captured.captured_queries if q["sql"].split(" FROM ", 1)[-1].startswith(GRANT_TABLE)]
        if target["name"] in self.show_sql:
            for n, q in enumerate(captured.captured_queries, 1):
                mark = "GRANT " if q in grant else ""
                self.stderr.write(f"-- {target['name']} {n} {mark}{q['time']}s\n{q['sql']}\n")
        return {"queries": len(captured.captured_queries), "grant_table_queries": len(grant)}


def _grant_counts(queryset: Any) -> dict[int, int]:
    return {
        row["agency_id"]: row["n"]
        for row in queryset.values("agency_id").annotate(n=Count("category_id", distinct=True))
    }
