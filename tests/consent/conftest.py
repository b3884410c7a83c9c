"""Fixtures for the consent tests."""

from __future__ import annotations

from typing import Any

import pytest

from access.scoping import system_scope
from cases.models import SharedItem
from tests.world import World, category

# The state machine's module is not a test file; its asserts report as a test's do.
pytest.register_assert_rewrite("tests.consent.state_machine")


@pytest.fixture
def lost_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[int]]]:
    """Record what the access-loss hook carries out (after commit, from its `AccessLoss`
    row) instead of calling meetings. The rows themselves are still written and marked
    done, so a test can assert both."""
    calls: list[tuple[int, list[int]]] = []
    monkeypatch.setattr("consent.hooks._carry_out", lambda case_id, agency_ids: calls.append((case_id, agency_ids)))
    return calls


class Clock:
    """Time travel: patch `timezone.now` (and so `localdate`) to a chosen moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def to(self, moment: Any) -> None:
        self.monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def shared_item(world: World, author: Any, code: str, title: str, *, case: Any = None) -> SharedItem:
    with system_scope():
        return SharedItem.objects.create(
            case=case or world.case,
            author_agency=author,
            category=category(code),
            title=title,
            body="Innehåll som bara ska synas med samtycke.",
        )
