"""Make the audit trail append-only in the database itself, so that not even a bug or a shell
session with the application's credentials can rewrite history (PostgreSQL only; on SQLite,
the demo database, the model refuses updates and deletes)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION clinics_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinics_auditevent_append_only
    BEFORE UPDATE OR DELETE ON clinics_auditevent
    FOR EACH ROW EXECUTE FUNCTION clinics_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS clinics_auditevent_append_only ON clinics_auditevent;
DROP FUNCTION IF EXISTS clinics_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clinics", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
