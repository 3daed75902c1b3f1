"""The forum's Ed25519 audit signing key: loaded from the settings path, never from the DB.

The key name in checkpoint signatures is ``CLEARROOM_AUDIT_ORIGIN``. A demo or test installation
(``GENERATE_SECRETS``) creates the key file on first use; anywhere else a missing key is a
configuration error, so the forum never silently starts signing with a fresh key.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.core.signed_note import (
    ALG_ED25519,
    NoteError,
    Verifier,
    format_verifier_key,
    generate_signer_key,
    load_private_key_file,
    save_private_key_file,
    verifier_for,
)

_lock = threading.Lock()
_cache: dict[tuple[str, float], Ed25519PrivateKey] = {}


def key_name() -> str:
    """Return the signer name used in checkpoint signature lines (the log's origin)."""
    return settings.CLEARROOM_AUDIT_ORIGIN


def _ensure_file(path: Path) -> None:
    if path.exists():
        return
    if not settings.GENERATE_SECRETS:
        raise ImproperlyConfigured(
            f"audit signing key {path} is missing; create it (see docs/audit.md) or set "
            "CLEARROOM_GENERATE_SECRETS=1 for a demo or test installation"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pem, _ = generate_signer_key(key_name())
    # Another process may have created it first: then use theirs.
    with contextlib.suppress(FileExistsError):
        save_private_key_file(path, pem)


def signing_key() -> Ed25519PrivateKey:
    """Return the forum's private signing key, generating it only where allowed."""
    path = Path(settings.CLEARROOM_AUDIT_SIGNING_KEY_FILE)
    with _lock:
        _ensure_file(path)
        cache_key = (str(path), path.stat().st_mtime)
        key = _cache.get(cache_key)
        if key is None:
            try:
                key = load_private_key_file(path)
            except (ValueError, NoteError) as exc:
                raise ImproperlyConfigured(f"audit signing key {path} is unusable: {exc}") from exc
            _cache.clear()
            _cache[cache_key] = key
        return key


def verifier() -> Verifier:
    """Return the forum's note verifier (name, algorithm, public key)."""
    return verifier_for(signing_key(), key_name())


def verifier_key_text() -> str:
    """Return the verifier key text `<name>+<key id>+<base64 key>` regulators pin."""
    v = verifier()
    return format_verifier_key(v.name, v.public_key, ALG_ED25519)


def key_id_hex() -> str:
    """Return the 8-hex-digit C2SP key ID of the forum key."""
    return verifier().key_id.hex()
