"""Set up a fresh embedded SQLite file for tests/portal/test_embedded_sqlite.py (run in a
process of its own, with the embedded environment: SQLITE_PATH, no DATABASE_URL).

The schema is made from the models, as `pytest --nomigrations` does, and the reference
rows the data migrations add are put in: the whole migration chain takes 30-150 s on a
shared machine, and the test is about locking, not migrations (the migrations' SQL
differs from the models' only on PostgreSQL: triggers, roles, functions). Prints one JSON
line: the case, the sessions of the signed-in coordinator (with TOTP, so the second-factor
gate lets them through), and the number of mapping rows already there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main(sessions: int) -> None:
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)

    from access.scoping import system_scope
    from tests.conftest import ensure_reference_data
    from tests.world import build_world

    ensure_reference_data()
    world = build_world()
    keys = []
    for _n in range(sessions):  # only the coordinator may write the mapping: a session each
        client = world.client_for(world.coordinator)
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    with system_scope():
        print(json.dumps({"case": str(world.case.uuid), "case_id": world.case.pk, "sessions": keys}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
