"""Role checks: allowed, same org without the role, other org."""

from __future__ import annotations

import pytest

from config.errors import AccessDenied, ValidationFailed
from governance.permissions import can, organizations_with, require
from governance.roles import Capability, Role
from governance.services import accounts

pytestmark = pytest.mark.django_db


def test_analyst_may_submit_for_own_org(users, orgs):
    assert can(users["analyst"], Capability.SUBMIT, orgs["acme"])


def test_legal_reviewer_of_same_org_may_not_submit(users, orgs):
    assert not can(users["legal_reviewer"], Capability.SUBMIT, orgs["acme"])
    with pytest.raises(AccessDenied):
        require(users["legal_reviewer"], Capability.SUBMIT, orgs["acme"])


def test_analyst_of_other_org_may_not_submit_for_acme(users, orgs):
    assert not can(users["other_analyst"], Capability.SUBMIT, orgs["acme"])
    assert organizations_with(users["other_analyst"], Capability.SUBMIT) == [orgs["globex"]]


def test_only_counsel_approves_policy(users):
    assert can(users["counsel"], Capability.APPROVE_POLICY)
    for role in ("analyst", "member_admin", "legal_reviewer", "regulator"):
        assert not can(users[role], Capability.APPROVE_POLICY)


def test_audit_is_read_by_counsel_and_regulator_only(users):
    allowed = {r for r in users if can(users[r], Capability.READ_AUDIT)}
    assert allowed == {"counsel", "counsel2", "regulator"}


def test_role_must_fit_organization_kind(users, orgs):
    with pytest.raises(ValidationFailed):
        accounts.membership_create(
            actor=users["counsel"],
            user=users["analyst"],
            organization=orgs["forum"],
            role=Role.ANALYST,
        )


def test_membership_adds_user_to_org_group(users, orgs):
    assert users["analyst"].groups.filter(pk=orgs["acme"].group_id).exists()
    assert not users["analyst"].groups.filter(pk=orgs["globex"].group_id).exists()


def test_inactive_user_holds_no_capability(users, orgs):
    user = users["analyst"]
    user.is_active = False
    assert not can(user, Capability.SUBMIT, orgs["acme"])
