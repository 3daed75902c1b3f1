"""Security fixtures: exports under a temporary directory (the world is in fixtures.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _exports_in_tmp(export_dir):
    return export_dir
