"""Correlation fixtures: account clusters published without review to every member, indexed.

A pytest plugin (`pytest_plugins` in tests/conftest.py), used by the correlation, insights and
feed tests.
"""

from __future__ import annotations

import pytest

from sharing.models import SharedIndicator
from sharing.services.correlation import correlation_index_indicator
from sharing.services.publication import marking_acknowledge
from tests.sharing.fixtures import submit

ATTACKER = "farm01@mailinator.example"
MARKINGS = ("TLP:AMBER+STRICT", "PAP:GREEN")


def cluster(*emails: str, fingerprint: str = "fp-unique") -> dict:
    return {
        "cluster_size": 12,
        "emails": list(emails),
        "email_domain": "mailinator.example",
        "signup_window_start": "2026-03-01T10:15:00Z",
        "device_fingerprint": fingerprint,
        "detection_method": "velocity",
    }


@pytest.fixture
def auto_publish(policy):
    """Account clusters publish without review to every member (no scanner flag raised)."""
    return policy(review=[])


@pytest.fixture
def readers(users):
    """Every user, having acknowledged the markings of the published clusters."""
    for user in users.values():
        for marking in MARKINGS:
            marking_acknowledge(actor=user, marking=marking)
    return users


@pytest.fixture
def publish(auto_publish, catalog, readers):
    """Return a helper that submits a cluster (published without review) and indexes it."""

    def make(user, organization, payload) -> SharedIndicator:
        submission = submit(
            user=user,
            organization=organization,
            indicator_type=catalog["account-cluster"],
            payload=payload,
        )
        indicator = SharedIndicator.objects.get(submission=submission)
        correlation_index_indicator(indicator=indicator)
        return indicator

    return make


def publish_from(users, orgs, publish, who: str) -> SharedIndicator:
    """Publish, through the `publish` fixture, a cluster `who` (acme, globex, initech) saw."""
    pairs = {
        "acme": (users["analyst"], orgs["acme"]),
        "globex": (users["other_analyst"], orgs["globex"]),
        "initech": (users["third_analyst"], orgs["initech"]),
    }
    user, org = pairs[who]
    return publish(
        user, org, cluster(ATTACKER, f"{who}-only@mailinator.example", fingerprint=f"{who}-fp")
    )
