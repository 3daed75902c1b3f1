"""Unguessable link tokens: the secret goes to the person, only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return a fresh secret for a link and the hash to store."""
    secret = secrets.token_urlsafe(32)
    return secret, token_hash(secret)


def token_hash(secret: str) -> str:
    """Return the stored form of a link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
