"""The offline verifier recomputes a published report from a regulator's export."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from audit.core.verify import main
from audit.services.exports import audit_export_request
from tests.audit.helpers import write_key_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(client, shared_log, users, tmp_path, django_capture_on_commit_callbacks):
    """Return (bundle path, report path, consistency proof path, key path)."""
    _first, second = shared_log
    report = tmp_path / "report.json"
    report.write_bytes(client.get(reverse("transparency:report_json")).content)
    proof = tmp_path / "proof.json"
    proof.write_bytes(
        client.get(reverse("transparency:consistency", args=[_first.size, second.size])).content
    )
    with django_capture_on_commit_callbacks(execute=True):
        export = audit_export_request(actor=users["regulator"])
    export.refresh_from_db()
    return export.file_path, report, proof, write_key_file(tmp_path)


def test_figures_recomputed_from_the_export_match_the_report(exported, capsys):
    bundle, report, proof, key = exported
    status = main([str(bundle), "--key", str(key), "--report", str(report)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "every figure recomputed" in out


def test_report_signature_and_checkpoint_consistency_verify_without_a_bundle(exported, capsys):
    _, report, proof, key = exported
    status = main(["--key", str(key), "--report", str(report), "--consistency", str(proof)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "is consistent with checkpoint" in out


def test_a_tampered_report_fails(exported, capsys):
    bundle, report, _, key = exported
    signed = json.loads(report.read_text())
    signed["report"]["figures"]["since_start"]["regulator_exports"] += 1
    report.write_text(json.dumps(signed))
    assert main([str(bundle), "--key", str(key), "--report", str(report)]) == 1
    assert "changed after signing" in capsys.readouterr().out


def test_a_report_signed_over_other_figures_fails_the_recomputation(exported, capsys):
    """A report the forum signed but whose figures the events do not give is caught."""
    from audit import keys
    from audit.core.report import note_body
    from audit.core.report_verify import signed_report
    from audit.core.signed_note import sign_note

    bundle, report, _, key = exported
    document = json.loads(report.read_text())["report"]
    document["figures"]["since_start"]["submissions"]["by_type"]["proxy-service"]["refused"] = "1-4"
    forged = signed_report(
        document, sign_note(note_body(document), keys.key_name(), keys.signing_key())
    )
    report.write_text(json.dumps(forged))
    assert main([str(bundle), "--key", str(key), "--report", str(report)]) == 1
    assert "differ from those recomputed" in capsys.readouterr().out


def test_a_forged_consistency_proof_fails(exported, capsys):
    _, report, proof, key = exported
    data = json.loads(proof.read_text())
    data["proof"] = ["00" * 32 for _ in data["proof"]] or ["00" * 32]
    proof.write_text(json.dumps(data))
    assert main(["--key", str(key), "--consistency", str(proof)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_the_single_file_verifier_in_every_bundle_checks_reports_too(exported, tmp_path):
    import subprocess
    import sys

    from audit.core.standalone import FILENAME, verifier_source

    bundle, report, proof, key = exported
    script = tmp_path / FILENAME
    script.write_bytes(verifier_source())
    result = subprocess.run(
        [sys.executable, str(script), str(bundle), "--key", str(key), "--report", str(report),
         "--consistency", str(proof)],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every figure recomputed" in result.stdout
