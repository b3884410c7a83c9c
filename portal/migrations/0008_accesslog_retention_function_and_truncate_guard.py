"""PostgreSQL: retention of the access log through one narrow function; TRUNCATE refused.

With the roles of `portal.db_roles` the application's role may only SELECT and INSERT the
access log and the audit trail: it has no UPDATE, DELETE or TRUNCATE privilege, so the
`app.retention` flag that the triggers read opens nothing for it. Retention (gallring)
calls `portal_accesslog_retain(chain)`, a SECURITY DEFINER function owned by the owner
role, which works out the chain's period itself (its principal's
`access_log_retention_days`, the longest of all for the families' chain, never under
five years), removes only the oldest entries past it, and writes the chain's new anchor
(`accesslog.retained`) in the same statement, so an anchor always vouches for exactly
what went. The anchor carries the last removed entry itself: `verify_access_log` checks
that it hashes to the anchor's hash and is past five years, so an anchor written by hand
to excuse removing younger entries is found.

The triggers of 0006 stay the second line (against the owner role, which may DELETE):
entries younger than five years are never deleted; audit events only when older than
five years and never the log's anchors and checkpoints. TRUNCATE skips row triggers, so
both tables get a statement trigger that refuses it (to all but a superuser, who can
switch triggers off anyway, and whose flush between transactional tests needs it).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('app.retention', true) = 'on'
       AND OLD.at < now() - interval '1825 days'
       AND OLD.action NOT LIKE 'accesslog.%' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of event % rejected', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE FUNCTION portal_log_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A superuser gets past any trigger anyway (session_replication_role); the test
    -- suite's flush between transactional tests is one.
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the access log and the audit trail are append-only: TRUNCATE of % rejected', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS accesslog_no_truncate ON portal_accesslogentry;
CREATE TRIGGER accesslog_no_truncate BEFORE TRUNCATE ON portal_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION portal_log_no_truncate();
DROP TRIGGER IF EXISTS auditevent_no_truncate ON portal_auditevent;
CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON portal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION portal_log_no_truncate();

CREATE OR REPLACE FUNCTION portal_accesslog_retain(p_chain text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    days integer;
    cutoff timestamptz;
    first_kept bigint;
    last_row portal_accesslogentry;
    removed bigint;
BEGIN
    IF p_chain ~ '^agency:[0-9]+$' THEN
        SELECT p.access_log_retention_days INTO days
          FROM agencies_agency a JOIN agencies_principal p ON p.id = a.principal_id
         WHERE a.id = substr(p_chain, 8)::bigint;
    ELSE
        SELECT max(access_log_retention_days) INTO days FROM agencies_principal;
    END IF;
    -- Five years is the legal minimum whatever a principal configures.
    days := GREATEST(COALESCE(days, 1827), 1827);
    cutoff := now() - make_interval(days => days);
    -- The lock appends take (portal.accesslog._lock_key): no entry joins the chain meanwhile.
    PERFORM pg_advisory_xact_lock(
        ('x' || substr(encode(sha256(convert_to('portal.accesslog:' || p_chain, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint
    );
    SELECT min(seq) INTO first_kept FROM portal_accesslogentry WHERE chain = p_chain AND at >= cutoff;
    SELECT * INTO last_row FROM portal_accesslogentry
     WHERE chain = p_chain AND at < cutoff AND (first_kept IS NULL OR seq < first_kept)
     ORDER BY seq DESC LIMIT 1;
    IF last_row.id IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('app.retention', 'on', true);
    DELETE FROM portal_accesslogentry WHERE chain = p_chain AND seq <= last_row.seq;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('app.retention', 'off', true);
    INSERT INTO portal_auditevent (at, action, object_type, object_id, data)
    VALUES (now(), 'accesslog.retained', 'portal.AccessLogEntry', '', jsonb_build_object(
        'chain', p_chain, 'up_to_seq', last_row.seq, 'hash', last_row.hash, 'removed', removed,
        'cutoff', to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
        'days', days, 'by', session_user, 'entry', to_jsonb(last_row)));
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION portal_accesslog_retain(text) FROM PUBLIC;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS portal_accesslog_retain(text);
DROP TRIGGER IF EXISTS accesslog_no_truncate ON portal_accesslogentry;
DROP TRIGGER IF EXISTS auditevent_no_truncate ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_log_no_truncate();
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('app.retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % of event % rejected', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor, no parameters: the '%' in RAISE must not be read as placeholders.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_accesslog_review_flag_indexes"), ("agencies", "0002_initial")]

    operations = [migrations.RunPython(forward, backward)]
