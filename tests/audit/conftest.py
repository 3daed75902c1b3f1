"""Audit test fixtures: exports under a temporary directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"
    return settings.CLEARROOM_EXPORT_DIR
