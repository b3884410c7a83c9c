"""PostgreSQL roles: an owner that runs the migrations, an application role that owns nothing.

* The **owner** role owns every table, sequence and function; `manage.py migrate` connects
  as it when `DATABASE_OWNER_URL` is set (`web/management/commands/migrate.py`).
* The **application** role (`DATABASE_URL`: the portal, workers, beat) owns nothing, so it
  cannot ALTER a table or DISABLE a trigger. It reads and writes the domain tables, but may
  only SELECT and INSERT the access log and the audit trail (no UPDATE, DELETE, TRUNCATE),
  so the `app.retention` flag the triggers read opens nothing for it. Retention goes
  through `portal_accesslog_retain(chain)` (SECURITY DEFINER, migration 0008), which
  removes only what the retention rules allow and records the anchor itself.
* Appends go through `accesslog_append(jsonb)` (SECURITY INVOKER, migration accesslog
  0002): it runs with the application role's own rights (SELECT, INSERT), which it is
  granted EXECUTE on, like the retention function, instead of everyone.

`manage.py create_db_roles` creates both roles (as a superuser); `grant()` runs after
every migrate; `problems()` lists what is wrong with a layout (`create_db_roles --check`).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

LOG_TABLES = ("portal_accesslogentry", "portal_auditevent")
RETAIN_FUNCTION = "portal_accesslog_retain(text)"
APPEND_FUNCTION = "accesslog_append(jsonb)"
FUNCTIONS = (RETAIN_FUNCTION, APPEND_FUNCTION)
DOMAIN_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def _q(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _exec(cursor: Any, query: sql.Composable | str, params: list[Any] | None = None) -> None:
    text = query.as_string(cursor.connection) if isinstance(query, sql.Composable) else query
    cursor.execute(text, params)


def _existing(cursor: Any, tables: tuple[str, ...]) -> list[str]:
    cursor.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL", [list(tables)])
    return [name for (name,) in cursor.fetchall()]


def create_roles(cursor: Any, *, owner: str, app: str, passwords: dict[str, str] | None = None) -> list[str]:
    """Create the two login roles if missing (needs CREATEROLE). Returns those created.

    Neither is a superuser, creates roles or databases, or bypasses row-level security."""
    created = []
    for role in (owner, app):
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            create = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
            _exec(cursor, create.format(_q(role)))
            created.append(role)
        password = (passwords or {}).get(role)
        if password:
            _exec(cursor, sql.SQL("ALTER ROLE {} PASSWORD {}").format(_q(role), sql.Literal(password)))
    return created


def take_ownership(cursor: Any, *, owner: str) -> int:
    """Give the owner role every table, view, sequence and function of the public schema
    (a database migrated before the split, or the test database). Needs a superuser.
    Returns the number of objects moved."""
    cursor.execute(
        """
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND pg_get_userbyid(c.relowner) <> %s
           -- a sequence owned by a column moves with its table
           AND NOT (c.relkind = 'S' AND EXISTS (
                SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        """,
        [owner],
    )
    moved = 0
    for name, kind in cursor.fetchall():
        keyword = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(kind, "TABLE")
        _exec(cursor, sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(keyword), _q(name), _q(owner)))
        moved += 1
    cursor.execute(
        """
        SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
        """,
        [owner],
    )
    for (signature,) in cursor.fetchall():
        _exec(cursor, sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), _q(owner)))
        moved += 1
    return moved


def grant(cursor: Any, *, app: str) -> None:
    """Give the application role what it needs and nothing more. Run as the owner (or a
    superuser) after every migrate: idempotent."""
    q = _q(app)
    statements: list[sql.Composable] = [
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(q),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(q),
        sql.SQL("GRANT " + DOMAIN_PRIVILEGES + " ON ALL TABLES IN SCHEMA public TO {}").format(q),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(q),
        # Tables and sequences a later migration or createcachetable makes.
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT " + DOMAIN_PRIVILEGES + " ON TABLES TO {}").format(q),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(q),
    ]
    for table in _existing(cursor, LOG_TABLES):  # none yet in a new database: migrate grants again
        statements += [
            sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC").format(_q(table)),
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE {} FROM {}").format(_q(table), q),
            sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(_q(table), q),
        ]
    for function in FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
        if cursor.fetchone()[0]:
            statements += [
                sql.SQL("REVOKE ALL ON FUNCTION " + function + " FROM PUBLIC"),
                sql.SQL("GRANT EXECUTE ON FUNCTION " + function + " TO {}").format(q),
            ]
    for statement in statements:
        _exec(cursor, statement)


def problems(cursor: Any, *, app: str) -> list[str]:
    """What is wrong with the application role's layout (an empty list when nothing)."""
    found: list[str] = []
    cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = %s", [app])
    row = cursor.fetchone()
    if row is None:
        return [f"role {app} does not exist"]
    for flag, name in zip(row, ("SUPERUSER", "CREATEROLE", "CREATEDB", "BYPASSRLS"), strict=True):
        if flag:
            found.append(f"{app} has {name}")
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND pg_has_role(%s, c.relowner, 'USAGE')
        UNION ALL
        SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND pg_has_role(%s, p.proowner, 'USAGE')
        """,
        [app, app],
    )
    owned = sorted(name for (name,) in cursor.fetchall())
    if owned:
        found.append(f"{app} owns (or is a member of the owner of) {len(owned)} objects, e.g. {', '.join(owned[:3])}")
    for table in _existing(cursor, LOG_TABLES):
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app, table, privilege])
            if cursor.fetchone()[0]:
                found.append(f"{app} has {privilege} on {table}")
        cursor.execute("SELECT has_table_privilege(%s, %s, 'INSERT')", [app, table])
        if not cursor.fetchone()[0]:
            found.append(f"{app} cannot INSERT into {table}")
    for function in FUNCTIONS:
        cursor.execute(
            "SELECT to_regprocedure(%s) IS NOT NULL AND NOT has_function_privilege(%s, %s, 'EXECUTE')",
            [function, app, function],
        )
        if cursor.fetchone()[0]:
            found.append(f"{app} cannot EXECUTE {function}")
    cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [app])
    if cursor.fetchone()[0]:
        found.append(f"{app} may CREATE in schema public")
    return found
