"""Checkpoints are signed C2SP notes of the head, made only when there are new events."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from audit import actions
from audit.core.merkle import leaf_hash, root
from audit.core.signed_note import cosign, open_note, parse_checkpoint, split_note
from audit.keys import verifier
from audit.models import AuditCheckpoint, AuditCosignature, AuditEvent
from audit.services.checkpoints import audit_checkpoint_at, audit_checkpoint_create
from audit.services.cosignatures import audit_cosignature_add
from config.errors import AccessDenied, Conflict, ValidationFailed
from tests.audit.helpers import append, cosigner

pytestmark = pytest.mark.django_db


def _stored_root(size: int) -> bytes:
    leaves = AuditEvent.objects.order_by("seq").values_list("leaf", flat=True)[:size]
    return root([leaf_hash(bytes(leaf)) for leaf in leaves])


def test_checkpoint_signs_the_head_before_its_own_event():
    append(5)
    size = AuditEvent.objects.count()
    checkpoint = audit_checkpoint_create()
    assert checkpoint.size == size
    body, names = open_note(checkpoint.note, [verifier()])
    parsed = parse_checkpoint(body)
    assert names == [verifier().name]
    assert parsed.size == size
    assert parsed.root == _stored_root(size) == bytes.fromhex(checkpoint.root_hash)
    event = AuditEvent.objects.get(seq=size)
    assert event.action == actions.CHECKPOINT_CREATED
    assert event.data == {"size": size, "root": checkpoint.root_hash, "key_id": checkpoint.key_id}


def test_no_checkpoint_without_new_events_but_its_own():
    append(3)
    first = audit_checkpoint_create()
    assert audit_checkpoint_create() is None
    assert AuditCheckpoint.objects.count() == 1
    append(1)
    second = audit_checkpoint_create()
    assert second.size == first.size + 2  # the first checkpoint's event and the new one


def test_checkpoint_at_a_past_size_recomputes_the_root():
    append(9)
    checkpoint = audit_checkpoint_at(size=6)
    assert checkpoint.size == 6
    assert bytes.fromhex(checkpoint.root_hash) == _stored_root(6)
    assert audit_checkpoint_at(size=6) == checkpoint
    with pytest.raises(ValidationFailed):
        audit_checkpoint_at(size=10_000)


def test_management_command_creates_a_checkpoint(capsys):
    append(2)
    call_command("audit_checkpoint")
    assert AuditCheckpoint.objects.count() == 1
    call_command("audit_checkpoint")
    assert "No new events" in capsys.readouterr().out


def test_regulator_cosignature_is_verified_stored_and_audited(users):
    append(2)
    checkpoint = audit_checkpoint_create()
    key, key_text = cosigner()
    body, _ = split_note(checkpoint.note)
    line = cosign(body, "authority.example/witness", key, int(time.time()))
    stored = audit_cosignature_add(
        actor=users["regulator"],
        checkpoint_size=checkpoint.size,
        verifier_key=key_text,
        cosignature=line,
    )
    assert stored.organization_slug == "authority"
    assert AuditEvent.objects.filter(action=actions.COSIGNATURE_ADDED).count() == 1
    with pytest.raises(Conflict):
        audit_cosignature_add(
            actor=users["regulator"],
            checkpoint_size=checkpoint.size,
            verifier_key=key_text,
            cosignature=checkpoint.note + line,  # the whole cosigned note is accepted too
        )


def test_forged_cosignature_is_refused_and_leaves_nothing(users):
    append(2)
    checkpoint = audit_checkpoint_create()
    key, _ = cosigner()
    _, other_text = cosigner()
    body, _ = split_note(checkpoint.note)
    line = cosign(body, "authority.example/witness", key, 1_700_000_000)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed):
        audit_cosignature_add(
            actor=users["regulator"],
            checkpoint_size=checkpoint.size,
            verifier_key=other_text,
            cosignature=line,
        )
    other_body = body.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size + 1}\n")
    forged = cosign(other_body, "authority.example/witness", key, 1_700_000_000)
    _, key_text = cosigner()
    with pytest.raises(ValidationFailed):
        audit_cosignature_add(
            actor=users["regulator"],
            checkpoint_size=checkpoint.size,
            verifier_key=key_text,
            cosignature=forged,
        )
    assert AuditEvent.objects.count() == before
    assert not AuditCosignature.objects.exists()


def test_only_a_regulator_may_cosign(users):
    append(1)
    checkpoint = audit_checkpoint_create()
    key, key_text = cosigner()
    line = cosign(split_note(checkpoint.note)[0], "authority.example/witness", key, 1)
    for role in ("counsel", "analyst"):
        with pytest.raises(AccessDenied):
            audit_cosignature_add(
                actor=users[role],
                checkpoint_size=checkpoint.size,
                verifier_key=key_text,
                cosignature=line,
            )


def test_checkpoint_task_is_scheduled_every_five_minutes_and_signs(settings):
    from audit.tasks import audit_checkpoint_task

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry == {"task": "audit.tasks.audit_checkpoint_task", "schedule": 300}
    append(1)
    size = audit_checkpoint_task.apply().get()
    assert size == 1
    assert audit_checkpoint_task.apply().get() is None


def test_missing_key_is_a_configuration_error_unless_generation_is_allowed(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from audit.keys import signing_key, verifier_key_text

    settings.CLEARROOM_AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "forum.pem"
    settings.GENERATE_SECRETS = False
    with pytest.raises(ImproperlyConfigured):
        signing_key()
    settings.GENERATE_SECRETS = True
    signing_key()
    assert (tmp_path / "keys" / "forum.pem").stat().st_mode & 0o777 == 0o600
    name, key_id, _ = verifier_key_text().split("+", 2)
    assert name == settings.CLEARROOM_AUDIT_ORIGIN and len(key_id) == 8
