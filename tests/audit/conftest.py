"""Audit test fixtures: exports under a temporary directory, fast password hashing."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing_and_export_dir(settings, tmp_path):
    # PBKDF2 costs most of the time of creating the ten fixture users; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"
    return settings.CLEARROOM_EXPORT_DIR
