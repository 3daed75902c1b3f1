"""Load secrets from files outside the repository, generating them for demo and tests.

Secrets (Django's SECRET_KEY, the forum's pseudonymisation key, the audit signing key) live in
files named by settings, never in the repository or the database. When generation is allowed
(DEBUG, or CLEARROOM_GENERATE_SECRETS=1 for the test suite), a missing file is created with
fresh random content and mode 0600; otherwise a missing file is a configuration error.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create_secret(path: Path, *, allow_generate: bool, nbytes: int = 48) -> str:
    """Return the secret stored in `path`, creating a random one when allowed."""
    if path.exists():
        value = path.read_text().strip()
        if not value:
            raise ImproperlyConfigured(f"secret file {path} is empty")
        return value
    if not allow_generate:
        raise ImproperlyConfigured(
            f"secret file {path} is missing; create it or set CLEARROOM_GENERATE_SECRETS=1 "
            "for a demo or test installation"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return read_or_create_secret(path, allow_generate=False, nbytes=nbytes)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
