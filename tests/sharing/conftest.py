"""Sharing fixtures: sample payloads as fixtures (constants: tests/sharing/fixtures.py; catalog and
policies: tests/governance/fixtures.py)."""

from __future__ import annotations

import pytest

from tests.sharing.fixtures import PROXY_SERVICE

ACCOUNT_CLUSTER = {
    "cluster_size": 42,
    "emails": ["farm01@mailinator.example", "farm02@mailinator.example"],
    "email_domain": "mailinator.example",
    "signup_window_start": "2026-03-01T10:15:00Z",
    "signup_ip": "203.0.113.77",
    "detection_method": "velocity",
    "analyst_notes": "Accounts rotate residential proxies every 10 minutes.",
}


@pytest.fixture
def account_cluster():
    return dict(ACCOUNT_CLUSTER)


@pytest.fixture
def proxy_service():
    return dict(PROXY_SERVICE)
