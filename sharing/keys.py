"""The forum's pseudonymisation keys, read from files outside the repository and database."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

from config.secrets import read_or_create_secret
from sharing.redaction import PseudonymKey


def pseudonym_key(key_id: str | None = None) -> PseudonymKey:
    """Return the pseudonymisation key `key_id` (default: the current one)."""
    key_id = key_id or settings.CLEARROOM_PSEUDONYM_KEY_ID
    path = settings.CLEARROOM_PSEUDONYM_KEY_DIR / f"{key_id}.key"
    secret = read_or_create_secret(path, allow_generate=settings.GENERATE_SECRETS)
    return PseudonymKey(key_id=key_id, secret=base64.urlsafe_b64decode(secret + "=="))


def watchlist_key() -> bytes:
    """Return the key for watchlist term hashes, derived from the current pseudonym key."""
    base = pseudonym_key()
    return hmac.new(base.secret, b"clearroom watchlist v1", hashlib.sha256).digest()
