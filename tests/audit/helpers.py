"""Helpers for the audit tests: append events, key files, cosigner keys."""

from __future__ import annotations

import shlex
import sys
import zipfile
from pathlib import Path

from django.db import transaction

from audit.actions import HEALTH_PINGED
from audit.actors import SYSTEM
from audit.core.signed_note import ALG_COSIGNATURE_V1, generate_signer_key, load_private_key
from audit.keys import verifier_key_text
from audit.services.log import audit_record


def append(count: int, *, actor=SYSTEM, note: str = "event") -> None:
    """Append `count` system events, each in its own transaction."""
    for index in range(count):
        with transaction.atomic():
            audit_record(actor=actor, action=HEALTH_PINGED, data={"note": f"{note} {index}"})


def write_key_file(directory: Path) -> Path:
    """Write the forum's verifier key text where the offline verifier can read it."""
    path = directory / "forum.pub"
    path.write_text(verifier_key_text() + "\n")
    return path


def cosigner(name: str = "authority.example/witness"):
    """Return a regulator's cosigner private key and its verifier key text (type 0x04)."""
    pem, text = generate_signer_key(name, ALG_COSIGNATURE_V1)
    return load_private_key(pem), text


def readme_commands(bundle: Path, key_name: str) -> list[list[str]]:
    """Return the verify commands of `bundle`'s README, for that bundle (run from its folder)
    and the key file `key_name` beside it, with this test's Python."""
    with zipfile.ZipFile(bundle) as zf:
        readme = zf.read("README.md").decode()
    section = readme.split("## Verify it", 1)[1].split("##", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.startswith("    python ")]
    assert len(lines) == 2, lines
    commands = []
    for line in lines:
        line = line.replace("BUNDLE", bundle.stem).replace("FORUM_KEY.pub", key_name)
        commands.append([sys.executable, *shlex.split(line)[1:]])
    return commands
