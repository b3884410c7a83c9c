"""The access matrix: every URL pattern and API route × every role × every consent state.

Routes are discovered from the URLconf (`get_resolver()`, which includes the DRF router),
so a new route cannot escape: a route with no entry in `tests/security/routes/<app>.py`
fails the suite. An entry says how to build the URL's kwargs from the world and, per
role and consent state, the expected status; helpers below keep most entries one line.
See tests/security/README.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

# --------------------------------------------------------------------------------------
# Roles and consent states
# --------------------------------------------------------------------------------------

ROLES = [
    "coordinator",  # the case's coordinator (coordination agency)
    "author_staff",  # staff of the agency that opened the case and wrote the school item
    "consent_staff",  # staff of an agency the consent names (healthcare)
    "no_consent_staff",  # staff of a participating agency without consent for the category (social)
    "unrelated_staff",  # staff of an agency outside the collaboration
    "agency_admin",  # admin of the agency the consent names (healthcare)
    "guardian",  # a custodial guardian
    "other_guardian",  # the other custodial guardian of the same child (separated)
    "unrelated_guardian",  # a guardian of another child
    "child",  # the child (10: the guardians decide)
    "anonymous",
]
STAFF_ROLES = {"coordinator", "author_staff", "consent_staff", "no_consent_staff", "unrelated_staff", "agency_admin"}
FAMILY_ROLES = {"guardian", "other_guardian", "unrelated_guardian", "child"}
OWN_FAMILY = {"guardian", "other_guardian", "child"}
GUARDIANS = {"guardian", "other_guardian"}

AGENCY = {
    "coordinator": "coordination",
    "author_staff": "school",
    "consent_staff": "health",
    "no_consent_staff": "social",
    "unrelated_staff": "unrelated",
    "agency_admin": "health",
}
# The agencies whose consents manage the case (opener and coordinating agency).
MANAGING = {"school", "coordination"}

STATES = ["none", "granted", "other_category", "expired", "revoked", "refused", "narrowed"]

# What each state grants right now, agency -> category codes. The world builder below
# creates exactly this through the consent services, and the suite checks it does.
_A = {"coordination": {"basic", "school"}, "health": {"basic", "school"}}
_B = {"social": {"basic"}}
GRANTS: dict[str, dict[str, set[str]]] = {
    "none": {},
    "granted": {**_A, **_B},
    "other_category": {"coordination": {"basic", "health"}, "health": {"basic", "health"}, **_B},
    "expired": {**_B},
    "revoked": {**_B},
    "refused": {**_B},
    "narrowed": {"coordination": {"basic", "school"}, "health": {"basic"}, **_B},
}

# --------------------------------------------------------------------------------------
# The model every expectation is written against
# --------------------------------------------------------------------------------------


def grants(role: str, state: str) -> set[str]:
    return GRANTS[state].get(AGENCY.get(role, ""), set())


def sees_case(role: str, state: str) -> bool:
    """The collaboration itself: its opener and coordinating agency, agencies with a
    basic-category grant, the custodial guardians and the child."""
    if role in STAFF_ROLES:
        return AGENCY[role] in MANAGING or "basic" in grants(role, state)
    return role in OWN_FAMILY


def manages(role: str) -> bool:
    """Writes on consents: the named coordinator, or staff of the opener's agency."""
    return role in {"coordinator", "author_staff"}


def sees_item(role: str, state: str, *, author: str, code: str) -> bool:
    """A shared item: the author agency always; another agency with a grant for its
    category; the family (categories visible to the family)."""
    if role in STAFF_ROLES:
        return AGENCY[role] == author or code in grants(role, state)
    return role in OWN_FAMILY


Rule = Callable[[str, str], int]


def everyone(status: int) -> Rule:
    return lambda role, state: status


def by_kind(*, staff: int, family: int, anonymous: int) -> Rule:
    def rule(role: str, state: str) -> int:
        if role == "anonymous":
            return anonymous
        return staff if role in STAFF_ROLES else family

    return rule


def by_role(default: int, **statuses: int) -> Rule:
    return lambda role, state: statuses.get(role, default)


def staff_page(ok: int = 200, *, anonymous: int = 302, family: int = 404) -> Rule:
    return by_kind(staff=ok, family=family, anonymous=anonymous)


def family_page(ok: int = 200, *, anonymous: int = 302, staff: int = 404) -> Rule:
    return by_kind(staff=staff, family=ok, anonymous=anonymous)


def when(test: Callable[[str, str], bool], ok: int = 200, *, denied: int = 404, anonymous: int = 302) -> Rule:
    """`ok` where `test(role, state)` holds, `denied` elsewhere, `anonymous` for anonymous."""

    def rule(role: str, state: str) -> int:
        if role == "anonymous":
            return anonymous
        return ok if test(role, state) else denied

    return rule


def case_object(ok: int = 200, *, denied: int = 404, anonymous: int = 302, staff_only: bool = False) -> Rule:
    """A page about the collaboration (the case itself, its team…)."""
    return when(
        lambda r, s: sees_case(r, s) and (r in STAFF_ROLES or not staff_only), ok, denied=denied, anonymous=anonymous
    )


def child_item(code: str, *, author: str = "school", ok: int = 200, denied: int = 404, anonymous: int = 302) -> Rule:
    """Child data in category `code` written by `author`: author agency 200, consent
    holders only in states granting `code`, the family 200, others 404."""
    return when(lambda r, s: sees_item(r, s, author=author, code=code), ok, denied=denied, anonymous=anonymous)


# --------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------

KwargBuilder = Callable[["MatrixWorld", bool], Any]


@dataclass
class Entry:
    """Expectations for one route.

    get / post: Rule (role, state) -> status; post None means POST is not probed.
    kwargs: builders for URL kwargs (world, foreign) -> value, overriding the defaults.
    data: POST data, or a callable (world) -> dict.
    foreign: whether foreign-id probes apply (routes with object ids).
    every_state: False probes the route in the "granted" state only.
    """

    get: Rule
    post: Rule | None = None
    kwargs: dict[str, KwargBuilder] = field(default_factory=dict)
    data: dict[str, Any] | Callable[[MatrixWorld], dict[str, Any]] = field(default_factory=dict)
    foreign: bool = True
    api: bool = False
    # False for routes that cannot show child data (sign-in, the admin, static texts):
    # probed in one consent state ("granted") instead of all seven, to keep the run short.
    every_state: bool = True


def entry(get: Rule, **kwargs: Any) -> Entry:
    return Entry(get=get, **kwargs)


def no_child_data(get: Rule, **kwargs: Any) -> Entry:
    """A route that cannot show child data (sign-in, the admin, static texts)."""
    return Entry(get=get, every_state=False, **kwargs)


ONE_STATE = "granted"


# --------------------------------------------------------------------------------------
# The world for one consent state
# --------------------------------------------------------------------------------------

MARKERS = {
    # title -> (author agency, category code)
    "MARKER-SCHOOL-ITEM-7f3a": ("school", "school"),
    "MARKER-HEALTH-ITEM-91c2": ("health", "health"),
    "MARKER-SOCIAL-ITEM-44d8": ("social", "social"),
}
FOREIGN_MARKER = "MARKER-FOREIGN-ITEM-0b6e"
CHILD_NAME = "Alva Testsson"


@dataclass
class MatrixWorld:
    world: Any
    state: str
    objects: dict[str, Any] = field(default_factory=dict)
    foreign_objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    def obj(self, key: str, foreign: bool) -> Any:
        return (self.foreign_objects if foreign else self.objects).get(key)

    def uuid_of(self, key: str, foreign: bool) -> Any:
        found = self.obj(key, foreign)
        return found.uuid if found is not None else uuid.uuid4()  # absent in this state: a fresh id

    def user_for(self, role: str) -> Any:
        w = self.world
        return {
            "coordinator": w.coordinator,
            "author_staff": w.school_staff,
            "consent_staff": w.health_staff,
            "no_consent_staff": w.social_staff,
            "unrelated_staff": w.unrelated_staff,
            "agency_admin": w.health_admin,
            "guardian": w.guardian1.user,
            "other_guardian": w.guardian2.user,
            "unrelated_guardian": w.other_guardian.user,
            "child": w.child.user,
        }.get(role)

    def client(self, role: str) -> Client:
        who = self.user_for(role)
        return Client() if who is None else self.world.client_for(who)


def build_state(world: Any, state: str) -> MatrixWorld:
    """Create the consents of `state` through the services, the marker items, and the
    foreign case's objects for foreign-id probes."""
    from access.scoping import system_scope
    from cases.models import SharedItem, TeamMember
    from consent import services
    from consent.models import Consent
    from tests.world import category, staff_viewer

    mw = MatrixWorld(world=world, state=state)
    w = world
    agencies = {
        "school": w.school,
        "health": w.health,
        "social": w.social,
        "coordination": w.coordination,
        "unrelated": w.unrelated,
    }
    with system_scope():
        for title, (author, code) in MARKERS.items():
            mw.objects[f"item:{code}"] = SharedItem.objects.create(
                case=w.case, author_agency=agencies[author], category=category(code), title=title, body=title
            )
        TeamMember.objects.get_or_create(case=w.other_case, agency=w.unrelated)
        foreign_item = SharedItem.objects.create(
            case=w.other_case,
            author_agency=w.unrelated,
            category=category("school"),
            title=FOREIGN_MARKER,
            body=FOREIGN_MARKER,
        )
        for code in ("school", "health", "social"):
            mw.foreign_objects[f"item:{code}"] = foreign_item
        foreign_consent = services.consent_request(
            viewer=staff_viewer(w.unrelated_staff),
            case=w.other_case,
            purpose="Annan familj.",
            agency_ids=[w.unrelated.pk],
            category_ids=[category("basic").pk],
        )
        mw.foreign_objects["consent"] = foreign_consent
        mw.foreign_objects["case"] = w.other_case
        mw.objects["case"] = w.case

        if state == "none":
            return mw
        codes_a = ["basic", "health"] if state == "other_category" else ["basic", "school"]
        consent_a = w.request_consent([w.coordination, w.health], codes_a)
        consent_b = w.request_consent([w.social], ["basic"])
        w.decide(consent_b, w.guardian1)
        w.decide(consent_b, w.guardian2)
        w.decide(consent_a, w.guardian1)
        if state == "refused":
            w.decide(consent_a, w.guardian2, "refused")
        else:
            w.decide(consent_a, w.guardian2)
        if state == "revoked":
            w.decide(consent_a, w.guardian2, "revoked")
        if state == "expired":
            today = timezone.localdate()
            Consent.objects.filter(pk=consent_a.pk).update(
                valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=35)
            )
            services.grants_rebuild(w.case)
            consent_a.refresh_from_db()
        if state == "narrowed":
            from tests.world import family_viewer

            consent_a = services.consent_narrow(
                viewer=family_viewer(w.guardian1.user),
                consent=consent_a,
                remove=[(w.health.pk, category("school").pk)],
            )
        mw.objects["consent"] = consent_a
    return mw


def effective_grants(mw: MatrixWorld) -> dict[str, set[str]]:
    """What the database says each agency may see now (to check the model above)."""
    from access.scoping import system_scope
    from consent.models import ConsentGrant

    names = {
        mw.school.pk: "school",
        mw.health.pk: "health",
        mw.social.pk: "social",
        mw.coordination.pk: "coordination",
        mw.unrelated.pk: "unrelated",
    }
    now = timezone.now()
    result: dict[str, set[str]] = {}
    with system_scope():
        for agency_id, code in ConsentGrant.objects.filter(
            case=mw.case, starts_at__lte=now, ends_at__gt=now
        ).values_list("agency_id", "category__code"):
            result.setdefault(names[agency_id], set()).add(code)
    return result


# --------------------------------------------------------------------------------------
# Route discovery
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "<unnamed> <pattern>"
    pattern: str
    kwarg_names: tuple[str, ...]

    @property
    def app(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""


def _kwarg_names(pattern: Any) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(patterns: list[Any], prefix: str, namespace: str | None, kwargs: list[str]) -> Iterator[Route]:
    for p in patterns:
        names = kwargs + _kwarg_names(p.pattern)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns, names)
        elif isinstance(p, URLPattern):
            pattern = prefix + str(p.pattern)
            qualified = f"{namespace}:{p.name}" if namespace and p.name else p.name
            name = qualified or f"<unnamed> {pattern}"
            yield Route(name=name, pattern=pattern, kwarg_names=tuple(names))


def discover() -> list[Route]:
    """Every route of the project, once per name (DRF's `.json` format-suffix twins are
    the same view and are folded into their route)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None, []):
        if "format" in route.kwarg_names and route.name in seen:
            continue
        seen.setdefault(route.name, route)
    return list(seen.values())
