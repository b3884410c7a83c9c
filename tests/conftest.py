"""Shared fixtures: eager Celery, a clean cache, the system scope for set-up, the world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache

from consent.scoping import _current, system_scope
from portal.celery import app as celery_app
from tests.world import World, build_world


def pytest_report_header(config: pytest.Config) -> str:
    return f"Samverkansportalen test services: {settings.PORTAL_SERVICES_LABEL}"


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    # Changing Django settings at test time has no effect on the configured app.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _system_scope_for_setup() -> Iterator[None]:
    """Tests set up data freely; requests enter their own viewer's scope in middleware."""
    with system_scope():
        yield


@pytest.fixture
def no_scope() -> Iterator[None]:
    """Run the test body with no scope at all (to prove the guard raises)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def mailoutbox_bodies(mailoutbox: list) -> list:
    return mailoutbox
