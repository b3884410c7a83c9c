"""Shared fixtures: eager Celery, a clean cache, the system scope for set-up, the world.

Scopes run as in production. Fixtures (set-up and tear-down) run in the system scope;
the test body runs in NO scope, so a service, selector or query the test calls directly
must say whose eyes it runs with (`scope(viewer)` or `system_scope()`), exactly as a
view, task or consumer must. Requests enter their viewer's scope in middleware; eager
Celery tasks run in a fresh context, as in a worker, so a task that forgets to enter
its own scope fails here as it would in production.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from access.scoping import SYSTEM_VIEWER, _current, system_scope
from portal.celery import app as celery_app
from tests.world import World, build_world


def pytest_report_header(config: pytest.Config) -> str:
    return f"Samverkansportalen test services: {settings.PORTAL_SERVICES_LABEL}"


# The files that take longest, longest first. bin/test runs xdist with --dist loadfile and
# --no-loadscope-reorder, so files are handed out in the order below: these first, then the
# rest by their number of tests. (xdist's own order is by number of tests alone, which put
# these few-test files last: the state machine ran alone for the suite's last 10 minutes.)
SLOW_FILES = [
    "tests/security/test_access_matrix.py",
    "tests/security/test_write_disclosure.py",
    "tests/security/test_access_matrix_more.py",
    "tests/security/test_access_matrix_expired.py",
    "tests/security/test_access_matrix_refused.py",
    "tests/api/test_schemathesis.py",
    "tests/consent/test_state_machine_1.py",
    "tests/consent/test_state_machine_2.py",
    "tests/consent/test_state_machine_3.py",
    "tests/consent/test_state_machine_4.py",
    "tests/insights/test_suppression.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        # One process (the browser tests run with -p no:xdist): keep pytest's own order. The
        # browser tests share one server and its log, and were written in that order.
        return

    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    counts: dict[str, int] = {}
    for item in items:
        counts[file_of(item)] = counts.get(file_of(item), 0) + 1
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: (rank.get(file_of(item), len(rank)), -counts[file_of(item)], file_of(item)))


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest) -> Generator[None, Any, Any]:
    """Set-up runs in the system scope (explicitly, here, not by an autouse fixture)."""
    token = _current.set(SYSTEM_VIEWER)
    try:
        return (yield)
    finally:
        _current.reset(token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
    token = _current.set(SYSTEM_VIEWER)
    try:
        return (yield)
    finally:
        _current.reset(token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """The test body runs with no scope at all, as a request does before its middleware."""
    token = _current.set(None)
    try:
        return (yield)
    finally:
        _current.reset(token)


@pytest.fixture(autouse=True)
def _eager_celery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Changing Django settings at test time has no effect on the configured app.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    # A worker runs each task in a context of its own: no scope, no active language
    # inherited from whoever queued it. An eager task gets the same (database
    # connections are per thread, so it still shares the test's transaction).
    from celery.app.task import Task

    apply = Task.apply

    def apply_as_a_worker(self: Task, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(apply, self, *args, **kwargs)

    monkeypatch.setattr(Task, "apply", apply_as_a_worker)
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


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's set-up, except that on PostgreSQL each worker's test database is a
    copy of one migrated template (tests/db_template.py) instead of a migration of its own."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests import db_template

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    connection = connections["default"]
    cloned = False
    with django_db_blocker.unblock():
        if "default" in aliases and connection.vendor == "postgresql" and django_db_use_migrations and not keepdb:
            template = db_template.ensure_template(connection.settings_dict)
            db_template.clone(connection.settings_dict, template, connection.creation._get_test_db_name())
            cloned = True
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb or cloned,
        )
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture
def no_scope() -> None:
    """Documents a test that relies on the body having no scope (every body has none)."""


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def mailoutbox_bodies(mailoutbox: list) -> list:
    return mailoutbox


@pytest.fixture
def no_template_queries() -> Iterator[Any]:
    """Any query a template starts while it renders fails the test, naming the template
    and the SQL (tests/template_queries.py)."""
    from tests.template_queries import no_template_queries as guard

    with guard() as violations:
        yield violations
    assert not violations, violations.report()


# The schemathesis run (tests/api/test_schemathesis.py) writes its counts here; they are
# printed at the end of the run, so CI's log has them (the test's own output is captured).
SCHEMATHESIS_SUMMARY = Path(__file__).resolve().parents[1] / "artifacts" / "schemathesis.txt"
_SESSION_STARTED = time.time()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCHEMATHESIS_SUMMARY.exists() and SCHEMATHESIS_SUMMARY.stat().st_mtime >= _SESSION_STARTED:
        terminalreporter.write_line(SCHEMATHESIS_SUMMARY.read_text().strip())
