"""Charter acceptance: audited, once per version, only the version in force."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from config.errors import Conflict
from membership.selectors.charter import acceptance_list, charter_to_accept
from membership.services.charter import charter_accept
from tests.membership.helpers import CHARTER, approve_document

pytestmark = pytest.mark.django_db


def test_acceptance_is_audited_once_and_visible_to_counsel_and_regulators(users, charter_doc):
    analyst = users["analyst"]
    assert charter_to_accept(analyst) == charter_doc
    charter_accept(actor=analyst, charter=charter_doc)
    charter_accept(actor=analyst, charter=charter_doc)
    assert charter_to_accept(analyst) is None
    event = AuditEvent.objects.get(action="charter.accepted")
    assert event.actor_username == "acme-analyst"
    assert event.data == {"number": 1, "approved_hash": charter_doc.approved_hash}
    for reader in ("counsel", "regulator"):
        assert [a.user for a in acceptance_list(actor=users[reader])] == [analyst]
    assert not acceptance_list(actor=users["member_admin"]).exists()


def test_a_new_version_must_be_accepted_again_and_the_old_one_no_longer_can(users, charter_doc):
    charter_accept(actor=users["analyst"], charter=charter_doc)
    second = approve_document(
        "charter",
        {**CHARTER, "text": "Also never discuss wages."},
        drafter=users["counsel2"],
        approver=users["counsel"],
    )
    assert charter_to_accept(users["analyst"]) == second
    with pytest.raises(Conflict):
        charter_accept(actor=users["member_admin"], charter=charter_doc)
