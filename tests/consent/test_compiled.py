"""The compiled rules (consent/compiled.py) see exactly what the rules built afresh see.

For every scoped model, every kind of viewer of the access matrix and several consent
states, the rows a compiled rule lets through are the rows the Django condition lets
through; a revocation holds on the next query with the compiled rule already in the
cache; a rule that would bake in a moment of its own is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from access import compiled, policy
from access.management.commands.access_rules import scoped_models
from access.scoping import ANONYMOUS_VIEWER, scope, system_scope
from tests.meetings.conftest import ALL_CODES, at, call_meeting, name_contact
from tests.security.matrix import ROLES, build_state
from tests.world import World, family_viewer, staff_viewer

pytestmark = pytest.mark.django_db


def viewers(mw: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"anonymous": ANONYMOUS_VIEWER}
    for role in ROLES:
        who = mw.user_for(role)
        if who is None:
            continue
        if hasattr(who, "agency_id"):
            found[role] = staff_viewer(who)
        else:
            found[role] = family_viewer(who, "child" if role == "child" else "guardian")
    return found


def _meeting_with_everything(world: World) -> None:
    """A meeting with invitations, preparations and the child's words, so the meeting
    models' rules have rows to disagree about."""
    from meetings.models import ChildVoice, Preparation

    name_contact(world, world.school_staff)
    name_contact(world, world.health_staff)
    meetings = [call_meeting(world, starts_at=at(days), ends_at=at(days, 15)) for days in (7, 8)]
    with system_scope():
        Preparation.objects.create(
            case=world.case,
            meeting=meetings[0],
            author_agency=world.school,
            submitted_at=timezone.now(),
        )
        for meeting, share_with in zip(
            meetings, (ChildVoice.ShareWith.COORDINATOR, ChildVoice.ShareWith.EVERYONE), strict=True
        ):
            ChildVoice.objects.create(
                case=world.case,
                meeting=meeting,
                author_agency=world.coordination,
                share_with=share_with,
                good_things="Jag vill ha lugn i klassrummet.",
            )


def _compare(models: list[Any], seen_by: dict[str, Any]) -> list[str]:
    differences = []
    for model in models:
        for role, viewer in seen_by.items():
            with system_scope():
                built = set(model._base_manager.filter(policy.rule_q(model, viewer)).values_list("pk", flat=True))
                by_compiled = set(compiled.apply(model._base_manager.all(), viewer).values_list("pk", flat=True))
            if built != by_compiled:
                differences.append(
                    f"{model._meta.label} as {role}: built {sorted(built)} compiled {sorted(by_compiled)}"
                )
    return differences


@pytest.mark.parametrize("state", ["none", "granted", "revoked", "narrowed"])
def test_compiled_rules_let_through_exactly_the_rows_the_built_rules_do(world: World, state: str) -> None:
    mw = build_state(world, state)
    if state == "granted":
        world.grant([world.school, world.health, world.coordination], ALL_CODES)
        _meeting_with_everything(world)
    models = scoped_models()
    seen_by = viewers(mw)
    assert len(models) >= 25 and len(seen_by) == 11
    assert _compare(models, seen_by) == []
    # The comparison is not vacuous: staff and family see rows of many models.
    with system_scope():
        seen = sum(
            1
            for model in models
            for viewer in seen_by.values()
            if compiled.apply(model._base_manager.all(), viewer).exists()
        )
    assert seen >= 40


def test_a_revocation_holds_on_the_next_query_with_the_rule_compiled(world: World) -> None:
    from cases.models import SharedItem
    from tests.world import category

    consent = world.grant([world.health], ["basic", "school"])
    with system_scope():
        item = SharedItem.objects.create(
            case=world.case, author_agency=world.school, category=category("school"), title="Betyg", body="…"
        )
    health = staff_viewer(world.health_staff)
    with scope(health):
        assert list(SharedItem.objects.filter(pk=item.pk)) == [item]
    rule = compiled.rule_for(SharedItem, health, connection)
    world.decide(consent, world.guardian1, "revoked")
    with scope(health):
        assert not SharedItem.objects.filter(pk=item.pk).exists()
    assert compiled.rule_for(SharedItem, health, connection) is rule  # the same SQL, a new answer


def test_one_compilation_serves_every_viewer_of_a_kind(world: World) -> None:
    from cases.models import Case

    compiled.clear()
    calls = []
    original = compiled.compile_rule

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0]._meta.label)
        return original(*args, **kwargs)

    compiled.compile_rule = counting  # type: ignore[assignment]
    try:
        for membership in (world.school_staff, world.health_staff, world.social_staff, world.unrelated_staff):
            with scope(staff_viewer(membership)):
                list(Case.objects.all())
    finally:
        compiled.compile_rule = original  # type: ignore[assignment]
    assert calls == ["cases.Case"]
    with scope(staff_viewer(world.school_staff)):
        assert list(Case.objects.all()) == [world.case]
    with scope(staff_viewer(world.unrelated_staff)):
        assert list(Case.objects.all()) == [world.other_case]


def test_a_rule_that_bakes_in_a_moment_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from cases.models import SharedItem

    real = policy.rule_q

    def stale(model: Any, viewer: Any) -> Q:
        if model is SharedItem:
            return Q(created_at__lte=timezone.now()) & real(model, viewer)
        return real(model, viewer)

    monkeypatch.setattr(policy, "rule_q", stale)
    with pytest.raises(compiled.RuleCompileError, match="holds a moment of its own"):
        compiled.compile_rule(SharedItem, staff_viewer(world.school_staff), connection)


def test_anonymous_viewers_compile_to_nothing(world: World) -> None:
    from cases.models import Case

    rule = compiled.rule_for(Case, ANONYMOUS_VIEWER, connection)
    assert rule.nothing
    with scope(ANONYMOUS_VIEWER):
        assert list(Case.objects.all()) == []


def test_the_rule_table_names_every_scoped_model_for_every_kind_of_viewer(world: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("access_rules", stdout=out)
    text = out.getvalue()
    models = scoped_models()
    assert text.startswith(f"{len(models)} scoped models × 6 kinds of viewer")
    for model in models:
        for kind in ("staff:staff", "staff:admin", "family:guardian", "family:child", "anonymous:"):
            assert f"## {model._meta.label} — {kind}\n" in text
    case_rule = text.split("## cases.Case — staff:staff\n", 1)[1].split("\n## ", 1)[0]
    assert ":agency" in case_rule and ":now" in case_rule and "consent_consentgrant" in case_rule
    anonymous_rule = text.split("## cases.Case — anonymous:\n", 1)[1].split("\n## ", 1)[0]
    assert anonymous_rule.strip() == "(nothing)"
