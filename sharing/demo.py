"""Demo submissions from the three demo labs, so review queues have work (`manage.py seed_demo`).

Runs after governance's demo, which approves the baseline policy. Idempotent: every submission
carries a client reference, which intake treats as "already submitted".
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import Organization
from sharing import demo_insights
from sharing.models import Decision, ReviewTask, Source, Stage, TaskState
from sharing.services.intake import submission_create
from sharing.services.review import review_task_claim, review_task_decide
from sharing.tasks import detector_rescan_task

# (org slug, client reference, indicator type, payload)
SUBMISSIONS = [
    (
        "northwind",
        "demo-northwind-farm-1",
        "account-cluster",
        {
            "cluster_size": 318,
            "emails": [
                "q.lattice01@burnermail.example",
                "q.lattice02@burnermail.example",
                "q.lattice03@burnermail.example",
            ],
            "email_domain": "burnermail.example",
            "signup_window_start": "2026-02-03T01:12:00Z",
            "signup_window_end": "2026-02-03T04:47:00Z",
            "signup_ip": "198.51.100.23",
            "device_fingerprint": "fp-7c1e9a-canvas-webgl-3302",
            "registration_country": "NL",
            "monthly_requests": 4200000,
            "detection_method": "fingerprint-reuse",
            "analyst_notes": (
                "Accounts share one canvas fingerprint and rotate residential exits every few "
                "minutes. They hammered our enterprise tier, which we sell at $12 per million "
                "tokens."
            ),
        },
    ),
    (
        "halcyon",
        "demo-halcyon-reseller-1",
        "proxy-service",
        {
            "service_name": "TokenBazaar",
            "domain": "tokenbazaar.example",
            "asn": "AS64511",
            "relay_software": "one-api fork",
            "service_model": "key-resale",
            "operator_contact": "@tokenbazaar_admin",
            "first_seen": "2026-01-19T09:00:00Z",
            "analyst_notes": "Resells stolen and trial keys in bundles of 50 on a public forum.",
        },
    ),
    (
        "meridian",
        "demo-meridian-exit-1",
        "network-infrastructure",
        {
            "ip": "203.0.113.141",
            "cidr": "203.0.113.0/24",
            "asn": "AS64500",
            "hosting_country": "US",
            "residential_proxy": "confirmed",
            "ja4": "t13d1516h2_8daaf6152771_e5627efa2ab1",
            "user_agent": "python-httpx/0.27.0",
            "first_seen": "2026-02-10T22:05:00Z",
            "last_seen": "2026-02-14T06:40:00Z",
            "analyst_notes": "Exit node used by a reasoning-trace harvesting campaign.",
        },
    ),
    (
        "halcyon",
        "demo-halcyon-client-1",
        "automation-client",
        {
            "sdk_name": "distill-harvester",
            "sdk_version": "0.9.3",
            "header_order_signature": hashlib.sha256(
                b"accept,user-agent,x-api-key,content-type"
            ).hexdigest(),
            "user_agent": "distill-harvester/0.9.3",
            "timing_profile": "rate-limit-hugging",
            "mean_interarrival_ms": 1040,
            "analyst_notes": "Paces requests just under the published per-key rate limit.",
        },
    ),
    # Automation clients auto-publish, structured only: the notes are not shared. These notes
    # carry a price, so a human decides before anything is published (origin review, with the
    # reason in halcyon-legal's queue).
    (
        "halcyon",
        "demo-halcyon-client-2",
        "automation-client",
        {
            "sdk_name": "distill-harvester",
            "sdk_version": "1.0.0",
            "header_order_signature": hashlib.sha256(
                b"accept,x-api-key,user-agent,content-type"
            ).hexdigest(),
            "user_agent": "distill-harvester/1.0.0",
            "timing_profile": "burst-then-idle",
            "analyst_notes": (
                "New build of the same harvester, now bursting from 198.51.100.77. It went for "
                "our batch tier, which we sell at $3 per million tokens."
            ),
        },
    ),
    (
        "meridian",
        "demo-meridian-farm-1",
        "account-cluster",
        {
            "cluster_size": 57,
            "emails": ["harvest.a@throwaway.example", "harvest.b@throwaway.example"],
            "email_domain": "throwaway.example",
            "signup_window_start": "2026-02-11T13:00:00Z",
            "detection_method": "velocity",
            "analyst_notes": "Same cluster signs up again within hours of every ban.",
        },
    ),
]


@transaction.atomic
def _advance_to_forum_review(reference: str, *, reviewer: str) -> None:
    """Have the origin legal reviewer approve one submission, so counsel's queue has work."""
    task = (
        ReviewTask.objects.filter(
            submission__client_reference=reference,
            stage=Stage.ORIGIN,
            state=TaskState.OPEN,
        )
        .select_related("submission")
        .first()
    )
    if task is None:  # already advanced (idempotent) or published without review
        return
    user = get_user_model().objects.get(username=reviewer)
    task = review_task_claim(actor=user, task=task)
    review_task_decide(
        actor=user,
        task=task,
        decision=Decision.APPROVE,
        reason="Technical proxy indicators only; nothing competitive left after redaction.",
    )


def seed(stdout=None) -> dict[str, int]:
    """Submit the demo indicators through intake when missing; return how many are in place."""
    User = get_user_model()
    placed = 0
    for slug, reference, type_key, payload in SUBMISSIONS:
        organization = Organization.objects.get(slug=slug)
        analyst = User.objects.get(username=f"{slug}-analyst")
        submission_create(
            actor=analyst,
            organization=organization,
            indicator_type=type_key,
            payload=payload,
            source=Source.UI,
            client_reference=reference,
        )
        placed += 1
    _advance_to_forum_review("demo-halcyon-reseller-1", reviewer="halcyon-legal")
    if stdout is not None:
        stdout.write(f"demo submissions in place: {placed}")
    # Correlation across labs and safety-zone statistics build on the submissions above.
    demo_insights.seed(stdout=stdout)
    # A demo database kept from an older detector version is rescanned (eagerly: no broker).
    detector_rescan_task.delay()
    return {"submissions": placed}
