"""Sharing fixtures: the synced catalog, the baseline policy in force and sample payloads."""

from __future__ import annotations

import pytest

from audit.actors import SYSTEM
from tests.governance.conftest import approve_rules, baseline_rules

PRICE_SENTENCE = "We charge $4 per million tokens on our enterprise plan."

ACCOUNT_CLUSTER = {
    "cluster_size": 42,
    "emails": ["farm01@mailinator.example", "farm02@mailinator.example"],
    "email_domain": "mailinator.example",
    "signup_window_start": "2026-03-01T10:15:00Z",
    "signup_ip": "203.0.113.77",
    "detection_method": "velocity",
    "analyst_notes": "Accounts rotate residential proxies every 10 minutes.",
}

PROXY_SERVICE = {
    "service_name": "KeyBazaar",
    "domain": "keybazaar.example",
    "service_model": "key-resale",
    "analyst_notes": "Sells pooled API keys in bulk on a public forum.",
}


@pytest.fixture
def catalog(db):
    """Sync the shipped indicator-type catalog; return the types by key."""
    from governance.services.catalog import indicator_types_sync

    return {t.key: t for t in indicator_types_sync(actor=SYSTEM)}


@pytest.fixture
def approved_policy(catalog, users):
    """Return a helper that approves `rules` (member admin drafts, counsel approves)."""

    def make(rules: dict):
        return approve_rules(rules, drafter=users["member_admin"], approver=users["counsel"])

    return make


@pytest.fixture
def baseline_policy(approved_policy):
    """Put the shipped baseline policy in force; return its version."""
    return approved_policy(baseline_rules())


@pytest.fixture
def account_cluster():
    return dict(ACCOUNT_CLUSTER)


@pytest.fixture
def proxy_service():
    return dict(PROXY_SERVICE)
