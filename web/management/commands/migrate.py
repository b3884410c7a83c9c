"""`manage.py migrate`, as the owner role when `DATABASE_OWNER_URL` is set.

The application connects with `DATABASE_URL` as a role that owns nothing
(`accesslog.db_roles`); migrations need the owner. With `DATABASE_OWNER_URL` set, this
command connects the default database as the owner for its whole run (so data
migrations, which write through the default alias, run as the owner too) and afterwards
grants the application role its privileges. Without it, it is Django's migrate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from accesslog import db_roles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Connects as DATABASE_OWNER_URL's role when set, then grants the application role."

    def handle(self, *args: Any, **options: Any) -> None:
        owner = getattr(settings, "DATABASE_OWNER", None)
        connection = connections[options["database"]]
        if owner and options["database"] == DEFAULT_DB_ALIAS:
            connection.close()
            # Credentials and address only: the database name stays the one Django chose
            # (the test database under pytest).
            connection.settings_dict.update(owner)
        super().handle(*args, **options)
        app_role = getattr(settings, "DATABASE_APP_ROLE", "")
        if connection.vendor == "postgresql" and app_role:
            with connection.cursor() as cursor:
                db_roles.grant(cursor, app=app_role)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Granted the application role {app_role} its privileges.")
