"""Freeze a policy version's rules and hash in the database once it leaves draft.

The service refuses these changes too; the trigger makes sure nothing else (a shell, a raw
UPDATE, a future bug) can rewrite what counsel approved.
"""

from django.db import migrations

MESSAGE = "policy version is frozen once submitted: rules, hash and approval never change"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION governance_policyversion_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.rules IS DISTINCT FROM OLD.rules
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.type_schema_versions IS DISTINCT FROM OLD.type_schema_versions
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.policy_id IS DISTINCT FROM OLD.policy_id
        OR (OLD.approved_hash <> '' AND NEW.approved_hash IS DISTINCT FROM OLD.approved_hash)
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_policyversion_freeze
BEFORE UPDATE OR DELETE ON governance_policyversion
FOR EACH ROW EXECUTE FUNCTION governance_policyversion_freeze();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS governance_policyversion_freeze ON governance_policyversion;
DROP FUNCTION IF EXISTS governance_policyversion_freeze();
"""

SQLITE_UP = [
    f"""
    CREATE TRIGGER governance_policyversion_freeze_update
    BEFORE UPDATE ON governance_policyversion
    WHEN OLD.status <> 'draft' AND (
        NEW.status = 'draft'
        OR NEW.rules IS NOT OLD.rules
        OR NEW.content_hash IS NOT OLD.content_hash
        OR NEW.type_schema_versions IS NOT OLD.type_schema_versions
        OR NEW.number IS NOT OLD.number
        OR NEW.policy_id IS NOT OLD.policy_id
        OR (OLD.approved_hash <> '' AND NEW.approved_hash IS NOT OLD.approved_hash)
    )
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END;
    """,
    f"""
    CREATE TRIGGER governance_policyversion_freeze_delete
    BEFORE DELETE ON governance_policyversion
    WHEN OLD.status <> 'draft'
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END;
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS governance_policyversion_freeze_update;",
    "DROP TRIGGER IF EXISTS governance_policyversion_freeze_delete;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"no policy-version freeze trigger for the {vendor} database")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
