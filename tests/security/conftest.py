"""Security fixtures: the world behind every URL, cheap password hashing."""

from __future__ import annotations

import pytest

from tests.governance.conftest import catalog  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def world(catalog, users, orgs, django_capture_on_commit_callbacks):  # noqa: F811
    from tests.security.world import build_world

    return build_world(users=users, orgs=orgs, capture_on_commit=django_capture_on_commit_callbacks)
