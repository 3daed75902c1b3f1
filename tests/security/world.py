"""One small forum with an object behind every URL, made through the services as in life.

Acme's analyst submits an account cluster whose original carries secret values (`SECRETS`) that
the policy pseudonymises, generalises or scrubs. Only Acme and counsel may ever see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.actors import SYSTEM
from audit.models import AuditCheckpoint, AuditExport
from audit.services.checkpoints import audit_checkpoint_create
from audit.services.exports import audit_export_request
from governance.models import ApiToken, PolicyVersion
from governance.roles import Role
from governance.services.accounts import api_token_create
from governance.services.policy import (
    org_override_set,
    policy_version_draft_create,
    policy_version_submit,
)
from sharing.models import ReviewTask, SharedIndicator, Submission, TaxiiStatus, WatchlistTerm
from sharing.services.intake import submission_create
from sharing.services.publication import indicator_markings, marking_acknowledge
from sharing.services.review import review_task_claim, review_task_decide
from sharing.services.taxii import taxii_envelope_receive
from sharing.services.watchlist import watchlist_term_add
from sharing.stix import stix_object_id
from sharing.taxii.collections import collection_id_for
from tests.factories import member_user
from tests.governance.fixtures import approve_rules, baseline_rules
from tests.membership.helpers import build_membership_world

# Values that appear only in Acme's original: pseudonymised, generalised or scrubbed away.
SECRET_EMAIL = "zq-marker-4471@acme-secret.example"
SECRET_IP = "198.51.100.213"
SECRET_PRICE = "$4.37"
SECRETS = ("zq-marker-4471", SECRET_IP, SECRET_PRICE)

SECRET_PAYLOAD = {
    "cluster_size": 42,
    "emails": [SECRET_EMAIL, "farm02@mailinator.example"],
    "email_domain": "mailinator.example",
    "signup_window_start": "2026-03-01T10:15:00Z",
    "signup_ip": SECRET_IP,
    "detection_method": "velocity",
    "analyst_notes": (
        f"Accounts rotate proxies. We charge {SECRET_PRICE} per million tokens on our plan."
    ),
}

# Account clusters go to Acme and Initech; Globex is outside their audience.
AUDIENCE = ["acme", "initech"]


@dataclass
class World:
    in_force: PolicyVersion
    draft: PolicyVersion
    pending: PolicyVersion
    submission: Submission
    origin_task: ReviewTask
    forum_task: ReviewTask
    claimed_task: ReviewTask
    published: Submission
    indicator: SharedIndicator
    export: AuditExport
    checkpoint: AuditCheckpoint
    watch_term: WatchlistTerm
    token: ApiToken
    taxii_status: TaxiiStatus
    acme_collection: str
    taxii_object_id: str
    # Applications, invitations, criteria and charter versions (tests/membership/helpers.py).
    membership: dict = field(default_factory=dict)


def build_world(*, users, orgs, capture_on_commit) -> World:
    """Create every object the access matrix needs; return them."""
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"].update(
        audience=AUDIENCE, review=["origin", "forum"]
    )
    in_force = approve_rules(rules, drafter=users["member_admin"], approver=users["counsel2"])
    draft = policy_version_draft_create(actor=users["member_admin"], rules=rules)
    pending = policy_version_submit(
        actor=users["counsel2"],
        version=policy_version_draft_create(actor=users["counsel2"], rules=rules),
    )
    org_override_set(actor=users["member_admin"], organization=orgs["acme"], rules={})

    def submit(reference: str) -> Submission:
        return submission_create(
            actor=users["analyst"],
            organization=orgs["acme"],
            indicator_type="account-cluster",
            payload=dict(SECRET_PAYLOAD),
            source="api",
            client_reference=reference,
        )

    submission = submit("world-in-review")
    member_user("acme-legal2", orgs["acme"], Role.LEGAL_REVIEWER)
    claimed = submit("world-claimed")
    claimed_task = review_task_claim(
        actor=users["legal_reviewer"], task=claimed.review_tasks.get(stage="origin")
    )
    published = submit("world-published")
    for stage, reviewer in (("origin", users["legal_reviewer"]), ("forum", users["counsel2"])):
        task = published.review_tasks.get(stage=stage)
        review_task_claim(actor=reviewer, task=task)
        review_task_decide(actor=reviewer, task=task, decision="approve")
    indicator = SharedIndicator.objects.get(submission=published)
    for user in users.values():
        for marking in indicator_markings(indicator):
            marking_acknowledge(actor=user, marking=marking)

    watch_term = watchlist_term_add(
        actor=users["member_admin"],
        organization=orgs["acme"],
        term="Project Nimbus",
        category="roadmap",
    )
    token, _ = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="ci"
    )
    status = taxii_envelope_receive(
        actor=users["analyst"], organization=orgs["acme"], objects=[_stix_indicator()]
    )
    audit_checkpoint_create(actor=SYSTEM)
    with capture_on_commit(execute=True):
        export = audit_export_request(actor=users["regulator"])
    export.refresh_from_db()
    return World(
        in_force=in_force,
        draft=draft,
        pending=pending,
        submission=submission,
        origin_task=submission.review_tasks.get(stage="origin"),
        forum_task=submission.review_tasks.get(stage="forum"),
        claimed_task=claimed_task,
        published=published,
        indicator=indicator,
        export=export,
        checkpoint=AuditCheckpoint.objects.order_by("-size").first(),
        watch_term=watch_term,
        token=token,
        taxii_status=status,
        acme_collection=collection_id_for(orgs["acme"]),
        taxii_object_id=stix_object_id(indicator),
        membership=build_membership_world(
            users=users, orgs=orgs, capture_on_commit=capture_on_commit
        ),
    )


def _stix_indicator() -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--2f0a4f52-8f0c-4b8e-9a55-3b1b1c6f0c11",
        "created": "2026-03-01T00:00:00.000Z",
        "modified": "2026-03-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.9']",
        "pattern_type": "stix",
        "valid_from": "2026-03-01T00:00:00Z",
    }
