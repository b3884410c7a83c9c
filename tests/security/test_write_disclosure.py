"""A write never discloses (DESIGN rule 17): the generated write-path disclosure suite.

Every write operation the discovery finds (`write_paths`: the URLconf, the forms, the API
schema and input serializers) must have an entry in `write_table.py`. Each entry is then
exercised by three writers who have no consent for the victim child:

* unrelated_staff: staff of an agency with no collaboration about the child (their own
  collaboration is the other family's);
* no_consent_staff: staff of an agency in the child's team, without any consent (the
  world is the access matrix's "none" state; their own collaboration is a third child's);
* other_family: a guardian of another child.

Each writer sends the victim's identifiers — the child's and a guardian's personnummer,
e-mail addresses, and the uuids / ids of the victim's collaboration, guardians, team,
goals, consents and meetings, another agency's staff — in the body (`probes`) and in the
URL (the access matrix's kwarg builders). After each write the suite collects the answer
(redirects followed) and, if the write changed anything, the pages the writer can reach
afterwards (lists, caseload, the child search, API lists, their own collaboration's pages
and the pages of every collaboration or meeting the write created), and checks:

1. no identity datum of the victim appears that the writer did not type and could not
   already see (the baseline: every page without URL arguments and the writer's own
   collaboration's pages, walked before any write);
2. the answer to a write with the victim's identifier is the same as the answer to the
   same write with a fresh identifier of the same shape nobody has (a different answer
   tells the writer the victim exists).

Every write runs in a savepoint that is rolled back, so the probes are independent.
"""

from __future__ import annotations

import difflib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from access.scoping import system_scope
from tests.security import matrix, write_paths
from tests.security.conftest import WRITE_KEY
from tests.security.routes import lookup as matrix_lookup
from tests.security.routes import table as matrix_table
from tests.security.test_access_matrix import DEFAULT_KWARGS
from tests.security.write_table import TABLE, TYPED_EMAIL, Expect, Reason, lookup

pytestmark = pytest.mark.django_db

WRITERS = ["unrelated_staff", "no_consent_staff", "other_family"]
MATRIX_ENTRIES = matrix_table()


# --------------------------------------------------------------------------------------
# The table is complete and current
# --------------------------------------------------------------------------------------


def test_every_write_operation_has_an_expectation():
    """A new write path fails here until write_table.py says how to exercise it (or why not)."""
    ops = write_paths.discover_write_ops()
    missing = sorted(f"{op.name}  ({op.route.pattern}; {op.view})" for op in ops if lookup(op.name) is None)
    assert not missing, "Write operations with no entry in tests/security/write_table.py:\n" + "\n".join(missing)
    api_names = {op.name for op in write_paths.discover_api_ops()}
    url_names = {op.name for op in ops}
    assert api_names <= url_names, f"API schema write operations the URLconf discovery missed: {api_names - url_names}"
    missing_api = sorted(name for name in api_names if lookup(name) is None)
    assert not missing_api, f"API write operations with no entry: {missing_api}"
    stale = sorted(
        key
        for key in TABLE
        if not (key.endswith("*") and any(lookup(op.name) and lookup(op.name)[0] == key for op in ops))
        and not key.endswith("*")
        and key not in url_names
    )
    stale += sorted(key for key in TABLE if key.endswith("*") and not any(lookup(op.name)[0] == key for op in ops))
    assert not stale, f"Entries for write operations that no longer exist: {stale}"


def discovered_identifier_fields() -> dict[str, dict[str, str]]:
    """Operation -> {field: kind} from the forms, the API input serializers and the schema."""
    found: dict[str, dict[str, str]] = {}
    for name, forms in write_paths.discover_forms().items():
        for form in forms:
            found.setdefault(name, {}).update(form.identifier_fields)
    for name, fields in write_paths.discover_api_inputs().items():
        found.setdefault(name, {}).update(fields)
    for api_op in write_paths.discover_api_ops():
        found.setdefault(api_op.name, {}).update(dict(api_op.identifier_fields))
    return {name: fields for name, fields in found.items() if fields}


class _Anything:
    """Stands in for the probe context when only the keys of a probe's data are wanted."""

    def __getattr__(self, name: str) -> Any:
        return self

    def __str__(self) -> str:
        return "x"


def test_every_identifier_field_is_declared():
    """Each identifier field the discovery finds is named in its operation's entry, and is
    sent by one of its probes unless the entry says why not ("not exercised: …", "not an
    identifier: …")."""
    problems = []
    for name, fields in sorted(discovered_identifier_fields().items()):
        found = lookup(name)
        if found is None or isinstance(found[1], Reason):
            continue
        entry = found[1]
        for field_name, kind in fields.items():
            if field_name not in entry.fields:
                problems.append(f"{name}: identifier field {field_name!r} ({kind}) is not in the entry's fields")
    for key, entry in TABLE.items():
        if not isinstance(entry, Expect):
            continue
        sent: set[str] = set()
        for probe in entry.probes:
            sent |= set(probe.data(_Anything()))
        if entry.data is not None:
            sent |= set(entry.data(_Anything()))
        for field_name, how in entry.fields.items():
            if field_name not in sent and not how.startswith("not "):
                problems.append(f"{key}: field {field_name!r} is declared exercised but no probe sends it")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------
# The world: a victim family with distinctive identity data
# --------------------------------------------------------------------------------------


@dataclass
class Values:
    """The identifiers a writer types: the victim's, or fresh ones of the same shape."""

    child_pnr: str
    guardian_pnr: str
    guardian_email: str
    guardian_user_email: str
    staff_email: str
    case_uuid: str
    guardian_uuid: str
    guardian_pk: str
    membership_pk: str
    agency_pk: str
    agency_uuid: str
    external_pk: str
    external_uuid: str
    goal_pk: str
    goal_uuid: str
    meeting_uuid: str
    mapping_uuid: str
    agenda_uuid: str
    invitation_uuid: str

    picked_names: tuple[str, ...] = ()  # names of the public objects picked (not typed; shown back)

    def strings(self) -> list[str]:
        return [str(v) for k, v in vars(self).items() if k != "picked_names"] + list(self.picked_names)


@dataclass
class Marker:
    what: str  # "the child's first name"
    value: str
    implied_by: tuple[str, ...] = ()  # typed values (whole fields) that reveal it anyway (pnr -> birth date)


@dataclass
class Ctx:
    w: Any
    mw: matrix.MatrixWorld
    writer: str
    own_case: Any
    v: Values


def _pnr(born: date, serial: str) -> str:
    from cases import personnummer

    return personnummer.with_check_digit(f"{born:%Y%m%d}-{serial}")


def prepare_victim(w: Any) -> tuple[list[Marker], dict[str, str]]:
    """Give the victim family and two staff members identity data no writer types."""
    from cases.models import Case, Child, Guardian
    from portal.models import User

    born = date(2016, 5, 4)
    child_pnr = _pnr(born, "123")
    g1_pnr, g2_pnr = _pnr(date(1985, 1, 1), "234"), _pnr(date(1983, 2, 2), "345")
    Child.objects.filter(pk=w.child.pk).update(
        first_name="Ebbalina", last_name="Tystberg", personal_number=child_pnr, language="Kurmanji"
    )
    Guardian.objects.filter(pk=w.guardian1.pk).update(
        first_name="Ragnvi",
        last_name="Skuggsson",
        personal_number=g1_pnr,
        email="ragnvi.skuggsson@hemlig.example",
        phone="0701-234567",
        address="Hemlighetsgatan 17",
    )
    Guardian.objects.filter(pk=w.guardian2.pk).update(
        first_name="Torgny",
        last_name="Dimmander",
        personal_number=g2_pnr,
        email="torgny.dimmander@hemlig.example",
        phone="0709-876543",
        address="Dimstigen 42",
    )
    User.objects.filter(pk=w.child.user_id).update(full_name="Ebbalina Tystberg")
    User.objects.filter(pk=w.guardian1.user_id).update(
        full_name="Ragnvi Skuggsson", email="ragnvi.login@hemlig.example"
    )
    User.objects.filter(pk=w.guardian2.user_id).update(
        full_name="Torgny Dimmander", email="torgny.login@hemlig.example"
    )
    User.objects.filter(pk=w.health_staff.user_id).update(
        full_name="Henrietta Vaktsam", email="henrietta.vaktsam@bup.example"
    )
    User.objects.filter(pk=w.coordinator.user_id).update(
        full_name="Sigvor Samordnarsson", email="sigvor.samordnarsson@samordning.example"
    )
    Case.objects.filter(pk=w.case.pk).update(need_description="Behov som bara teamet vet: HEMLIGT-BEHOV-5521")
    for obj in (w.child, w.guardian1, w.guardian2, w.case, w.health_staff.user, w.coordinator.user):
        obj.refresh_from_db()
    w.child.user.refresh_from_db()
    w.guardian1.user.refresh_from_db()
    w.guardian2.user.refresh_from_db()
    by_pnr = (child_pnr,)
    markers = [
        Marker("the child's first name", "Ebbalina"),
        Marker("the child's last name", "Tystberg"),
        Marker("the child's personnummer", child_pnr),
        Marker("the child's personnummer", child_pnr.replace("-", "")),
        Marker("the child's personnummer", child_pnr[2:]),
        Marker("the child's language", "Kurmanji"),
        Marker("the child's birth date", "2016-05-04", by_pnr),
        Marker("the child's birth date", "4 maj 2016", by_pnr),
        Marker("the child's birth date", "May 4, 2016", by_pnr),
        Marker("the child's need", "HEMLIGT-BEHOV-5521"),
        Marker("the collaboration's id", str(w.case.uuid)),
        Marker("the child's id", str(w.child.uuid)),
        Marker("guardian 1's first name", "Ragnvi"),
        Marker("guardian 1's last name", "Skuggsson"),
        Marker("guardian 1's personnummer", g1_pnr),
        Marker("guardian 1's personnummer", g1_pnr.replace("-", "")),
        Marker("guardian 1's e-mail", "ragnvi.skuggsson@hemlig.example"),
        Marker("guardian 1's login e-mail", "ragnvi.login@hemlig.example"),
        Marker("guardian 1's phone", "0701-234567"),
        Marker("guardian 1's address", "Hemlighetsgatan 17"),
        Marker("guardian 1's id", str(w.guardian1.uuid)),
        Marker("guardian 2's first name", "Torgny"),
        Marker("guardian 2's last name", "Dimmander"),
        Marker("guardian 2's personnummer", g2_pnr),
        Marker("guardian 2's e-mail", "torgny.dimmander@hemlig.example"),
        Marker("guardian 2's login e-mail", "torgny.login@hemlig.example"),
        Marker("guardian 2's phone", "0709-876543"),
        Marker("guardian 2's address", "Dimstigen 42"),
        # Adding an agency to one's team lists its staff as contact persons (the same for any
        # agency: not about the victim), so choosing the agency implies its staff's names.
        Marker("another agency's staff member's name", "Henrietta Vaktsam", (str(w.health.pk), str(w.health.uuid))),
        Marker(
            "another agency's staff member's e-mail",
            "henrietta.vaktsam@bup.example",
            (str(w.health.pk), str(w.health.uuid)),
        ),
        Marker("the victim's coordinator's name", "Sigvor Samordnarsson"),
        Marker("the victim's coordinator's e-mail", "sigvor.samordnarsson@samordning.example"),
    ]
    pnrs = {"child": child_pnr, "guardian": g1_pnr}
    return markers, pnrs


def build_values(mw: matrix.MatrixWorld, pnrs: dict[str, str]) -> tuple[Values, Values]:
    w = mw.world
    from agencies.models import Agency, Membership
    from cases.models import ExternalContact, PlanGoal
    from tests.world import make_staff

    # Public objects with no part in the victim's collaboration: the "unknown" equivalents
    # of an agency of the victim's team and of the victim's coordinator. The agency's name
    # sorts next to "BUP Test" so lists of agencies keep the same order in both runs.
    uninvolved = Agency.objects.create(principal=w.region, name="BUP Oinblandad", kind=Agency.Kind.HEALTHCARE)
    uninvolved_coordinator = make_staff(w.coordination, "Ulla Oinblandad", Membership.Role.COORDINATOR)
    # Staff like the health agency's (an admin and a staff member): an agency added to a
    # team lists its staff as contact persons.
    uninvolved_admin = make_staff(uninvolved, "Ulf Uadmin", Membership.Role.ADMIN)
    uninvolved_staff = make_staff(uninvolved, "Ursula Upersonal")

    external = ExternalContact.objects.get(uuid=mw.objects["external"].uuid)
    goal = PlanGoal.objects.get(uuid=mw.objects["goal"].uuid)
    meeting = mw.objects["meetings"]["planned"]
    victim = Values(
        child_pnr=pnrs["child"],
        guardian_pnr=pnrs["guardian"],
        guardian_email=w.guardian1.email,
        guardian_user_email=w.guardian1.user.email,
        staff_email=w.health_staff.user.email,
        case_uuid=str(w.case.uuid),
        guardian_uuid=str(w.guardian1.uuid),
        guardian_pk=str(w.guardian1.pk),
        membership_pk=str(w.coordinator.pk),
        agency_pk=str(w.health.pk),
        agency_uuid=str(w.health.uuid),
        external_pk=str(external.pk),
        external_uuid=str(external.uuid),
        goal_pk=str(goal.pk),
        goal_uuid=str(goal.uuid),
        meeting_uuid=str(meeting.uuid),
        mapping_uuid=str(mw.objects["mapping"].uuid),
        agenda_uuid=str(mw.objects["meetings"]["agenda_item"].uuid),
        invitation_uuid=str(mw.objects["meetings"]["planned:agency_invitation"].uuid),
        picked_names=(
            w.health.name,
            w.coordinator.user.full_name,
            w.health_admin.user.full_name,
            w.health_staff.user.full_name,
        ),
    )
    fresh = Values(
        child_pnr=_pnr(date(2016, 5, 4), "456"),  # same birth date, nobody's number
        guardian_pnr=_pnr(date(1985, 1, 1), "567"),
        guardian_email="ingen.alls@okand.example",
        guardian_user_email="ingen.inloggning@okand.example",
        staff_email="ingen.personal@okand.example",
        case_uuid=str(uuid.uuid4()),
        guardian_uuid=str(uuid.uuid4()),
        guardian_pk="987654",
        membership_pk=str(uninvolved_coordinator.pk),
        agency_pk=str(uninvolved.pk),
        agency_uuid=str(uninvolved.uuid),
        external_pk="987657",
        external_uuid=str(uuid.uuid4()),
        goal_pk="987658",
        goal_uuid=str(uuid.uuid4()),
        meeting_uuid=str(uuid.uuid4()),
        mapping_uuid=str(uuid.uuid4()),
        agenda_uuid=str(uuid.uuid4()),
        invitation_uuid=str(uuid.uuid4()),
        picked_names=(
            uninvolved.name,
            uninvolved_coordinator.user.full_name,
            uninvolved_admin.user.full_name,
            uninvolved_staff.user.full_name,
        ),
    )
    return victim, fresh


def own_case_for(mw: matrix.MatrixWorld, writer: str) -> Any:
    """The writer's own collaboration: the other family's for the unrelated agency and that
    family's guardian; a third child's, opened by social services, for no_consent_staff."""
    w = mw.world
    if writer != "no_consent_staff":
        return w.other_case
    from cases.models import Case, Child, TeamMember

    born = date(2014, 8, 8)
    child = Child.objects.create(
        first_name="Sigge",
        last_name="Egensson",
        personal_number=_pnr(born, "678"),
        date_of_birth=born,
        registered_by_agency=w.social,
    )
    case = Case.objects.create(
        child=child, owner_agency=w.social, opened_by=w.social_staff.user, need_description="Egen samverkan."
    )
    TeamMember.objects.create(case=case, agency=w.social, contact=w.social_staff)
    return case


def user_of(mw: matrix.MatrixWorld, writer: str) -> Any:
    w = mw.world
    return {"unrelated_staff": w.unrelated_staff, "no_consent_staff": w.social_staff}.get(writer) or (
        w.other_guardian.user
    )


# --------------------------------------------------------------------------------------
# Requests and what the writer can read
# --------------------------------------------------------------------------------------

SKIP_BASELINE = ("admin:", "account_", "mfa_", "usersessions", "api-schema", "api-docs", "javascript-catalog")


@dataclass
class Run:
    requests: int = 0
    leaks: list[str] = field(default_factory=list)
    oracles: list[str] = field(default_factory=list)
    vacuous: list[str] = field(default_factory=list)
    cells: set[tuple[str, str, str]] = field(default_factory=set)  # (op, writer, identifier kind)
    timings: dict[str, float] = field(default_factory=dict)  # url -> seconds (slowest requests, for tuning)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _get(client: Client, url: str, run: Run, api: bool = False) -> Any:
    run.requests += 1
    extra = {"HTTP_ACCEPT": "application/json"} if api or url.startswith("/api/") else {}
    started = time.monotonic()
    response = client.get(url, **extra)
    run.timings[url] = run.timings.get(url, 0.0) + time.monotonic() - started
    return response


def _send(client: Client, method: str, url: str, data: dict[str, Any], api: bool, run: Run) -> list[tuple[int, str]]:
    """The write and its redirects (followed with GET, inside the portal only): [(status, body)]."""
    run.requests += 1
    if api:
        response = client.generic(
            method, url, json.dumps(data), content_type="application/json", HTTP_ACCEPT="application/json"
        )
    elif method == "POST":
        response = client.post(url, data)
    else:
        response = client.generic(method, url, "", content_type="application/x-www-form-urlencoded")
    chain = [(response.status_code, _body(response))]
    hops = 0
    while response.status_code in (301, 302, 303, 307) and hops < 3:
        location = response.headers.get("Location", "")
        parts = urlsplit(location)
        if parts.netloc and parts.netloc != "testserver":
            break
        response = _get(client, parts.path + (f"?{parts.query}" if parts.query else ""), run)
        chain.append((response.status_code, _body(response)))
        hops += 1
    return chain


def _reverse(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs) if kwargs else reverse(name)


def baseline_urls(ctx: Ctx) -> list[str]:
    """Every page without URL arguments, and every page of the writer's own collaboration
    (the routes whose only argument is the collaboration: its forms list the choices the
    writer may already pick from)."""
    urls = []
    for route in matrix.discover():
        if route.name.startswith(SKIP_BASELINE) or route.name.startswith("<unnamed>"):
            continue
        if not route.kwarg_names:
            urls.append(_reverse(route.name))
        elif route.kwarg_names == ("case_uuid",):
            urls.append(reverse(route.name, kwargs={"case_uuid": ctx.own_case.uuid}))
    return urls + case_pages(ctx.own_case.uuid, ctx.writer)


def case_pages(case_uuid: Any, writer: str) -> list[str]:
    if writer == "other_family":
        names = ["cases:family_plan"]
    else:
        names = ["cases:detail", "cases:family", "cases:team", "cases:plan", "cases:mapping", "consent:case"]
    urls = [reverse(n, kwargs={"case_uuid": case_uuid}) for n in names]
    return [*urls, reverse("case-detail", kwargs={"uuid": case_uuid}), reverse("case-plan", kwargs={"uuid": case_uuid})]


AFTER_WRITE = {
    "staff": ["cases:list", "cases:caseload", "meetings:list", "notifications:list", "notifications:bell"],
    "family": [
        "consent:family",
        "notifications:list",
        "meetings:list",
        "accesslog:family_index",
        "accesslog:export_index",
    ],
    "api": ["case-list", "consent-list", "meeting-list", "notification-list", "meeting-invitation-list"],
}


def after_write_urls(ctx: Ctx, new_cases: list[Any], new_meetings: list[Any]) -> list[str]:
    kind = "family" if ctx.writer == "other_family" else "staff"
    urls = [reverse(n) for n in AFTER_WRITE[kind] + AFTER_WRITE["api"]]
    urls += case_pages(ctx.own_case.uuid, ctx.writer)
    for case_uuid in new_cases:
        urls += case_pages(case_uuid, ctx.writer)
    for meeting_uuid in new_meetings:
        urls.append(reverse("meetings:detail", kwargs={"meeting_uuid": meeting_uuid}))
    return urls


def _state() -> tuple[int, ...]:
    from cases.models import Case, Child, ExternalContact, FamilyMember, Guardian, Guardianship
    from meetings.models import Meeting
    from portal.models import AuditEvent

    return tuple(
        m._base_manager.count()
        for m in (AuditEvent, Case, Child, Guardian, Guardianship, ExternalContact, FamilyMember, Meeting)
    )


def _created(model: Any, before_max: int) -> list[Any]:
    return list(model._base_manager.filter(pk__gt=before_max).values_list("uuid", flat=True))


def _max_pk(model: Any) -> int:
    return model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0


# --------------------------------------------------------------------------------------
# Comparing the answers to a known and an unknown identifier
# --------------------------------------------------------------------------------------

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), "«CSRF»"),
    (re.compile(r'"X-CSRFToken": "[^"]*"'), "«CSRF»"),
    (re.compile(r'(csrf[_-]?token["\']?\s*[:=]\s*["\'])[^"\']*'), r"\1«CSRF»"),
    (re.compile(r'content="[A-Za-z0-9]{32,}"'), "«TOKEN»"),
    (re.compile(r'nonce="[^"]*"'), "«NONCE»"),
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"), "«TIME»"),
]
CHOICE_PKS = [
    (re.compile(r'<option value="\d+"'), '<option value="«PK»"'),  # pks of listed choices
    (re.compile(r'value="([gae]):\d+"'), r'value="\1:«PK»"'),  # guardian/agency/external choices
]


def normalize(body: str, values: list[str]) -> str:
    """The body without what legitimately differs between the known and the unknown run:
    the typed identifiers themselves, uuids, CSRF tokens, clock times."""
    # Uuids and the listed choices' pks first: a typed identifier's digits can also occur
    # inside an unrelated uuid or pk ("2123" holds "123"), which replacing the identifier
    # first turned into "2«ID»", a difference of pk numbering, not of what is disclosed.
    body = UUID_RE.sub("«UUID»", body)
    for pattern, replacement in CHOICE_PKS:
        body = pattern.sub(replacement, body)
    variants: set[str] = set()
    short: set[str] = set()
    for value in values:
        if len(value) < 3:  # a small pk: only where a message echoes the typed choice
            short.add(value)
            continue
        variants |= {value, value.lower(), value.replace("-", "")}
        if re.fullmatch(r"\d{8}-\d{4}", value):
            variants.add(value[2:])
    for variant in sorted(variants, key=len, reverse=True):
        body = body.replace(variant, "«ID»")
    for value in short:
        body = re.sub(rf"(?<=[.:] ){re.escape(value)}(?= (is not|finns inte))", "«ID»", body)
        body = re.sub(rf"\b([ge]):{re.escape(value)}\b", r"\1:«ID»", body)
    for pattern, replacement in NOISE:
        body = pattern.sub(replacement, body)
    return body


def _first_difference(a: str, b: str) -> str:
    diff = [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), "known", "unknown", n=0, lineterm="")
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    return " | ".join(line.strip()[:160] for line in diff[:4])


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_flatten(v)]]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _flatten(v)]
    return [str(value)]


def _visible_markers(markers: list[Marker], bodies: list[str], supplied: list[str]) -> dict[str, str]:
    """Markers found in the bodies that the writer did not type: {value: what}."""
    joined_supplied = "\n".join(supplied).lower()
    found = {}
    for body in bodies:
        lowered = body.lower()
        for marker in markers:
            if marker.value.lower() not in lowered:
                continue
            if marker.value.lower() in joined_supplied:
                continue
            if any(v in supplied for v in marker.implied_by):
                continue
            found[marker.value] = marker.what
    return found


@dataclass
class Attempt:
    op: write_paths.WriteOp
    label: str
    kind: str
    url: str  # for the known run
    fresh_url: str
    data: Any  # (ctx) -> dict, or None
    api: bool
    must_work: bool = False


def victim_url(op: write_paths.WriteOp, mw: matrix.MatrixWorld, fresh: bool) -> str:
    """The operation's URL with the victim's objects (the access matrix's builders on the
    non-foreign side), or with fresh uuids where the route takes a uuid."""
    entry = matrix_lookup(op.route.name, MATRIX_ENTRIES)
    kwargs = {}
    for name in op.route.kwarg_names:
        if name == "format":
            continue
        builder = (entry.kwargs.get(name) if entry else None) or DEFAULT_KWARGS.get(name)
        assert builder is not None, f"{op.name}: no way to build kwarg {name!r} (add it to the access matrix entry)"
        value = builder(mw, False)
        if fresh and (isinstance(value, uuid.UUID) or UUID_RE.fullmatch(str(value))):
            value = uuid.uuid4()
        kwargs[name] = str(value)
    return reverse(op.route.name, kwargs=kwargs)


def attempts_for(op: write_paths.WriteOp, entry: Expect, ctx: Ctx, writer: str) -> list[Attempt]:
    result = []
    for probe in entry.probes:
        kwargs = {}
        for name in op.route.kwarg_names:
            if name == "format":
                continue
            if name in probe.kwargs:
                kwargs[name] = str(probe.kwargs[name](ctx))
            elif name == "case_uuid":
                kwargs[name] = str(ctx.own_case.uuid)
            else:
                raise AssertionError(f"{op.name}: probe {probe.label!r} has no value for URL kwarg {name!r}")
        url = reverse(op.route.name, kwargs=kwargs) if kwargs else reverse(op.route.name)
        result.append(
            Attempt(op, probe.label, probe.kind, url, url, probe.data, entry.api, writer in probe.must_work_for)
        )
    takes_objects = [n for n in op.route.kwarg_names if n != "format"]
    if takes_objects:
        result.append(
            Attempt(
                op,
                "the victim's objects in the URL (" + ", ".join(takes_objects) + ")",
                "uuid (URL)",
                victim_url(op, ctx.mw, False),
                victim_url(op, ctx.mw, True),
                entry.data,
                entry.api,
            )
        )
    elif not entry.probes:
        url = reverse(op.route.name)
        result.append(Attempt(op, "no identifier", "none", url, url, entry.data, entry.api))
    return result


def exercise(writer: str, world: Any) -> tuple[Run, dict[str, Any]]:
    from cases.models import Case
    from meetings.models import Meeting

    started = time.monotonic()
    ops = write_paths.discover_write_ops()
    entries = {op.name: lookup(op.name) for op in ops}
    exercised = [op for op in ops if isinstance((entries[op.name] or (None, None))[1], Expect)]
    with system_scope():  # set-up: the victim, the matrix objects and the writer's own case
        markers, pnrs = prepare_victim(world)
        mw = matrix.build_state(world, "none")
        # A pending consent on the victim's collaboration (no grant: the state stays "none").
        mw.objects["consent"] = world.request_consent([world.health], ["basic"])
        for op in exercised:  # build every object the victim URLs name, outside the savepoints
            if [n for n in op.route.kwarg_names if n != "format"]:
                victim_url(op, mw, False)
        victim_values, fresh_values = build_values(mw, pnrs)
        own_case = own_case_for(mw, writer)
    who = user_of(mw, writer)
    client = world.client_for(who)
    run = Run()
    ctx = Ctx(w=world, mw=mw, writer=writer, own_case=own_case, v=victim_values)

    # What the writer can already see.
    baseline: set[str] = set()
    for url in baseline_urls(ctx):
        body = _body(_get(client, url, run))
        baseline |= set(_visible_markers(markers, [body], []))
    baseline_seconds = time.monotonic() - started
    markers_now = [m for m in markers if m.value not in baseline]
    all_ids = victim_values.strings() + fresh_values.strings()

    for op in exercised:
        entry = entries[op.name][1]
        assert isinstance(entry, Expect)
        for attempt in attempts_for(op, entry, ctx, writer):
            answers = {}
            for mode in ("known", "unknown"):
                ctx.v = victim_values if mode == "known" else fresh_values
                url = attempt.url if mode == "known" else attempt.fresh_url
                data = attempt.data(ctx) if attempt.data else {}
                supplied = [url, *_flatten(data), TYPED_EMAIL]
                with transaction.atomic():
                    before = _state()
                    max_case, max_meeting = _max_pk(Case), _max_pk(Meeting)
                    chain = _send(client, op.method, url, data, attempt.api, run)
                    changed = _state() != before
                    bodies = [body for _, body in chain]
                    if changed and mode == "known":
                        new_cases = _created(Case, max_case)
                        new_meetings = _created(Meeting, max_meeting)
                        extra = [{"step": "search", "personal_number": victim_values.child_pnr}]
                        for page in after_write_urls(ctx, new_cases, new_meetings):
                            bodies.append(_body(_get(client, page, run)))
                        if writer != "other_family":  # the child search, after the write
                            run.requests += 1
                            bodies.append(_body(client.post(reverse("cases:open"), extra[0])))
                            supplied_search = [*supplied, victim_values.child_pnr]
                        else:
                            supplied_search = supplied
                    else:
                        supplied_search = supplied
                    transaction.set_rollback(True)
                client.cookies.pop("messages", None)
                if mode == "known":
                    leaked = _visible_markers(markers_now, bodies, supplied_search)
                    if leaked:
                        shown = "; ".join(f"{what} ({value})" for value, what in sorted(leaked.items()))
                        run.leaks.append(
                            f"{op.name} as {writer}, typing {attempt.label}: {url} -> "
                            f"{'/'.join(str(s) for s, _ in chain)}; shows {shown}"
                        )
                elif attempt.must_work and not changed:
                    run.vacuous.append(
                        f"{op.name} as {writer} ({attempt.label}): the write with an unknown identifier did not "
                        f"go through ({'/'.join(str(s) for s, _ in chain)}), so the probe proves nothing"
                    )
                answers[mode] = (tuple(s for s, _ in chain), normalize(chain[-1][1], all_ids), changed)
                run.cells.add((op.name, writer, attempt.kind))
            known, unknown = answers["known"], answers["unknown"]
            if known[:2] != unknown[:2]:
                detail = (
                    f"status {'/'.join(map(str, known[0]))} vs {'/'.join(map(str, unknown[0]))}"
                    if known[0] != unknown[0]
                    else _first_difference(known[1], unknown[1])
                )
                run.oracles.append(
                    f"{op.name} as {writer}, typing {attempt.label}: the answer differs for a known and an "
                    f"unknown identifier: {detail}"
                )
    figures = {
        "writer": writer,
        "operations": len(exercised),
        "attempts": len(run.cells),
        "requests": run.requests,
        "baseline_markers": sorted(baseline),
        "seconds": round(time.monotonic() - started, 1),
        "baseline_seconds": round(baseline_seconds, 1),
        "slowest": [f"{u} {t:.2f}s" for u, t in sorted(run.timings.items(), key=lambda x: -x[1])[:8]],
        "kinds": sorted({k for _, _, k in run.cells}),
        "cells": sorted({f"{o}|{k}" for o, _, k in run.cells}),
        "leaks": run.leaks,
        "oracles": run.oracles,
        "vacuous": run.vacuous,
    }
    return run, figures


@pytest.mark.parametrize("writer", WRITERS)
def test_a_write_never_discloses(world, writer, request):
    run, figures = exercise(writer, world)
    request.node.user_properties.append((WRITE_KEY, json.dumps(figures)))
    problems = run.vacuous + run.leaks + run.oracles
    assert not problems, f"{len(problems)} disclosures or vacuous probes as {writer}:\n" + "\n".join(problems)


def write_report(path: Path, summaries: list[dict[str, Any]]) -> None:  # pragma: no cover - used by conftest
    path.write_text(json.dumps(summaries, indent=1))
