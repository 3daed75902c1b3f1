"""Audit test fixtures: exports under a temporary directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _export_dir(export_dir):
    return export_dir
