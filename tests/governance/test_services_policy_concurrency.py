"""Two counsel approving two versions at once on PostgreSQL leave exactly one in force."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from governance.models import PolicyStatus, PolicyVersion
from governance.selectors.policy import policy_version_in_force
from governance.services.policy import policy_version_draft_create, policy_version_submit
from tests.governance.fixtures import baseline_rules


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_leave_exactly_one_version_in_force(catalog, users):
    if connection.vendor != "postgresql":
        pytest.fail("the concurrency test needs PostgreSQL (set DATABASE_URL)")
    from governance.services.policy import policy_version_approve

    admin = users["member_admin"]
    versions = []
    for days in (90, 60):
        rules = baseline_rules()
        rules["indicator_types"]["account-cluster"]["retention_days"] = days
        versions.append(
            policy_version_submit(
                actor=admin, version=policy_version_draft_create(actor=admin, rules=rules)
            )
        )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve(version, counsel):
        try:
            barrier.wait()
            policy_version_approve(actor=counsel, version=version, statement="Concurrent.")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(versions[0], users["counsel"])),
        threading.Thread(target=approve, args=(versions[1], users["counsel2"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    open_ended = PolicyVersion.objects.filter(
        status=PolicyStatus.APPROVED, effective_until__isnull=True
    )
    assert open_ended.count() == 1
    superseded = PolicyVersion.objects.get(status=PolicyStatus.SUPERSEDED)
    winner = open_ended.get()
    assert superseded.effective_until == winner.effective_from
    assert policy_version_in_force() == winner
