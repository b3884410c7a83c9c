"""`manage.py create_db_roles`: the PostgreSQL owner and application roles (accesslog.db_roles).

Run once per database with a superuser's DATABASE_URL (on a new or an existing database):
creates both login roles if missing (passwords from DB_OWNER_PASSWORD / DB_APP_PASSWORD),
makes the owner role own the database and everything in it, and grants the application
role. `--check` only reports what is wrong with the application role (exit 1 if anything),
and needs no superuser.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

from accesslog import db_roles


class Command(BaseCommand):
    help = "Create the owner and application roles of the PostgreSQL database, or --check the layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="samverkan_owner", help="Owner role (runs the migrations).")
        parser.add_argument("--app", default="samverkan_app", help="Application role (owns nothing).")
        parser.add_argument("--check", action="store_true", help="Only check the application role's layout.")

    def handle(self, *args: Any, owner: str, app: str, check: bool, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist only on PostgreSQL (DATABASE_URL).")
        if not check:
            passwords = {
                role: os.environ.get(variable, "")
                for role, variable in ((owner, "DB_OWNER_PASSWORD"), (app, "DB_APP_PASSWORD"))
            }
            with transaction.atomic(), connection.cursor() as cursor:
                created = db_roles.create_roles(cursor, owner=owner, app=app, passwords=passwords)
                name = connection.settings_dict["NAME"]
                cursor.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}")
                    .format(sql.Identifier(name), sql.Identifier(owner))
                    .as_string(cursor.connection)
                )
                moved = db_roles.take_ownership(cursor, owner=owner)
                db_roles.grant(cursor, app=app)
            self.stdout.write(
                f"Roles: {owner} (owner; created: {'yes' if owner in created else 'no'}), "
                f"{app} (application; created: {'yes' if app in created else 'no'}); "
                f"{moved} objects moved to {owner}; {app} granted."
            )
        with connection.cursor() as cursor:
            found = db_roles.problems(cursor, app=app)
        if found:
            for problem in found:
                self.stdout.write(self.style.ERROR(f"PROBLEM {problem}"))
            raise CommandError(f"{len(found)} problems with the role {app}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"OK      {app} owns nothing and may only SELECT and INSERT the log."))
