"""Transparency test fixtures: a log with submissions from three members and signed checkpoints."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from audit.services.checkpoints import audit_checkpoint_create
from sharing.models import Source


@pytest.fixture(autouse=True)
def _fresh_cache(export_dir):
    # Reports are cached by checkpoint; each test builds its own log.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def three_member_policy(approved_policy):
    """The baseline policy, its statistics requiring three contributing members (not 4-5)."""
    from tests.governance.fixtures import baseline_rules

    rules = baseline_rules()
    for spec in rules["aggregates"].values():
        spec["min_contributors"] = 3
    return approved_policy(rules)


@pytest.fixture
def shared_log(three_member_policy, catalog, users, orgs):
    """Three members each submit a proxy service (the baseline publishes it without review);
    Acme alone submits an account cluster. Return the two checkpoints signed along the way."""
    from sharing.services.intake import submission_create
    from tests.sharing.fixtures import ACCOUNT_CLUSTER, PROXY_SERVICE

    first = audit_checkpoint_create()
    for key, org in (
        ("analyst", "acme"),
        ("other_analyst", "globex"),
        ("third_analyst", "initech"),
    ):
        submission_create(
            actor=users[key],
            organization=orgs[org],
            indicator_type=catalog["proxy-service"],
            payload={**PROXY_SERVICE, "domain": f"{org}-relay.example"},
            source=Source.API,
        )
    submission_create(
        actor=users["analyst"],
        organization=orgs["acme"],
        indicator_type=catalog["account-cluster"],
        payload=dict(ACCOUNT_CLUSTER),
        source=Source.API,
    )
    second = audit_checkpoint_create()
    return first, second
