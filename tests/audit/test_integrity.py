"""The database refuses changes to the log, and `verify_audit` finds any tampering by seq.

Tampering here disables the triggers as the table owner (`ALTER TABLE ... DISABLE TRIGGER
USER`): only the owner or a superuser can, which is why the app runs under a role that owns
nothing (docs/audit.md).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services.checkpoints import audit_checkpoint_create
from tests.audit.helpers import append

pytestmark = pytest.mark.django_db


def _raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
        "TRUNCATE audit_auditevent CASCADE",
        "UPDATE audit_auditcheckpoint SET root_hash = repeat('0', 64)",
        "DELETE FROM audit_auditcheckpoint",
        "TRUNCATE audit_auditcheckpoint CASCADE",
        "DELETE FROM audit_audithead",
        "TRUNCATE audit_audithead",
        "UPDATE audit_audithead SET size = size - 1",
        "UPDATE audit_audithead SET size = size",
    ],
)
def test_database_refuses_changes_to_the_log(sql):
    append(3)
    audit_checkpoint_create()
    with pytest.raises(DatabaseError):
        _raw(sql)
    assert AuditEvent.objects.count() == 4


def test_rollback_leaves_no_event_and_no_gap():
    append(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        append(1, note="rolled back")
        raise RuntimeError("change failed")
    append(1, note="after")
    seqs = list(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == [0, 1, 2]
    assert not AuditEvent.objects.filter(data__note="rolled back 0").exists()
    call_command("verify_audit", stdout=io.StringIO())


class Tamper:
    """Run SQL against the audit tables with their triggers off, then switch them back on."""

    def __init__(self, table: str = "audit_auditevent") -> None:
        self.table = table

    def __call__(self, sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {self.table} DISABLE TRIGGER USER")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute(f"ALTER TABLE {self.table} ENABLE TRIGGER USER")


def _verify_fails_at(seq: int | None) -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit", stdout=io.StringIO())
    message = str(excinfo.value)
    if seq is not None:
        assert message.startswith(f"FAIL at seq {seq}:"), message
    return message


def test_clean_log_verifies():
    append(12)
    audit_checkpoint_create()
    append(3)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().startswith("OK: 16 events")


def test_edited_leaf_byte_is_found_at_its_seq():
    append(10)
    Tamper()(
        "UPDATE audit_auditevent SET leaf = overlay(leaf placing 'X'::bytea from 60 for 1) "
        "WHERE seq = 4"
    )
    _verify_fails_at(4)


def test_edited_column_is_found_at_its_seq():
    append(10)
    Tamper()("UPDATE audit_auditevent SET action = 'user.logged_in' WHERE seq = 6")
    assert "column action" in _verify_fails_at(6)


def test_deleted_event_is_found_at_its_seq():
    append(10)
    Tamper()("DELETE FROM audit_auditevent WHERE seq = 5")
    _verify_fails_at(5)


def test_swapped_events_are_found():
    append(10)
    Tamper()(
        "UPDATE audit_auditevent SET seq = CASE seq WHEN 3 THEN -1 ELSE seq END WHERE seq = 3;"
        "UPDATE audit_auditevent SET seq = 3 WHERE seq = 4;"
        "UPDATE audit_auditevent SET seq = 4 WHERE seq = -1;"
    )
    _verify_fails_at(3)


def test_rewritten_consistent_leaf_is_caught_by_the_chain_and_checkpoint():
    """An attacker rewrites a leaf and its hashes; the next leaf's prev no longer matches."""
    import hashlib

    append(6)
    audit_checkpoint_create()
    event = AuditEvent.objects.get(seq=2)
    leaf = bytes(event.leaf).replace(b'"note":"event 2"', b'"note":"forged!"')
    digest = hashlib.sha256(b"\x00" + leaf).hexdigest()
    Tamper()(
        "UPDATE audit_auditevent SET leaf = %s, leaf_hash = %s, data = %s WHERE seq = 2",
        [leaf, digest, '{"note": "forged!"}'],
    )
    _verify_fails_at(3)


def test_truncated_tail_is_found_against_the_head():
    append(8)
    Tamper()("DELETE FROM audit_auditevent WHERE seq >= 6")
    assert "head says size 8" in _verify_fails_at(6)


def test_checkpoint_signed_by_another_key_is_found(settings, tmp_path):
    append(4)
    audit_checkpoint_create()
    append(1)
    settings.CLEARROOM_AUDIT_SIGNING_KEY_FILE = tmp_path / "other.pem"
    message = _verify_fails_at(3)
    assert "checkpoint 4 signature" in message
