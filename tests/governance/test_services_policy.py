"""Policy versions through the services: validation, lifecycle, separation of duties, overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.actors import SYSTEM
from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.core import policy_language
from governance.models import PolicyStatus, PolicyVersion
from governance.selectors.policy import effective_rule, policy_version_in_force
from governance.services.catalog import indicator_types_sync
from governance.services.policy import (
    org_override_set,
    policy_version_approve,
    policy_version_draft_create,
    policy_version_draft_update,
    policy_version_reject,
    policy_version_submit,
)
from tests.governance.fixtures import baseline_rules

pytestmark = pytest.mark.django_db


def _fields(exc) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.errors}


BAD_POLICIES = [
    (
        "unknown type",
        lambda r: r["indicator_types"].update(
            {"crystal-ball": r["indicator_types"]["proxy-service"]}
        ),
        "indicator_types.crystal-ball",
    ),
    (
        "unknown field",
        lambda r: r["indicator_types"]["account-cluster"]["fields"].update({"shoe_size": "drop"}),
        "indicator_types.account-cluster.fields.shoe_size",
    ),
    (
        "action not valid for the datatype",
        lambda r: r["indicator_types"]["account-cluster"]["fields"].update(
            {"signup_ip": "generalize:ipv6/48"}
        ),
        "indicator_types.account-cluster.fields.signup_ip",
    ),
    (
        "audience names an unknown org",
        lambda r: r["indicator_types"]["account-cluster"].update(
            {"audience": ["acme", "umbrella"]}
        ),
        "indicator_types.account-cluster.audience",
    ),
    (
        "bad TLP",
        lambda r: r["indicator_types"]["account-cluster"].update({"tlp": "PURPLE"}),
        "indicator_types.account-cluster.tlp",
    ),
    (
        "negative retention",
        lambda r: r["indicator_types"]["account-cluster"].update({"retention_days": -3}),
        "indicator_types.account-cluster.retention_days",
    ),
    (
        "competitive kept in clear",
        lambda r: r["indicator_types"]["payment-linkage"]["by_sensitivity"].update(
            {"competitive": "keep"}
        ),
        "indicator_types.payment-linkage",
    ),
]


@pytest.mark.parametrize(("kind", "mutate", "path"), BAD_POLICIES, ids=[b[0] for b in BAD_POLICIES])
def test_bad_policy_is_refused_with_its_path(catalog, orgs, users, kind, mutate, path):
    rules = baseline_rules()
    mutate(rules)
    with pytest.raises(ValidationFailed) as exc:
        policy_version_draft_create(actor=users["member_admin"], rules=rules)
    assert any(f.startswith(path) for f in _fields(exc)), exc.value.errors
    assert not PolicyVersion.objects.exists()


def test_bad_yaml_is_refused_with_line_and_column(catalog, users):
    with pytest.raises(ValidationFailed) as exc:
        policy_version_draft_create(actor=users["member_admin"], text="indicator_types: [unclosed")
    assert exc.value.errors[0]["field"] == "(yaml)"
    assert "line 1" in exc.value.errors[0]["message"]


def test_draft_create_audits_and_numbers_versions(catalog, users):
    first = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    second = policy_version_draft_create(actor=users["counsel"], rules=baseline_rules())
    assert (first.number, second.number) == (1, 2)
    assert first.status == PolicyStatus.DRAFT
    assert AuditEvent.objects.filter(action="policy.version_drafted").count() == 2


@pytest.mark.parametrize("role", ["analyst", "legal_reviewer", "regulator"])
def test_roles_without_draft_capability_cannot_draft(catalog, users, role):
    with pytest.raises(AccessDenied):
        policy_version_draft_create(actor=users[role], rules=baseline_rules())


def test_submit_freezes_rules_hash_and_schema_versions(catalog, users):
    admin = users["member_admin"]
    version = policy_version_draft_create(actor=admin, rules=baseline_rules())
    version = policy_version_submit(actor=admin, version=version)
    assert version.status == PolicyStatus.PENDING_APPROVAL
    assert version.type_schema_versions == {key: 1 for key in catalog}
    assert len(version.content_hash) == 64
    changed = baseline_rules()
    changed["indicator_types"]["account-cluster"]["retention_days"] = 30
    with pytest.raises(Conflict):
        policy_version_draft_update(actor=admin, version=version, rules=changed)
    version.refresh_from_db()
    assert version.rules == baseline_rules()


def test_only_the_drafter_edits_a_draft(catalog, users):
    version = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    with pytest.raises(AccessDenied):
        policy_version_draft_update(actor=users["counsel"], version=version, rules=baseline_rules())
    with pytest.raises(AccessDenied):
        policy_version_submit(actor=users["other_admin"], version=version)


def test_trigger_refuses_rewriting_a_submitted_version(catalog, users):
    admin = users["member_admin"]
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    table = PolicyVersion._meta.db_table
    for statement in (
        f"UPDATE {table} SET content_hash = %s WHERE id = %s",
        f"UPDATE {table} SET status = 'draft' WHERE id = %s AND %s <> ''",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                statement,
                ["0" * 64, version.pk] if "content_hash" in statement else [version.pk, "x"],
            )
    with pytest.raises(DatabaseError), transaction.atomic():
        PolicyVersion.objects.filter(pk=version.pk).update(rules={"indicator_types": {}})
    with pytest.raises(DatabaseError), transaction.atomic():
        PolicyVersion.objects.filter(pk=version.pk).delete()
    version.refresh_from_db()
    assert version.rules == baseline_rules()


def test_trigger_lets_a_draft_change(catalog, users):
    version = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    PolicyVersion.objects.filter(pk=version.pk).update(content_hash="f" * 64)
    version.refresh_from_db()
    assert version.content_hash == "f" * 64


def test_counsel_cannot_approve_a_version_they_drafted(catalog, users):
    counsel = users["counsel"]
    version = policy_version_submit(
        actor=counsel, version=policy_version_draft_create(actor=counsel, rules=baseline_rules())
    )
    with pytest.raises(AccessDenied):
        policy_version_approve(actor=counsel, version=version, statement="Looks fine to me.")
    approved = policy_version_approve(actor=users["counsel2"], version=version, statement="Fine.")
    assert approved.status == PolicyStatus.APPROVED


@pytest.mark.parametrize("role", ["member_admin", "other_admin", "legal_reviewer", "regulator"])
def test_only_counsel_approves(catalog, users, role):
    admin = users["member_admin"]
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    with pytest.raises(AccessDenied):
        policy_version_approve(actor=users[role], version=version, statement="Yes.")


def test_approval_needs_a_statement_and_a_pending_version(catalog, users):
    admin = users["member_admin"]
    version = policy_version_draft_create(actor=admin, rules=baseline_rules())
    with pytest.raises(Conflict):
        policy_version_approve(actor=users["counsel"], version=version, statement="Yes.")
    version = policy_version_submit(actor=admin, version=version)
    with pytest.raises(ValidationFailed) as exc:
        policy_version_approve(actor=users["counsel"], version=version, statement="  ")
    assert _fields(exc) == {"statement": "a decision needs a statement"}


def test_approval_records_the_hash_and_supersedes_the_previous_version(baseline_policy, users):
    assert baseline_policy.approved_hash == baseline_policy.content_hash
    assert policy_version_in_force() == baseline_policy
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["retention_days"] = 90
    admin = users["member_admin"]
    second = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
    )
    second = policy_version_approve(actor=users["counsel"], version=second, statement="Shorter.")
    baseline_policy.refresh_from_db()
    assert baseline_policy.status == PolicyStatus.SUPERSEDED
    assert baseline_policy.effective_until == second.effective_from
    assert policy_version_in_force() == second
    assert AuditEvent.objects.filter(action="policy.version_superseded").count() == 1


def test_policy_in_force_answers_for_a_past_time(baseline_policy, users):
    before = timezone.now()
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["retention_days"] = 60
    admin = users["member_admin"]
    second = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
    )
    policy_version_approve(actor=users["counsel"], version=second, statement="Shorter.")
    assert policy_version_in_force(at=before) == baseline_policy
    assert policy_version_in_force() == second
    assert policy_version_in_force(at=baseline_policy.effective_from - timedelta(seconds=1)) is None


def test_approval_effective_later_keeps_the_current_version_until_then(baseline_policy, users):
    admin = users["member_admin"]
    later = timezone.now() + timedelta(days=7)
    second = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    policy_version_approve(
        actor=users["counsel"], version=second, statement="From next week.", effective_from=later
    )
    assert policy_version_in_force() == baseline_policy
    assert policy_version_in_force(at=later + timedelta(seconds=1)).pk == second.pk


def test_approval_in_the_past_is_refused(catalog, users):
    admin = users["member_admin"]
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    with pytest.raises(ValidationFailed):
        policy_version_approve(
            actor=users["counsel"],
            version=version,
            statement="Backdated.",
            effective_from=timezone.now() - timedelta(days=1),
        )


def test_reject_records_statement(catalog, users):
    admin = users["member_admin"]
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    with pytest.raises(ValidationFailed):
        policy_version_reject(actor=users["counsel"], version=version, statement="")
    version = policy_version_reject(actor=users["counsel"], version=version, statement="Too wide.")
    assert version.status == PolicyStatus.REJECTED
    assert version.decision_statement == "Too wide."
    assert policy_version_in_force() is None


def test_schema_drift_makes_the_type_unshareable(baseline_policy, orgs, users):
    from governance.core import indicator_schema

    account = next(t for t in indicator_schema.load_catalog() if t["key"] == "account-cluster")
    rule, reason = effective_rule(
        organization=orgs["acme"], indicator_type=_type("account-cluster")
    )
    assert rule is not None and reason is None
    changed = [
        {
            **t,
            "fields": [
                *t["fields"],
                {
                    "name": "new_flag",
                    "label": "New",
                    "datatype": "string",
                    "max_length": 40,
                    "sensitivity": "technical",
                    "required": False,
                    "many": False,
                },
            ],
        }
        if t["key"] == "account-cluster"
        else t
        for t in indicator_schema.load_catalog()
    ]
    indicator_types_sync(actor=users["counsel"], catalog=changed)
    drifted = _type("account-cluster")
    assert drifted.schema_version == 2 and account
    rule, reason = effective_rule(organization=orgs["acme"], indicator_type=drifted)
    assert rule is None
    assert reason == (
        "account-cluster's schema changed (v2) after policy v1 was approved for v1: "
        "not shareable until counsel approves a version covering it"
    )
    other, reason = effective_rule(organization=orgs["acme"], indicator_type=_type("proxy-service"))
    assert other is not None
    approve_again = policy_version_submit(
        actor=users["member_admin"],
        version=policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules()),
    )
    policy_version_approve(actor=users["counsel"], version=approve_again, statement="New schema.")
    rule, reason = effective_rule(organization=orgs["acme"], indicator_type=drifted)
    assert reason is None and rule.policy_version.number == 2


def test_sync_is_idempotent_and_audits_only_changes(catalog):
    events = AuditEvent.objects.filter(action="indicator_type.changed").count()
    assert events == len(catalog)
    indicator_types_sync(actor=SYSTEM)
    assert AuditEvent.objects.filter(action="indicator_type.changed").count() == events
    assert all(t.schema_version == 1 for t in _all_types())


def test_effective_rule_reasons(catalog, orgs, users):
    t = _type("account-cluster")
    assert effective_rule(organization=orgs["acme"], indicator_type=t) == (
        None,
        "no policy version is in force",
    )
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"] = {"share": False}
    approve = policy_version_submit(
        actor=users["member_admin"],
        version=policy_version_draft_create(actor=users["member_admin"], rules=rules),
    )
    policy_version_approve(actor=users["counsel"], version=approve, statement="Not that one.")
    assert effective_rule(organization=orgs["acme"], indicator_type=t) == (
        None,
        "the policy in force does not allow sharing account-cluster",
    )


def test_stricter_override_applies_to_own_org_only(baseline_policy, orgs, users):
    override = org_override_set(
        actor=users["member_admin"],
        organization=orgs["acme"],
        rules={
            "account-cluster": {"retention_days": 30, "tlp": "RED"},
            "payment-linkage": {"share": False},
        },
    )
    assert AuditEvent.objects.filter(action="org_override.changed").count() == 1
    assert override.rules["account-cluster"]["tlp"] == "RED"
    rule, _ = effective_rule(organization=orgs["acme"], indicator_type=_type("account-cluster"))
    assert rule.overridden and rule.rule["retention_days"] == 30 and rule.rule["tlp"] == "RED"
    assert effective_rule(organization=orgs["acme"], indicator_type=_type("payment-linkage")) == (
        None,
        "your organization's override does not share payment-linkage",
    )
    rule, _ = effective_rule(organization=orgs["globex"], indicator_type=_type("account-cluster"))
    assert not rule.overridden and rule.rule["tlp"] == "AMBER+STRICT"


def test_looser_override_is_refused_with_the_reason(baseline_policy, orgs, users):
    with pytest.raises(ValidationFailed) as exc:
        org_override_set(
            actor=users["member_admin"],
            organization=orgs["acme"],
            rules={"account-cluster": {"retention_days": 3650, "tlp": "CLEAR", "review": []}},
        )
    fields = _fields(exc)
    assert "account-cluster.retention_days" in fields
    assert "looser than the policy in force" in fields["account-cluster.tlp"]
    assert "origin" in fields["account-cluster.review"]
    assert not AuditEvent.objects.filter(action="org_override.changed").exists()


@pytest.mark.parametrize("role", ["analyst", "legal_reviewer", "other_admin", "counsel"])
def test_only_own_member_admin_sets_an_override(baseline_policy, orgs, users, role):
    with pytest.raises(AccessDenied):
        org_override_set(
            actor=users[role],
            organization=orgs["acme"],
            rules={"account-cluster": {"share": False}},
        )


def _type(key):
    from governance.models import IndicatorType

    return IndicatorType.objects.get(key=key)


def _all_types():
    from governance.models import IndicatorType

    return IndicatorType.objects.all()


def test_override_looser_than_a_newer_version_stops_sharing(baseline_policy, orgs, users):
    org_override_set(
        actor=users["member_admin"],
        organization=orgs["acme"],
        rules={"account-cluster": {"retention_days": 120}},
    )
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["retention_days"] = 60
    admin = users["other_admin"]
    newer = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
    )
    policy_version_approve(actor=users["counsel"], version=newer, statement="Shorter.")
    rule, reason = effective_rule(
        organization=orgs["acme"], indicator_type=_type("account-cluster")
    )
    assert rule is None
    assert reason.startswith("your organization's override of account-cluster is looser than")
    assert "retention_days" in reason


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    override=st.fixed_dictionaries(
        {},
        optional={
            "tlp": st.sampled_from(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]),
            "pap": st.sampled_from(["CLEAR", "GREEN", "AMBER", "RED"]),
            "retention_days": st.integers(min_value=1, max_value=400),
            "review": st.sampled_from([[], ["origin"], ["forum"], ["origin", "forum"]]),
            "audience": st.sampled_from(["all_members", "secretariat_only", ["globex"]]),
            "fields": st.fixed_dictionaries(
                {},
                optional={
                    "signup_ip": st.sampled_from(
                        ["keep", "drop", "generalize:ipv4/16", "generalize:ipv4/24", "pseudonymize"]
                    ),
                    "emails": st.sampled_from(["keep", "drop", "pseudonymize", "mask:3"]),
                },
            ),
        },
    )
)
def test_an_accepted_override_is_never_looser(baseline_policy, orgs, users, override):
    """Whatever a member admin tries, an override that is accepted never discloses more."""
    account = _type("account-cluster")
    base, _ = effective_rule(organization=orgs["globex"], indicator_type=account)
    try:
        org_override_set(
            actor=users["member_admin"],
            organization=orgs["acme"],
            rules={"account-cluster": override},
        )
    except ValidationFailed as exc:
        assert exc.errors
        assert all(e["field"].startswith("account-cluster") for e in exc.errors)
        return
    rule, reason = effective_rule(organization=orgs["acme"], indicator_type=account)
    assert reason is None
    assert (
        policy_language.is_at_least_as_strict(
            rule.rule,
            base.rule,
            all_member_slugs=["acme", "globex", "initech"],
            fields=account.fields,
        )
        == []
    )


def test_approval_refused_when_a_covered_schema_changed_after_submission(catalog, users):
    from governance.core import indicator_schema

    admin = users["member_admin"]
    version = policy_version_submit(
        actor=admin, version=policy_version_draft_create(actor=admin, rules=baseline_rules())
    )
    changed = [
        {
            **t,
            "fields": [
                {**f, "required": True} if f["name"] == "emails" else f for f in t["fields"]
            ],
        }
        if t["key"] == "account-cluster"
        else t
        for t in indicator_schema.load_catalog()
    ]
    indicator_types_sync(actor=SYSTEM, catalog=changed)
    with pytest.raises(Conflict, match="account-cluster changed after this version was submitted"):
        policy_version_approve(actor=users["counsel"], version=version, statement="Late.")
