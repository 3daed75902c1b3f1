"""The forum's pseudonymisation keys, read from files outside the repository and database."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from pathlib import Path

from django.conf import settings

from config.secrets import read_or_create_secret
from sharing.core.redaction import PseudonymKey


def pseudonym_key(key_id: str | None = None) -> PseudonymKey:
    """Return the pseudonymisation key `key_id` (default: the current one)."""
    key_id = key_id or settings.CLEARROOM_PSEUDONYM_KEY_ID
    path = settings.CLEARROOM_PSEUDONYM_KEY_DIR / f"{key_id}.key"
    return _load(path, key_id, settings.GENERATE_SECRETS)


@functools.lru_cache(maxsize=16)
def _load(path: Path, key_id: str, allow_generate: bool) -> PseudonymKey:
    # A key file never changes once written (rotation adds a new key id), so one read per
    # process is enough; intake asks for the key on every submission.
    secret = read_or_create_secret(path, allow_generate=allow_generate)
    return PseudonymKey(key_id=key_id, secret=base64.urlsafe_b64decode(secret + "=="))


def watchlist_key() -> bytes:
    """Return the key for watchlist term hashes, derived from the current pseudonym key."""
    base = pseudonym_key()
    return hmac.new(base.secret, b"clearroom watchlist v1", hashlib.sha256).digest()
