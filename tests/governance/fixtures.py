"""Governance fixtures (a plugin every test directory gets through tests/conftest.py): the
synced catalog and approved policies, made through the services; helpers for the rules."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from audit.actors import SYSTEM

BASELINE_PATH = (
    Path(__file__).resolve().parents[2] / "governance" / "catalog" / "baseline_policy.yaml"
)


def baseline_rules() -> dict:
    """Return a fresh copy of the shipped baseline policy's rules."""
    return copy.deepcopy(yaml.safe_load(BASELINE_PATH.read_text(encoding="utf-8")))


def approve_rules(rules: dict, *, drafter, approver, statement: str = "Approved for the forum."):
    """Draft, submit and approve `rules` through the services; return the approved version."""
    from governance.services.policy import (
        policy_version_approve,
        policy_version_draft_create,
        policy_version_submit,
    )

    version = policy_version_draft_create(actor=drafter, rules=rules)
    version = policy_version_submit(actor=drafter, version=version)
    return policy_version_approve(actor=approver, version=version, statement=statement)


@pytest.fixture
def catalog(db):
    """Sync the shipped indicator-type catalog into the database; return the types by key."""
    from governance.services.catalog import indicator_types_sync

    return {t.key: t for t in indicator_types_sync(actor=SYSTEM)}


@pytest.fixture
def approved_policy(catalog, users):
    """Return a helper that approves `rules` (member admin drafts, counsel approves)."""

    def make(rules: dict, *, drafter=None, approver=None):
        return approve_rules(
            rules,
            drafter=drafter or users["member_admin"],
            approver=approver or users["counsel"],
        )

    return make


@pytest.fixture
def baseline_policy(approved_policy):
    """Sync the catalog and put the shipped baseline policy in force; return its version."""
    return approved_policy(baseline_rules())
