"""Freeze a criteria or charter version's content and hash in the database once it leaves draft.

The services refuse these changes too; the trigger makes sure nothing else (a shell, a raw
UPDATE, a future bug) can rewrite what counsel approved and users accepted. Same design as the
policy versions' trigger (governance migration 0002).
"""

from django.db import migrations

MESSAGE = "forum document is frozen once submitted: content, hash and approval never change"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION membership_forumdocument_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.content IS DISTINCT FROM OLD.content
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR (OLD.approved_hash <> '' AND NEW.approved_hash IS DISTINCT FROM OLD.approved_hash)
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER membership_forumdocument_freeze
BEFORE UPDATE OR DELETE ON membership_forumdocument
FOR EACH ROW EXECUTE FUNCTION membership_forumdocument_freeze();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS membership_forumdocument_freeze ON membership_forumdocument;
DROP FUNCTION IF EXISTS membership_forumdocument_freeze();
"""

SQLITE_UP = [
    f"""
    CREATE TRIGGER membership_forumdocument_freeze_update
    BEFORE UPDATE ON membership_forumdocument
    WHEN OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.content IS NOT OLD.content
        OR NEW.content_hash IS NOT OLD.content_hash
        OR NEW.number IS NOT OLD.number
        OR NEW.kind IS NOT OLD.kind
        OR (OLD.approved_hash <> '' AND NEW.approved_hash IS NOT OLD.approved_hash)
    )
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END;
    """,
    f"""
    CREATE TRIGGER membership_forumdocument_freeze_delete
    BEFORE DELETE ON membership_forumdocument
    WHEN OLD.status <> 'draft'
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END;
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS membership_forumdocument_freeze_update;",
    "DROP TRIGGER IF EXISTS membership_forumdocument_freeze_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no forum-document freeze trigger for the {vendor} database")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
