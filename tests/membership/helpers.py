"""Membership test helpers: documents put in force through the services, as counsel does."""

from __future__ import annotations

import copy

CRITERIA = {
    "title": "Admission criteria",
    "introduction": "Meet every criterion.",
    "criteria": [
        {"key": "model-api", "title": "Operates a model API", "description": "A public API."},
        {"key": "contact", "title": "Security contact", "description": "Answers in 2 days."},
    ],
}
CHARTER = {"title": "Antitrust charter", "text": "Never discuss prices or customers."}


def criteria(**changes) -> dict:
    """Return a fresh criteria document with `changes` applied."""
    return {**copy.deepcopy(CRITERIA), **changes}


def approve_document(kind: str, content: dict, *, drafter, approver):
    """Draft, submit and approve a document through the services; return the version."""
    from membership.services.documents import (
        document_approve,
        document_draft_create,
        document_submit,
    )

    version = document_draft_create(actor=drafter, kind=kind, content=content)
    version = document_submit(actor=drafter, version=version)
    return document_approve(actor=approver, version=version, statement="Approved.")


def apply(**changes):
    """Submit an application meeting both criteria; return (application, status secret)."""
    from membership.services.applications import application_submit

    fields = {
        "organization_name": "Nimbus AI",
        "contact_name": "Nia Nimbus",
        "contact_email": "nia@nimbus.example",
        "claimed": ["model-api", "contact"],
        "evidence": "We serve a public model API; security@nimbus answers.",
        **changes,
    }
    return application_submit(**fields)


def invitation_secret_from(message) -> str:
    """Return the invitation link's secret from the e-mail that carries it."""
    return message.body.split("/membership/invitations/")[1].split("/")[0]


def build_membership_world(*, users, orgs, capture_on_commit) -> dict:
    """Create what the membership routes of the access matrix need; no charter in force."""
    from django.core import mail

    from membership.services.documents import document_draft_create, document_submit
    from membership.services.invitations import invitation_create

    approve_document("criteria", criteria(), drafter=users["counsel"], approver=users["counsel2"])
    application, status_secret = apply()
    with capture_on_commit(execute=True):
        invitation_create(
            actor=users["counsel"],
            organization=orgs["initech"],
            email="new-admin@initech.example",
            role="member_admin",
        )
    charter_draft = document_draft_create(actor=users["counsel"], kind="charter", content=CHARTER)
    charter_pending = document_submit(
        actor=users["counsel2"],
        version=document_draft_create(actor=users["counsel2"], kind="charter", content=CHARTER),
    )
    return {
        "application": application,
        "status_secret": status_secret,
        "invitation_secret": invitation_secret_from(mail.outbox[-1]),
        "charter_draft": charter_draft,
        "charter_pending": charter_pending,
        "exiting_org": orgs["globex"],
    }
