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
def _swedish() -> Iterator[None]:
    # A request in English leaves English active in the worker's thread; each test starts
    # in the portal's language so service messages are checked as users get them.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# Reference data that data migrations create. A transactional test ends with a flush
# (TRUNCATE) that removes it for every later test in the same worker; put it back.
REFERENCE_DATA = [
    ("consent.migrations.0005_category_description_en", "add_categories", "consent", "InformationCategory"),
    ("portal.migrations.0002_initial_editable_texts", "add_texts", "portal", "EditableText"),
    ("insights.migrations.0002_initial_categories_and_service_areas", "add", "insights", "GapCategory"),
    ("directory.migrations.0002_initial_need_kinds", "add", "directory", "NeedKind"),
    ("consent.migrations.0007_seed_category_defaults", "add_defaults", "consent", "CategoryDefault"),
]


def ensure_reference_data() -> None:
    from importlib import import_module

    from django.apps import apps

    with system_scope():
        for module_name, function, app_label, model_name in REFERENCE_DATA:
            module = import_module(module_name)
            if model_name is not None and apps.get_model(app_label, model_name)._base_manager.exists():
                continue
            getattr(module, function)(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not names & {"db", "transactional_db", "world", "django_db_reset_sequences"}:
        return
    request.getfixturevalue("transactional_db" if marker and marker.kwargs.get("transaction") else "db")
    ensure_reference_data()


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
