"""Create the audit head row and make the audit tables append-only in the database itself.

Raw SQL, not a trigger library: there is no session variable that turns these off. The only
way around them is to own the tables (ALTER TABLE ... DISABLE TRIGGER), which is why the app
should run under a role that owns nothing (docs/audit.md).
"""

from django.db import migrations

APPEND_ONLY_TABLES = ("audit_auditevent", "audit_auditcheckpoint", "audit_auditcosignature")

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION audit_head_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit head: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id <> OLD.id OR NEW.size <= OLD.size THEN
        RAISE EXCEPTION 'audit head may only grow (size % -> %)', OLD.size, NEW.size
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
"""


def pg_forward() -> str:
    statements = [PG_FUNCTIONS]
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        )
    statements.append(
        "CREATE TRIGGER audit_audithead_grow BEFORE UPDATE OR DELETE ON audit_audithead "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_only_grows();"
    )
    statements.append(
        "CREATE TRIGGER audit_audithead_no_truncate BEFORE TRUNCATE ON audit_audithead "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_only_grows();"
    )
    return "\n".join(statements)


def sqlite_forward() -> list[str]:
    statements = []
    for table in APPEND_ONLY_TABLES:
        for op in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {op} on {table} refused'); END;"
            )
    statements.append(
        "CREATE TRIGGER audit_audithead_no_delete BEFORE DELETE ON audit_audithead "
        "BEGIN SELECT RAISE(ABORT, 'audit head: DELETE refused'); END;"
    )
    statements.append(
        "CREATE TRIGGER audit_audithead_grow BEFORE UPDATE ON audit_audithead "
        "WHEN NEW.size <= OLD.size OR NEW.id <> OLD.id "
        "BEGIN SELECT RAISE(ABORT, 'audit head may only grow'); END;"
    )
    return statements


def install(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"size": 0, "frontier": {}})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(pg_forward(), params=None)
    elif vendor == "sqlite":
        for statement in sqlite_forward():
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"append-only triggers are not written for {vendor}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    # Irreversible on purpose: nobody migrates the audit log's protection away.
    operations = [migrations.RunPython(install, migrations.RunPython.noop, elidable=False)]
