"""Criteria and charter versions: draft → submit → approve by another counsel, bound to the hash."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict, ValidationFailed
from membership.models import DocumentStatus, ForumDocument
from membership.selectors.documents import charter_in_force, criteria_in_force, document_list
from membership.services.documents import (
    document_approve,
    document_draft_create,
    document_reject,
    document_submit,
)
from tests.membership.helpers import CHARTER, approve_document, criteria

pytestmark = pytest.mark.django_db


def _actions():
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_counsel_drafts_submits_and_another_counsel_approves(users):
    counsel, counsel2 = users["counsel"], users["counsel2"]
    draft = document_draft_create(actor=counsel, kind="criteria", content=criteria())
    assert draft.status == DocumentStatus.DRAFT and draft.number == 1
    pending = document_submit(actor=counsel, version=draft)
    assert pending.status == DocumentStatus.PENDING_APPROVAL
    approved = document_approve(actor=counsel2, version=pending, statement="Fair and objective.")
    assert approved.status == DocumentStatus.APPROVED
    assert approved.approved_hash == approved.content_hash and approved.effective_from
    assert criteria_in_force() == approved and charter_in_force() is None
    assert _actions()[-3:] == [
        "membership.criteria.drafted",
        "membership.criteria.submitted",
        "membership.criteria.approved",
    ]
    event = AuditEvent.objects.get(action="membership.criteria.approved")
    assert event.data["approved_hash"] == approved.content_hash


def test_a_new_version_supersedes_the_one_in_force(users):
    first = approve_document(
        "charter", dict(CHARTER), drafter=users["counsel"], approver=users["counsel2"]
    )
    second = approve_document(
        "charter",
        {**CHARTER, "text": "Never discuss prices, customers or plans."},
        drafter=users["counsel2"],
        approver=users["counsel"],
    )
    first.refresh_from_db()
    assert first.status == DocumentStatus.SUPERSEDED and first.effective_until
    assert charter_in_force() == second and second.number == 2
    assert "charter.superseded" in _actions()


def test_nobody_approves_their_own_draft(users):
    draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    pending = document_submit(actor=users["counsel"], version=draft)
    with pytest.raises(AccessDenied):
        document_approve(actor=users["counsel"], version=pending, statement="Mine.")


def test_only_counsel_drafts_and_decides(users):
    for role in ("member_admin", "regulator", "analyst"):
        with pytest.raises(AccessDenied):
            document_draft_create(actor=users[role], kind="charter", content=CHARTER)
    draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    with pytest.raises(AccessDenied):
        document_submit(actor=users["counsel2"], version=draft)
    pending = document_submit(actor=users["counsel"], version=draft)
    with pytest.raises(AccessDenied):
        document_reject(actor=users["regulator"], version=pending, statement="No.")


def test_bad_content_is_refused_and_leaves_nothing(users):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        document_draft_create(actor=users["counsel"], kind="criteria", content={"title": "x"})
    assert caught.value.errors[0]["field"] == "criteria"
    with pytest.raises(ValidationFailed):
        document_draft_create(actor=users["counsel"], kind="bylaws", content=CHARTER)
    assert not ForumDocument.objects.exists() and AuditEvent.objects.count() == before


def test_decisions_need_a_statement_and_a_pending_version(users):
    draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    with pytest.raises(Conflict):
        document_approve(actor=users["counsel2"], version=draft, statement="Too early.")
    pending = document_submit(actor=users["counsel"], version=draft)
    with pytest.raises(ValidationFailed):
        document_approve(actor=users["counsel2"], version=pending, statement="  ")
    rejected = document_reject(actor=users["counsel2"], version=pending, statement="Too vague.")
    assert rejected.status == DocumentStatus.REJECTED and charter_in_force() is None
    with pytest.raises(Conflict):
        document_submit(actor=users["counsel"], version=rejected)


def test_the_database_refuses_to_rewrite_a_submitted_version(users):
    draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    # A draft may still change (and be deleted); from submission on, content and hash freeze.
    ForumDocument.objects.filter(pk=draft.pk).update(content={**CHARTER, "text": "Draft 2."})
    pending = document_submit(actor=users["counsel"], version=draft)
    for change in ({"content": {**CHARTER, "text": "Edited."}}, {"content_hash": "0" * 64}):
        with pytest.raises(DatabaseError), transaction.atomic():
            ForumDocument.objects.filter(pk=pending.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        ForumDocument.objects.filter(pk=pending.pk).delete()
    approved = document_approve(actor=users["counsel2"], version=pending, statement="OK.")
    assert approved.content["text"] == "Draft 2."
    with pytest.raises(DatabaseError), transaction.atomic():
        ForumDocument.objects.filter(pk=approved.pk).update(approved_hash="1" * 64)


def test_the_approval_and_its_event_commit_together(users):
    draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    pending = document_submit(actor=users["counsel"], version=draft)
    with (
        mock.patch(
            "membership.services.documents.audit_record", side_effect=RuntimeError("log down")
        ),
        pytest.raises(RuntimeError),
    ):
        document_approve(actor=users["counsel2"], version=pending, statement="OK.")
    pending.refresh_from_db()
    assert pending.status == DocumentStatus.PENDING_APPROVAL and charter_in_force() is None


def test_history_is_for_counsel_and_regulators(users, criteria_doc):
    assert list(document_list(actor=users["regulator"])) == [criteria_doc]
    assert list(document_list(actor=users["counsel"])) == [criteria_doc]
    assert not document_list(actor=users["member_admin"]).exists()
