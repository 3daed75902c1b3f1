"""The regulator verifies a bundle from their download folder: with the verifier file the bundle
ships (run as its README says, needing only Python and `cryptography`) or with the installed
`clearroom-verify` console script."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audit.core.bundle import MANIFEST, README, VERIFIER
from audit.core.standalone import verifier_source
from audit.models import ExportStatus
from audit.services.exports import audit_export_build, audit_export_request
from tests.audit.helpers import append, readme_commands, write_key_file

pytestmark = pytest.mark.django_db

# What the shipped verifier may import besides its own embedded modules. (`__mp_main__` is
# multiprocessing's alias of `__main__`: the verifier checks chunks in forked processes.)
ALLOWED_PACKAGES = {"cryptography", "_cffi_backend", "cffi", "_openssl"}
GUARD = """\
import runpy, sys
before = set(sys.modules)  # what the interpreter itself loaded (site, .pth files)
blocked = ("django", "rest_framework", "celery", "governance", "sharing", "config", "yaml")
sys.modules.update(dict.fromkeys(blocked, None))  # importing any of them now fails
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    foreign = sorted(
        name for name in set(sys.modules) - before
        if sys.modules[name] is not None and name not in ("__main__", "__mp_main__")
        and name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in {allowed!r}
        and name != "audit" and not name.startswith("audit.")
    )
    assert not foreign, foreign
"""


@pytest.fixture
def download_folder(tmp_path, users, django_capture_on_commit_callbacks) -> Path:
    """A regulator's download folder: an export bundle and the forum key, nothing else."""
    append(12)
    with django_capture_on_commit_callbacks(execute=True):
        export = audit_export_request(actor=users["regulator"])
    export = audit_export_build(export_id=export.pk)
    assert export.status == ExportStatus.COMPLETE, export.error
    folder = tmp_path / "Downloads"
    folder.mkdir()
    shutil.copy(export.file_path, folder / "clearroom-audit-export-1.zip")
    write_key_file(folder).rename(folder / "clearroom-audit.pub")
    return folder


def _commands(folder: Path) -> list[list[str]]:
    return readme_commands(folder / "clearroom-audit-export-1.zip", "clearroom-audit.pub")


def test_every_export_ships_the_verifier_file_with_its_sha256_in_the_manifest(download_folder):
    with zipfile.ZipFile(download_folder / "clearroom-audit-export-1.zip") as bundle:
        shipped = bundle.read(VERIFIER)
        manifest = json.loads(bundle.read(MANIFEST))
        readme = bundle.read(README).decode()
    assert shipped == verifier_source()
    assert manifest["files"][VERIFIER] == hashlib.sha256(shipped).hexdigest()
    assert "Python 3.11" in readme and "pip install cryptography" in readme


def test_the_readme_commands_verify_the_bundle_from_the_download_folder(download_folder):
    unpack, verify = readme_commands(
        download_folder / "clearroom-audit-export-1.zip", "clearroom-audit.pub"
    )
    subprocess.run(unpack, cwd=download_folder, check=True, capture_output=True)
    # Run the verifier as the README says, from the download folder, in isolated mode (no
    # checkout on the path) and refusing Django and Clearroom's other packages.
    script = verify[1]
    guarded = [sys.executable, "-I", "-c", GUARD.format(allowed=ALLOWED_PACKAGES), *verify[1:]]
    result = subprocess.run(guarded, cwd=download_folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"OK: \d+ entries seq 0\.\.\d+, \d+ checkpoints verified\n", result.stdout)
    plain = subprocess.run(verify, cwd=download_folder, capture_output=True, text=True)
    assert (plain.returncode, plain.stdout) == (0, result.stdout)
    assert (download_folder / script).is_file()


def test_the_shipped_verifier_fails_a_tampered_bundle(download_folder):
    unpack, verify = readme_commands(
        download_folder / "clearroom-audit-export-1.zip", "clearroom-audit.pub"
    )
    subprocess.run(unpack, cwd=download_folder, check=True, capture_output=True)
    original = download_folder / "clearroom-audit-export-1.zip"
    tampered = download_folder / "tampered.zip"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("entries"):
                data = data.replace(b"event 3", b"event 9")
            target.writestr(name, data)
    command = [tampered.name if part == original.name else part for part in verify]
    result = subprocess.run(command, cwd=download_folder, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("FAIL")


def test_the_console_script_verifies_from_the_download_folder(download_folder):
    script = Path(sys.executable).parent / "clearroom-verify"
    assert script.is_file(), "install Clearroom (make install) to get the console script"
    result = subprocess.run(
        [str(script), "clearroom-audit-export-1.zip", "--key", "clearroom-audit.pub"],
        cwd=download_folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")
