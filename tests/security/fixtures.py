"""The security world (a plugin every test directory gets through tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(catalog, users, orgs, django_capture_on_commit_callbacks):
    """Build the world behind every URL: one object of each kind, owned by Acme."""
    from tests.security.world import build_world

    return build_world(users=users, orgs=orgs, capture_on_commit=django_capture_on_commit_callbacks)
