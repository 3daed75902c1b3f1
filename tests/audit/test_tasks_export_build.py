"""An export requested through the service is built by a real Celery worker on Redis."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from audit.core.verify import verify_bundle
from audit.models import AuditExport, ExportStatus
from audit.services.exports import audit_export_request
from tests.audit.helpers import append, write_key_file
from tests.celery_helpers import redis_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def _wait_finished(export_id: int, timeout: float = 60) -> AuditExport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = AuditExport.objects.get(pk=export_id)
        if export.is_finished:
            return export
        time.sleep(0.1)
    raise AssertionError(f"export {export_id} still {export.status} after {timeout}s")


def test_export_built_by_a_real_worker_verifies_offline_and_extends_the_held_checkpoint(
    users, tmp_path
):
    append(40)
    key_file = write_key_file(tmp_path)
    with redis_worker():
        first = _wait_finished(audit_export_request(actor=users["regulator"]).pk)
        assert first.status == ExportStatus.COMPLETE, first.error
        held = tmp_path / "held.txt"
        with zipfile.ZipFile(first.file_path) as zf:
            held.write_text(zf.read(f"checkpoints/{first.checkpoint_size}.txt").decode())
        append(25)
        second = _wait_finished(audit_export_request(actor=users["regulator"]).pk)
    assert second.status == ExportStatus.COMPLETE, second.error
    assert second.since_size == first.checkpoint_size
    report = verify_bundle(second.file_path, key_file.read_text(), held.read_text())
    assert report.ok, report.summary()
    assert report.consistent_with == first.checkpoint_size
    result = subprocess.run(
        [sys.executable, "-m", "audit.core.verify", second.file_path, "--key", str(key_file),
         "--since", str(held)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consistent with checkpoint" in result.stdout


def test_failing_export_in_a_real_worker_ends_failed(users, monkeypatch):
    append(3)

    def explode(*args, **kwargs):
        raise RuntimeError("bundle writer crashed")

    monkeypatch.setattr("audit.services.exports.build_bundle", explode)
    with redis_worker():
        export = _wait_finished(audit_export_request(actor=users["counsel"]).pk)
    assert export.status == ExportStatus.FAILED
    assert "bundle writer crashed" in export.error
