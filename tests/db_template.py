"""A migrated template database, cloned for each test database (PostgreSQL only).

Migrating from nothing takes about a minute of CPU, and each xdist worker and the browser
tests' server used to do it on its own. The first to need it migrates a template database
once (under a file lock, with `manage.py migrate`, as before); every test database is then
`CREATE DATABASE ... TEMPLATE`, which takes a second. The template's name carries a digest
of every installed app's migration files (and Django's version), so a changed or added
migration makes a new template; older templates of the same database are dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]


def migrations_digest() -> str:
    import django
    from django.apps import apps

    digest = hashlib.sha256(django.__version__.encode())
    for app in sorted(apps.get_app_configs(), key=lambda a: a.label):
        folder = Path(app.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{app.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _url(settings_dict: dict[str, Any], name: str) -> str:
    from urllib.parse import quote

    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    path = Path(tempfile.gettempdir()) / f"svp-db-template-{name}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin(settings_dict: dict[str, Any]) -> Any:
    return psycopg.connect(_url(settings_dict, "postgres"), autocommit=True)


def _exists(conn: Any, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def ensure_template(settings_dict: dict[str, Any]) -> str:
    """The name of the migrated template for this database, migrating it if needed."""
    base = settings_dict["NAME"]
    prefix = f"{base}_tmpl_"[:50]
    template = prefix + migrations_digest()
    with _locked(template), _admin(settings_dict) as conn:
        if _exists(conn, template):
            return template
        wip = template + "_wip"
        conn.execute(f'DROP DATABASE IF EXISTS "{wip}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{wip}"')
        env = {**os.environ, "DATABASE_URL": _url(settings_dict, wip)}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        conn.execute(f'ALTER DATABASE "{wip}" RENAME TO "{template}"')
        for (stale,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [prefix.replace("_", r"\_") + "%", template],
        ).fetchall():
            with contextlib.suppress(psycopg.errors.ObjectInUse):  # another run is cloning it
                conn.execute(f'DROP DATABASE IF EXISTS "{stale}"')
    return template


def clone(settings_dict: dict[str, Any], template: str, name: str) -> None:
    """(Re)create database `name` as a copy of `template`. A database of that name still in
    use (another run's) is not dropped: PostgreSQL refuses, as Django's own set-up does."""
    with _locked(template), _admin(settings_dict) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
