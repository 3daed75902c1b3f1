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
