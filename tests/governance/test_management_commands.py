"""Policy as code: load_policy, export_policy, the round trip, and the demo seed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from governance.models import PolicyStatus, PolicyVersion
from governance.selectors.policy import policy_version_in_force
from governance.services.policy import policy_version_approve, policy_version_submit
from tests.governance.fixtures import BASELINE_PATH

pytestmark = pytest.mark.django_db


def test_load_then_export_round_trip_keeps_the_content_hash(catalog, users, tmp_path):
    call_command("load_policy", str(BASELINE_PATH), "--user", "acme-admin", stdout=io.StringIO())
    draft = PolicyVersion.objects.get()
    assert draft.status == PolicyStatus.DRAFT and draft.drafted_by == users["member_admin"]
    version = policy_version_submit(actor=users["member_admin"], version=draft)
    policy_version_approve(actor=users["counsel"], version=version, statement="Baseline.")
    out = tmp_path / "exported.yaml"
    call_command("export_policy", "--out", str(out), stdout=io.StringIO())
    call_command("load_policy", str(out), "--user", "counsel", stdout=io.StringIO())
    reloaded = PolicyVersion.objects.get(number=2)
    assert reloaded.content_hash == version.content_hash == policy_version_in_force().approved_hash


def test_load_policy_reports_errors_with_paths(catalog, users, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicator_types:\n  account-cluster:\n    share: true\n    review: [court]\n")
    with pytest.raises(CommandError) as exc:
        call_command("load_policy", str(bad), "--user", "acme-admin")
    assert "indicator_types.account-cluster.review" in str(exc.value)
    with pytest.raises(CommandError):
        call_command("load_policy", str(BASELINE_PATH), "--user", "acme-analyst")
    assert not PolicyVersion.objects.exists()


def test_export_without_a_policy_in_force_fails(catalog):
    with pytest.raises(CommandError, match="No policy version is in force"):
        call_command("export_policy")


def test_demo_seed_puts_the_baseline_in_force_once():
    from governance import demo

    demo.seed()
    demo.seed()
    version = policy_version_in_force()
    assert version.number == 1 and version.status == PolicyStatus.APPROVED
    assert version.drafted_by.username == "northwind-admin"
    assert version.decided_by.username == "counsel"
    assert version.approved_hash == version.content_hash
    assert PolicyVersion.objects.count() == 1


def test_sync_indicator_types_command_bumps_schema_on_field_change(db, tmp_path):
    out = io.StringIO()
    call_command("sync_indicator_types", stdout=out)
    assert "account-cluster: schema v1" in out.getvalue()
    from governance.core.indicator_schema import CATALOG_PATH

    changed = tmp_path / "catalog.yaml"
    changed.write_text(
        CATALOG_PATH.read_text().replace("max_items: 500", "max_items: 400", 1), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("sync_indicator_types", "--file", str(changed), stdout=out)
    assert "account-cluster: schema v2" in out.getvalue()
    assert "proxy-service: schema v1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("sync_indicator_types", "--file", str(tmp_path / "missing.yaml"))
