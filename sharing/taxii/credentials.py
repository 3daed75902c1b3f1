"""A short-lived, in-process memory of HTTP Basic credentials already verified.

Checking a password costs a deliberately slow hash (PBKDF2: ~0.3-0.7 s here), so a TAXII client
that sends username and password on every request paid it on every request. This remembers
that a (username, password) pair was verified, for `TAXII_CREDENTIAL_CACHE_SECONDS`, without
weakening what the password hash protects:

- Entries are keyed by HMAC-SHA-256 under a random key drawn when the process starts and never
  stored: nothing here lets anyone test password guesses faster than the password hash, even
  with the memory of another process or the shared cache (nothing is written there).
- Only successes are remembered; every failure still goes through `authenticate`, so
  django-axes counts it and locks the username out as before. A remembered credential is
  refused while axes has it locked out.
- Each use re-reads the user: a deactivated user, a changed password (the stored hash differs)
  or a renamed user no longer matches, at once, in every process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model

_PROCESS_KEY = os.urandom(32)
MAX_ENTRIES = 4096


def _digest(*parts: str) -> bytes:
    message = b"\x00".join(part.encode("utf-8", "surrogatepass") for part in parts)
    return hmac.new(_PROCESS_KEY, message, hashlib.sha256).digest()


class VerifiedCredentials:
    """Remembered Basic credentials: keyed digest -> (user id, digest of the password hash)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[bytes, tuple[int, bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, username: str, password: str, user) -> None:
        """Remember that `password` verified for `user` (named `username`)."""
        lifetime = settings.TAXII_CREDENTIAL_CACHE_SECONDS
        if lifetime <= 0:
            return
        entry = (user.pk, _digest(user.password), time.monotonic() + lifetime)
        with self._lock:
            self._entries[_digest(username, password)] = entry
            self._entries.move_to_end(_digest(username, password))
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def recall(self, username: str, password: str):
        """Return the active user these credentials verified for, still valid; else None."""
        key = _digest(username, password)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        user_id, password_digest, expires = entry
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if (
            time.monotonic() >= expires
            or user is None
            or user.get_username() != username
            or not hmac.compare_digest(_digest(user.password), password_digest)
        ):
            self.forget(username, password)
            return None
        return user

    def forget(self, username: str, password: str) -> None:
        """Drop what is remembered of these credentials."""
        with self._lock:
            self._entries.pop(_digest(username, password), None)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._entries.clear()


verified_credentials = VerifiedCredentials()
