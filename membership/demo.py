"""Demo admission criteria, antitrust charter and applications (`manage.py seed_demo`).

The documents are seeded by the system and approved by the demo counsel; demo users accept
the charter at their first login, as real users do.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from audit.actors import SYSTEM
from membership.models import DocumentKind, MembershipApplication
from membership.selectors.documents import document_in_force
from membership.services.applications import application_decide, application_submit
from membership.services.documents import (
    document_approve,
    document_draft_create,
    document_submit,
)

CRITERIA = {
    "title": "Admission criteria of the forum",
    "introduction": (
        "Any organization that meets every criterion below may join, on the same terms as "
        "every member. Counsel decides each application against these criteria and gives a "
        "written reason."
    ),
    "criteria": [
        {
            "key": "operates-model-api",
            "title": "Operates a model API exposed to the public",
            "description": (
                "The organization serves a generally available AI model through an API or "
                "application that outsiders can query, and so can be a target of distillation."
            ),
        },
        {
            "key": "security-contact",
            "title": "Has a named security contact",
            "description": (
                "A person responsible for abuse and threat intelligence who answers within "
                "two business days."
            ),
        },
        {
            "key": "accepts-charter",
            "title": "Accepts the antitrust charter and the sharing policy",
            "description": (
                "Every user of the organization accepts the antitrust charter in force; the "
                "organization shares only what the counsel-approved policy allows."
            ),
        },
        {
            "key": "handles-personal-data-lawfully",
            "title": "Processes personal data lawfully",
            "description": (
                "The organization has a lawful basis to process the personal data in the "
                "indicators it shares and receives (legitimate interest in network security)."
            ),
        },
    ],
}

CHARTER = {
    "title": "Antitrust charter of the forum",
    "text": (
        "The forum exists to share technical information about attacks on AI models, and "
        "nothing else.\n\n"
        "Never share or discuss: prices, discounts or pricing plans; costs, margins or supplier "
        "terms; capacity, compute or expansion plans; your own traffic, usage or customer "
        "numbers; customers, deals or bids; revenue or forecasts; unreleased products or launch "
        "dates; wages, hiring or poaching.\n\n"
        "Never propose or agree joint action: no common prices, no sharing of markets or "
        "customers, no boycotts, no agreement to refuse service to anyone. Each member decides "
        "alone what to do with what it receives.\n\n"
        "If a discussion turns to any of these subjects, stop it and tell forum counsel."
    ),
}


def _approved(kind: str, content: dict, counsel) -> int:
    if document_in_force(kind) is not None:
        return 0
    version = document_draft_create(actor=SYSTEM, kind=kind, content=content)
    version = document_submit(actor=SYSTEM, version=version)
    document_approve(
        actor=counsel,
        version=version,
        statement="Reviewed against the forum's antitrust guidance; published for every member.",
    )
    return 1


@transaction.atomic
def seed(stdout=None) -> dict[str, int]:
    """Put criteria and charter in force and leave one application waiting, one refused."""
    counsel = get_user_model().objects.get(username="counsel")
    created = {
        "criteria": _approved(DocumentKind.CRITERIA, CRITERIA, counsel),
        "charter": _approved(DocumentKind.CHARTER, CHARTER, counsel),
        "applications": 0,
    }
    if not MembershipApplication.objects.exists():
        application_submit(
            organization_name="Aurora Robotics",
            contact_name="Ada Aurora",
            contact_email="security@aurora.demo.invalid",
            claimed=[
                "operates-model-api",
                "security-contact",
                "accepts-charter",
                "handles-personal-data-lawfully",
            ],
            evidence=(
                "Aurora serves its vision-language model through a public API since 2025; "
                "security@aurora answers abuse reports; our DPO confirmed the legal basis."
            ),
        )
        refused, _ = application_submit(
            organization_name="Proxy Resale Ltd",
            contact_name="Rex Resale",
            contact_email="rex@proxy-resale.demo.invalid",
            claimed=["security-contact"],
            evidence="We resell API keys and would like to see which keys get blocked.",
        )
        application_decide(
            actor=counsel,
            application=refused,
            accept=False,
            assessment={
                "operates-model-api": False,
                "security-contact": True,
                "accepts-charter": False,
                "handles-personal-data-lawfully": False,
            },
            reason=(
                "The applicant operates no model API: it resells access to others' models, "
                "which the forum's indicators describe as an abuse channel."
            ),
        )
        created["applications"] = 2
    if stdout is not None:
        stdout.write(
            f"\nmembership: criteria {created['criteria']}, charter {created['charter']}, "
            f"applications {created['applications']}\n"
        )
    return created
