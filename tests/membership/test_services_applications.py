"""Applications: submitted in public, decided by counsel against every criterion, with a reason;
acceptance creates the organization and invites its member admin; exits are reasoned."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail

from audit.models import AuditEvent
from config.errors import AccessDenied, Conflict, ValidationFailed
from governance.models import Membership, Organization
from governance.permissions import memberships
from membership.models import (
    ApplicationState,
    MemberInvitation,
    MembershipApplication,
    OrganizationExit,
)
from membership.selectors.applications import application_by_token
from membership.services.applications import application_decide, organization_exit
from tests.membership.helpers import apply

pytestmark = pytest.mark.django_db

MET = {"model-api": True, "contact": True}


def test_a_public_application_is_recorded_audited_and_its_status_link_mailed(
    criteria_doc, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application, secret = apply()
    assert application.state == ApplicationState.SUBMITTED
    assert application.criteria == criteria_doc and application.claimed == ["model-api", "contact"]
    assert application_by_token(secret) == application
    assert secret not in application.token_hash
    event = AuditEvent.objects.get(action="membership.application.submitted")
    assert event.data == {
        "criteria_version": 1,
        "criteria_hash": criteria_doc.approved_hash,
        "claimed": ["model-api", "contact"],
    }
    assert b"nia@nimbus.example" not in bytes(event.leaf)  # no contact details in the public log
    assert mail.outbox[0].to == ["nia@nimbus.example"] and secret in mail.outbox[0].body


def test_no_criteria_in_force_means_applications_are_closed(db):
    with pytest.raises(Conflict):
        apply()
    assert not MembershipApplication.objects.exists()


def test_bad_application_input_is_refused_with_fields_and_stores_nothing(criteria_doc):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        apply(organization_name=" ", contact_email="not-mail", claimed=["unknown"], evidence="")
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"organization_name", "contact_email", "claimed", "evidence"}
    assert not MembershipApplication.objects.exists() and AuditEvent.objects.count() == before


def test_acceptance_creates_the_member_org_and_invites_its_admin(
    users, criteria_doc, django_capture_on_commit_callbacks
):
    application, _ = apply()
    with django_capture_on_commit_callbacks(execute=True):
        decided = application_decide(
            actor=users["counsel"],
            application=application,
            accept=True,
            assessment=MET,
            reason="Meets both criteria: public API, named contact.",
        )
    assert decided.state == ApplicationState.ACCEPTED
    org = decided.organization
    assert org.kind == "member" and org.name == "Nimbus AI" and org.slug == "nimbus-ai"
    invitation = MemberInvitation.objects.get(organization=org)
    assert invitation.role == "member_admin" and invitation.email == "nia@nimbus.example"
    assert "/membership/invitations/" in mail.outbox[-1].body
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == [
        "organization.created",
        "membership.application.accepted",
        "membership.invitation.created",
    ]
    event = AuditEvent.objects.get(action="membership.application.accepted")
    assert event.data["assessment"] == MET and event.data["org"] == "nimbus-ai"


def test_refusal_keeps_the_reason_and_the_assessment(users, criteria_doc):
    application, secret = apply(claimed=["contact"])
    application_decide(
        actor=users["counsel"],
        application=application,
        accept=False,
        assessment={"model-api": False, "contact": True},
        reason="No public model API.",
    )
    seen = application_by_token(secret)
    assert seen.state == ApplicationState.REFUSED and seen.reason == "No public model API."
    assert seen.organization is None and not MemberInvitation.objects.exists()
    assert AuditEvent.objects.filter(action="membership.application.refused").count() == 1


def test_the_same_bar_for_everyone_acceptance_needs_every_criterion_met(users, criteria_doc):
    application, _ = apply()
    with pytest.raises(ValidationFailed) as caught:
        application_decide(
            actor=users["counsel"],
            application=application,
            accept=True,
            assessment={"model-api": True, "contact": False},
            reason="Close enough.",
        )
    assert caught.value.errors[0]["field"] == "decision"
    with pytest.raises(ValidationFailed) as caught:
        application_decide(
            actor=users["counsel"], application=application, accept=True, assessment=MET, reason=""
        )
    assert caught.value.errors[0]["field"] == "reason"
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert not Organization.objects.filter(name="Nimbus AI").exists()


def test_only_counsel_decides_and_only_once(users, criteria_doc):
    application, _ = apply()
    for role in ("member_admin", "regulator", "legal_reviewer"):
        with pytest.raises(AccessDenied):
            application_decide(
                actor=users[role], application=application, accept=True, assessment=MET, reason="x"
            )
    application_decide(
        actor=users["counsel"], application=application, accept=True, assessment=MET, reason="OK"
    )
    with pytest.raises(Conflict):
        application_decide(
            actor=users["counsel2"],
            application=application,
            accept=False,
            assessment={"model-api": False, "contact": True},
            reason="Changed my mind.",
        )


def test_a_failed_invitation_rolls_the_acceptance_back(users, criteria_doc):
    application, _ = apply()
    with (
        mock.patch(
            "membership.services.applications.invitation_create", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        application_decide(
            actor=users["counsel"],
            application=application,
            accept=True,
            assessment=MET,
            reason="OK",
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert not Organization.objects.filter(name="Nimbus AI").exists()
    assert not AuditEvent.objects.filter(action="membership.application.accepted").exists()


def test_an_exit_is_reasoned_audited_and_ends_access(users, orgs):
    analyst = users["other_analyst"]
    assert memberships(analyst)
    record = organization_exit(
        actor=users["counsel"], organization=orgs["globex"], kind="left", reason="Asked to leave."
    )
    assert record.kind == "left" and OrganizationExit.objects.count() == 1
    orgs["globex"].refresh_from_db()
    assert orgs["globex"].is_active is False
    analyst = type(analyst).objects.get(pk=analyst.pk)  # a later request: no cached roles
    assert memberships(analyst) == [] and Membership.objects.filter(user=analyst).exists()
    event = AuditEvent.objects.get(action="membership.exit")
    assert event.data == {"org": "globex", "kind": "left", "reason": "Asked to leave."}
    with pytest.raises(Conflict):
        organization_exit(
            actor=users["counsel"], organization=orgs["globex"], kind="removed", reason="Again."
        )


def test_exits_need_counsel_a_kind_a_reason_and_a_member_org(users, orgs):
    with pytest.raises(AccessDenied):
        organization_exit(
            actor=users["member_admin"], organization=orgs["acme"], kind="left", reason="x"
        )
    with pytest.raises(ValidationFailed):
        organization_exit(actor=users["counsel"], organization=orgs["acme"], kind="x", reason="")
    with pytest.raises(Conflict):
        organization_exit(
            actor=users["counsel"], organization=orgs["forum"], kind="removed", reason="No."
        )
    assert not AuditEvent.objects.filter(action="membership.exit").exists()
