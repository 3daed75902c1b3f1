"""The demo seeds a checkpoint and a complete export for the regulator, idempotently."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.core.verify import verify_bundle
from audit.keys import verifier_key_text
from audit.models import AuditCheckpoint, AuditExport, ExportStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_builds_a_verifiable_export_once():
    call_command("seed_demo", "--force", stdout=io.StringIO())
    export = AuditExport.objects.get()
    assert export.status == ExportStatus.COMPLETE
    assert export.requested_by_username == "regulator"
    assert verify_bundle(export.file_path, verifier_key_text()).ok
    checkpoints = AuditCheckpoint.objects.count()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert AuditExport.objects.count() == 1
    assert AuditCheckpoint.objects.count() == checkpoints
    call_command("verify_audit", stdout=io.StringIO())
