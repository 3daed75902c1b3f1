"""Exports: requested by counsel or a regulator, built into a bundle the verifier accepts."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit import actions
from audit.core.verify import verify_bundle
from audit.models import AuditEvent, AuditExport, ExportStatus
from audit.services.exports import audit_export_build, audit_export_download, audit_export_request
from config.errors import AccessDenied, Conflict, ValidationFailed
from tests.audit.helpers import append, write_key_file

pytestmark = pytest.mark.django_db


def _key() -> str:
    from audit.keys import verifier_key_text

    return verifier_key_text()


def _request_and_build(user, django_capture_on_commit_callbacks, **kwargs) -> AuditExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = audit_export_request(actor=user, **kwargs)
    export.refresh_from_db()
    return export


def test_regulator_export_builds_a_bundle_the_offline_verifier_accepts(
    users, django_capture_on_commit_callbacks
):
    append(20)
    export = _request_and_build(users["regulator"], django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.COMPLETE
    assert export.progress == 100
    assert export.organization_slug == "authority"
    assert export.since_size is None
    report = verify_bundle(export.file_path, _key())
    assert report.ok, report.summary()
    assert report.to_seq == export.checkpoint_size - 1
    names = list(
        AuditEvent.objects.filter(object_type="audit.auditexport", object_id=str(export.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert names == [actions.EXPORT_REQUESTED, actions.EXPORT_STARTED, actions.EXPORT_COMPLETED]


def test_checkpoint_the_regulator_held_is_consistent_with_a_later_export(
    users, django_capture_on_commit_callbacks, tmp_path
):
    append(7)
    first = _request_and_build(users["regulator"], django_capture_on_commit_callbacks)
    held = tmp_path / "held.txt"
    import zipfile

    with zipfile.ZipFile(first.file_path) as zf:
        held.write_text(zf.read(f"checkpoints/{first.checkpoint_size}.txt").decode())
    append(30)
    second = _request_and_build(
        users["regulator"], django_capture_on_commit_callbacks, from_seq=first.checkpoint_size
    )
    assert second.since_size == first.checkpoint_size
    report = verify_bundle(second.file_path, _key(), held.read_text())
    assert report.ok, report.summary()
    assert report.consistent_with == first.checkpoint_size


def test_counsel_export_range_and_validation(users, django_capture_on_commit_callbacks):
    append(12)
    export = _request_and_build(
        users["counsel"], django_capture_on_commit_callbacks, from_seq=3, to_seq=9
    )
    assert export.status == ExportStatus.COMPLETE
    report = verify_bundle(export.file_path, _key())
    assert report.ok, report.summary()
    assert (report.from_seq, report.to_seq) == (3, 9)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as excinfo:
        audit_export_request(actor=users["counsel"], from_seq=9, to_seq=3)
    assert excinfo.value.errors[0]["field"] == "to_seq"
    with pytest.raises(ValidationFailed):
        audit_export_request(actor=users["counsel"], to_seq=10**9)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ["analyst", "member_admin", "legal_reviewer", "other_analyst"])
def test_other_roles_cannot_request_an_export(users, role):
    append(1)
    with pytest.raises(AccessDenied):
        audit_export_request(actor=users[role])
    assert not AuditExport.objects.exists()


def test_failed_build_is_reported_failed_with_its_error(
    users, django_capture_on_commit_callbacks, monkeypatch
):
    append(3)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("audit.services.exports.build_bundle", explode)
    export = _request_and_build(users["regulator"], django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.FAILED
    assert "disk full" in export.error
    assert export.finished_at is not None
    assert AuditEvent.objects.filter(action=actions.EXPORT_FAILED).count() == 1
    with pytest.raises(Conflict):
        audit_export_download(actor=users["regulator"], export=export)
    # Building again leaves a finished export as it is.
    assert audit_export_build(export_id=export.pk).status == ExportStatus.FAILED


def test_download_is_audited(users, django_capture_on_commit_callbacks):
    append(2)
    export = _request_and_build(users["regulator"], django_capture_on_commit_callbacks)
    path = audit_export_download(actor=users["regulator"], export=export)
    assert path.read_bytes()[:2] == b"PK"
    event = AuditEvent.objects.get(action=actions.EXPORT_DOWNLOADED)
    assert event.actor_username == "regulator"
    assert event.data["sha256"] == export.sha256


def test_command_line_export_and_public_key_verify(tmp_path):
    append(15)
    out = tmp_path / "bundle.zip"
    call_command("audit_export", "--out", str(out), stdout=io.StringIO())
    call_command("audit_public_key", "--out", str(tmp_path / "k.pub"), stdout=io.StringIO())
    report = verify_bundle(out, (tmp_path / "k.pub").read_text())
    assert report.ok, report.summary()
    assert write_key_file(tmp_path).read_text() == (tmp_path / "k.pub").read_text()
    ranged = tmp_path / "range.zip"
    call_command(
        "audit_export", "--out", str(ranged), "--from-seq", "4", "--to-seq", "8",
        stdout=io.StringIO(),
    )  # fmt: skip
    report = verify_bundle(ranged, (tmp_path / "k.pub").read_text())
    assert report.ok and (report.from_seq, report.to_seq) == (4, 8)
