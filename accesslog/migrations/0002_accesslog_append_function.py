"""PostgreSQL: the access log's append in one statement (issue 15).

`accesslog_append(entries jsonb)` does in the database what `accesslog.append` did in
four round trips (BEGIN, lock, head, INSERT, COMMIT): it takes the chains' locks (the key
of `accesslog.append._lock_key`, which the retention function takes too), in sorted
order so two appenders never deadlock; reads each chain's head (or its retention anchor,
as `integrity.anchors_for`); numbers, times and hashes the entries; inserts them in one
INSERT; and returns (id, chain, seq, at, prev_hash, hash) of each. Called in autocommit
as one `SELECT`, the locks are held until that statement's transaction commits; inside a
caller's transaction, until it ends.

VOLATILE, so under READ COMMITTED each statement inside it takes a fresh snapshot: the
head is read after the lock is granted, never from before another appender's commit, so
the chain cannot fork (the unique (chain, seq) constraint is the second line).

The hash stays `accesslog.chain.entry_hash`: each entry carries the canonical form
around seq and at (`chain.canonical_parts`, keys "h" and "t"), and the function hashes
sha256(prev_hash || h || seq || ',"' || utc(at) || '"' || t) with `at` printed as
`chain._utc` prints it. Entries given their own time (`keep_time`, for tests and
imports) carry it in "at", and its printed form in "a".

SECURITY INVOKER: the application role may SELECT and INSERT the log and SELECT the audit
trail, which is all the function does (`accesslog.db_roles` grants EXECUTE).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accesslog_append(p_entries jsonb)
RETURNS TABLE (out_id bigint, out_chain text, out_seq bigint, out_at timestamptz, out_prev_hash text, out_hash text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE
    v_chain text;
    v_current text := NULL;
    v_seen text[] := '{}';
    v_now timestamptz;
    v_now_text text;
    v_seq bigint;
    v_prev text;
    v_at timestamptz;
    v_at_text text;
    v_entry jsonb;
    v_seqs bigint[] := '{}';
    v_ats timestamptz[] := '{}';
    v_prevs text[] := '{}';
    v_hashes text[] := '{}';
BEGIN
    -- The locks, in the byte order of the chains' names (Python's sorted()).
    FOR v_chain IN
        SELECT d.c FROM (SELECT DISTINCT e->>'chain' AS c FROM jsonb_array_elements(p_entries) e) d
         ORDER BY d.c COLLATE "C"
    LOOP
        PERFORM pg_advisory_xact_lock(
            ('x' || substr(encode(sha256(convert_to('portal.accesslog:' || v_chain, 'UTF8')), 'hex'), 1, 16))
                ::bit(64)::bigint
        );
    END LOOP;
    -- The time is taken under the locks, so it never runs backwards within a chain.
    v_now := clock_timestamp();
    v_now_text := to_char(v_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    FOR v_entry IN SELECT e FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, i) ORDER BY i
    LOOP
        v_chain := v_entry->>'chain';
        IF v_current IS DISTINCT FROM v_chain THEN
            IF v_chain = ANY(v_seen) THEN
                RAISE EXCEPTION 'accesslog_append: the entries of chain % are not together', v_chain;
            END IF;
            v_seen := array_append(v_seen, v_chain);
            v_current := v_chain;
            SELECT e.seq, e.hash INTO v_seq, v_prev FROM portal_accesslogentry e
             WHERE e.chain = v_chain ORDER BY e.seq DESC LIMIT 1;
            IF NOT FOUND THEN
                -- A new chain, or one whose every entry retention removed: go on from the
                -- newest retention anchor, so the chain stays one unbroken line.
                SELECT (a.data->>'up_to_seq')::bigint, a.data->>'hash' INTO v_seq, v_prev
                  FROM portal_auditevent a
                 WHERE a.action = 'accesslog.retained' AND a.data->>'chain' = v_chain
                 ORDER BY a.id DESC LIMIT 1;
                IF NOT FOUND THEN
                    v_seq := 0;
                    v_prev := '';
                END IF;
            END IF;
        END IF;
        v_seq := v_seq + 1;
        IF v_entry->>'at' IS NULL THEN
            v_at := v_now;
            v_at_text := v_now_text;
        ELSE
            v_at := (v_entry->>'at')::timestamptz;
            v_at_text := v_entry->>'a';
        END IF;
        v_seqs := array_append(v_seqs, v_seq);
        v_ats := array_append(v_ats, v_at);
        v_prevs := array_append(v_prevs, v_prev);
        v_prev := encode(sha256(convert_to(
            v_prev || (v_entry->>'h') || v_seq::text || ',"' || v_at_text || '"' || (v_entry->>'t'), 'UTF8'
        )), 'hex');
        v_hashes := array_append(v_hashes, v_prev);
    END LOOP;
    RETURN QUERY
    WITH inserted AS (
        INSERT INTO portal_accesslogentry (
            at, actor_id, actor_name, agency_id, agency_name, role, title, child_id, case_id,
            object_type, object_id, count, action, basis, consent_id, consent_version,
            request_id, ip, outcome, chain, seq, prev_hash, hash
        )
        SELECT v_ats[x.i], r.actor_id, r.actor_name, r.agency_id, r.agency_name, r.role, r.title,
               r.child_id, r.case_id, r.object_type, r.object_id, r.count, r.action, r.basis,
               r.consent_id, r.consent_version, r.request_id, r.ip, r.outcome, r.chain,
               v_seqs[x.i], v_prevs[x.i], v_hashes[x.i]
          FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, i)
         CROSS JOIN LATERAL jsonb_populate_record(NULL::portal_accesslogentry, x.e) AS r
         ORDER BY x.i
        RETURNING id, chain, seq, at, prev_hash, hash
    )
    SELECT i.id, i.chain::text, i.seq, i.at, i.prev_hash::text, i.hash::text FROM inserted i;
END;
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS accesslog_append(jsonb);"


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
    dependencies = [("accesslog", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
