"""PostgreSQL: the access log and the audit trail reject UPDATE and DELETE.

The one exception is the retention job: inside its own transaction it sets
`app.retention = 'on'` (SET LOCAL, gone at commit) and may then DELETE access-log entries
older than five years (the legal minimum, whatever a principal configures) and audit
events. It records what it removed, with the hash of the last removed entry as the
chain's new anchor. Nothing may UPDATE either table, ever.

Other databases (the embedded SQLite default) have no trigger; the hash chain still
makes any change visible to `verify_access_log`.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_accesslog_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('app.retention', true) = 'on'
       AND OLD.at < now() - interval '1825 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % of entry % rejected', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

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

DROP TRIGGER IF EXISTS accesslog_append_only ON portal_accesslogentry;
CREATE TRIGGER accesslog_append_only
    BEFORE UPDATE OR DELETE ON portal_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION portal_accesslog_append_only();

DROP TRIGGER IF EXISTS auditevent_append_only ON portal_auditevent;
CREATE TRIGGER auditevent_append_only
    BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accesslog_append_only ON portal_accesslogentry;
DROP TRIGGER IF EXISTS auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_accesslog_append_only();
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
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
    dependencies = [("portal", "0005_accesslog_chain_seq_unique")]

    operations = [migrations.RunPython(forward, backward)]
