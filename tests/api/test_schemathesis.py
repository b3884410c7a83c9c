"""The schema is the truth: schemathesis sends every API operation generated requests
against a live server on PostgreSQL, as the coordinator and as school staff (each with an
API key), and fails on any 5xx, an answer outside the operation's schema (body, status
code, content type), or an operation that answers without the credentials it documents.

Deterministic (derandomized Hypothesis with a fixed seed, no example database) and
bounded (`MAX_EXAMPLES` per operation and role). Some cases name the world's real
objects (path, `?case=`/`?meeting=` and body ids) so the 2xx answers are exercised too,
not only 404s. No network: the schema is generated in-process.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from access.scoping import system_scope
from cases import services as case_services
from meetings.models import Invitation
from portal.models import ApiToken
from tests.meetings.conftest import ALL_CODES, call_meeting
from tests.world import World

SUMMARY_FILE = Path(__file__).resolve().parents[2] / "artifacts" / "schemathesis.txt"  # shown by tests/conftest.py

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20261207
MAX_EXAMPLES = 8


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        ignored_auth,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
        content_type_conformance,
        ignored_auth,
    ]


def _world_objects(world: World) -> dict[str, list[str]]:
    """Real ids to put into some generated cases, per path prefix and field name."""
    from cases.models import LifeArea

    world.grant([world.school, world.health, world.social], ALL_CODES)
    meeting = call_meeting(world)
    with system_scope():
        entry = case_services.mapping_entry_create(
            viewer=world.coordinator_viewer,
            case=world.case,
            area=LifeArea.values[0],
            current_state="Alva trivs i skolan men är trött.",
        )
        from datetime import date

        action = case_services.plan_action_create(
            viewer=world.coordinator_viewer,
            case=world.case,
            description="Anpassad skoldag.",
            due_date=date(2027, 1, 15),
            responsible_agency_id=world.school.pk,
        )
        invitations = [str(u) for u in Invitation.objects.filter(meeting=meeting).values_list("uuid", flat=True)]
        from consent.models import Consent

        consents = [str(u) for u in Consent.objects.filter(case=world.case).values_list("uuid", flat=True)]
    cases = [str(world.case.uuid), str(world.other_case.uuid)]
    return {
        "/api/v1/cases/": cases,
        "/api/v1/mapping-entries/": [str(entry.uuid)],
        "/api/v1/plan-actions/": [str(action.uuid)],
        "/api/v1/meetings/": [str(meeting.uuid)],
        "/api/v1/meeting-invitations/": invitations,
        "/api/v1/consents/": consents,
        "/api/v1/staff/": [str(world.school_staff.uuid), str(world.coordinator.uuid)],
        "case": cases,
        "meeting": [str(meeting.uuid)],
    }


def _use_real_ids(case: Any, known: dict[str, list[str]], pick: int) -> None:
    """Replace generated ids by the world's own (the pick-th one) in some cases."""
    path = case.operation.path
    if case.path_parameters and "uuid" in case.path_parameters:
        for prefix, values in known.items():
            if prefix.startswith("/") and path.startswith(prefix) and values:
                case.path_parameters["uuid"] = values[pick % len(values)]
    for name in ("case", "meeting"):
        if isinstance(case.query, dict) and name in case.query:
            case.query[name] = known[name][pick % len(known[name])]
        if isinstance(case.body, dict) and name in case.body:
            case.body[name] = known[name][pick % len(known[name])]


def _token(world: World, membership: Any) -> str:
    with system_scope():
        _token_row, raw = ApiToken.issue(membership_id=membership.pk, name="schemathesis")
    return raw


def _token_auth(raw: str) -> Any:
    """The role's API key on every generated case, as schemathesis' own (explicit) auth:
    generated credentials for the other alternative (the session cookie) are dropped, and
    `ignored_auth` probes the operation without and with a wrong key."""
    from schemathesis.auths import AuthStorage

    class TokenAuth:
        def get(self, case: Any, ctx: Any) -> str:
            return raw

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Token {data}"

    storage: Any = AuthStorage()
    storage.auth()(TokenAuth)
    return storage


def _run(
    operation: Any,
    role: str,
    auth: Any,
    base_url: str,
    known: dict[str, list[str]],
    checks: list[Any],
    cases: Counter[str],
    statuses: Counter[int],
    failures: list[str],
) -> None:
    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(auth_storage=auth), pick=st.integers(min_value=0, max_value=5))
    def run(case: Any, pick: int) -> None:
        if pick < 4:
            _use_real_ids(case, known, pick)
        cases[role] += 1
        try:
            response = case.call_and_validate(base_url=base_url, checks=checks)
            statuses[response.status_code] += 1
        except (Exception, BaseExceptionGroup) as error:  # recorded, not raised: no shrinking, every failure listed
            failures.append(f"{role}: {case.operation.label}: {str(error).strip()[:600]}")

    run()


def test_every_operation_answers_as_its_schema_says(live_server: Any, world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs against a live server on PostgreSQL")
    import schemathesis
    from drf_spectacular.generators import SchemaGenerator

    known = _world_objects(world)
    roles = {
        "coordinator": _token(world, world.coordinator),
        "school staff": _token(world, world.school_staff),
    }
    with system_scope():
        raw_schema = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw_schema)
    checks = _checks()
    operations = [result.ok() for result in schema.get_all_operations()]
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    started = time.monotonic()

    for role, raw in roles.items():
        auth = _token_auth(raw)
        for operation in operations:
            _run(operation, role, auth, live_server.url, known, checks, cases, statuses, failures)

    elapsed = time.monotonic() - started
    summary = (
        f"schemathesis: {len(operations)} operations x {len(roles)} roles, "
        f"{sum(cases.values())} generated cases ({dict(cases)}), {len(failures)} failures, "
        f"status codes {dict(sorted(statuses.items()))}, {elapsed:.0f} s"
    )
    print("\n" + summary)
    # Shown at the end of the run (tests/api/conftest.py), so CI's log has the counts.
    SUMMARY_FILE.parent.mkdir(exist_ok=True)
    SUMMARY_FILE.write_text(summary + "\n")
    assert not failures, "\n\n".join(sorted(set(failures)))
