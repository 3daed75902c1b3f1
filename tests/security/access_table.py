# ruff: noqa: E501  (the matrix is a table: one row per route and method reads best unwrapped)
"""The access matrix: every route and method, what each kind of user gets (docs/security.md).

Columns, in order (`COLUMNS`): anonymous; Acme's analyst, member admin and legal reviewer; the
forum's counsel; the regulator; Globex's member admin (an outsider: another member, outside the
audience of Acme's account clusters); Initech's analyst (a recipient: in that audience).

A cell is the expected HTTP status. A `+` after it means the request changes something, seen as
a new audit event of a write; a cell without `+` must leave no write event behind. Page POSTs
that redirect with a message (302) are judged by that: who actually changed something.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from audit.core.report import quarter_of
from sharing.core import oprf
from tests.security.world import SECRET_PAYLOAD, World

COLUMNS = (
    "anonymous",
    "analyst",
    "member_admin",
    "legal_reviewer",
    "counsel",
    "regulator",
    "outsider",
    "recipient",
)
# Which fixture user (tests/conftest.py `users`) plays each column.
USER_OF = {
    "analyst": "analyst",
    "member_admin": "member_admin",
    "legal_reviewer": "legal_reviewer",
    "counsel": "counsel",
    "regulator": "regulator",
    "outsider": "other_admin",
    "recipient": "third_analyst",
}


@dataclass(frozen=True)
class Cell:
    status: int
    writes: bool


@dataclass(frozen=True)
class Entry:
    route: str
    method: str
    row: str
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], Any] | None = None
    kind: str = field(default="page")  # page | api | taxii | admin

    @property
    def cells(self) -> dict[str, Cell]:
        values = self.row.split()
        assert len(values) == len(COLUMNS), (self.route, self.method)
        return {
            column: Cell(int(value.rstrip("+")), value.endswith("+"))
            for column, value in zip(COLUMNS, values, strict=True)
        }


def stricter_rules(w: World) -> dict:
    rules = json.loads(json.dumps(w.in_force.rules))
    rules["indicator_types"]["account-cluster"]["retention_days"] = 90
    return rules


def rules_text(w: World) -> str:
    return json.dumps(stricter_rules(w))  # JSON is YAML


def submission_body(w: World) -> dict:
    return {
        "indicator_type": "account-cluster",
        "payload": dict(SECRET_PAYLOAD),
        "client_reference": f"matrix-{uuid.uuid4()}",
    }


def submission_form(w: World) -> dict:
    return {
        "type": "account-cluster",
        "action": "submit",
        "client_reference": f"matrix-{uuid.uuid4()}",
        "cluster_size": "12",
        "email_domain": "mailinator.example",
        "emails": "bot9@mailinator.example",
        "signup_window_start": "2026-03-01T10:15:00Z",
        "detection_method": "velocity",
    }


def envelope(w: World) -> dict:
    return {
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created": "2026-03-02T00:00:00.000Z",
                "modified": "2026-03-02T00:00:00.000Z",
                "pattern": "[ipv4-addr:value = '203.0.113.10']",
                "pattern_type": "stix",
                "valid_from": "2026-03-02T00:00:00Z",
            }
        ]
    }


def blinded_element() -> str:
    """Return one blinded element (base64) of a value only this table knows."""
    return base64.b64encode(oprf.blind(b"matrix-check")[1]).decode("ascii")


def _pk(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": getattr(w, name).pk}


def _export(w: World) -> dict[str, Any]:
    return {"export_id": w.export.pk}


def _collection(w: World) -> dict[str, Any]:
    return {"collection_id": w.acme_collection}


def _object(w: World) -> dict[str, Any]:
    return {"collection_id": w.acme_collection, "object_id": w.taxii_object_id}


def P(route, method, row, kwargs=lambda w: {}, body=None) -> Entry:  # noqa: N802
    return Entry(route, method, row, kwargs, body, "page")


def A(route, method, row, kwargs=lambda w: {}, body=None) -> Entry:  # noqa: N802
    return Entry(route, method, row, kwargs, body, "api")


def T(route, method, row, kwargs=lambda w: {}, body=None) -> Entry:  # noqa: N802
    return Entry(route, method, row, kwargs, body, "taxii")


def _m(name: str, kwarg: str = "pk") -> Callable[[World], dict[str, Any]]:
    """Return the kwargs naming the membership world's object `name`."""
    return lambda w: {kwarg: getattr(w.membership[name], "pk", w.membership[name])}


def application_form(w: World) -> dict:
    return {
        "organization_name": "Matrix Labs",
        "contact_name": "Mat Rix",
        "contact_email": "mat@matrix.example",
        "claimed": ["model-api", "contact"],
        "evidence": "Public model API; named contact.",
        "website": "",
    }


ACCEPT_APPLICATION = {
    "decision": "accept",
    "reason": "Meets every criterion.",
    "criterion_model-api": "met",
    "criterion_contact": "met",
}
NEW_ACCOUNT = {
    "username": "matrix-new-admin",
    "password": "a-long-unusual-passphrase-42",
    "password_again": "a-long-unusual-passphrase-42",
}

TYPE = {"key": "account-cluster"}
REASON = {"reason": "Matrix check."}

# fmt: off
#          route                         method  anon analyst admin legal counsel regul outsider recipient
MATRIX: list[Entry] = [
    # Sign-in and the admin site (staff only; no Clearroom role is staff).
    P("login",                           "GET",  "200  302  302  302  302  302  302  302"),
    P("logout",                          "POST", "302  302  302  302  302  302  302  302"),
    Entry("admin:index", "GET",                  "302  302  302  302  302  302  302  302", kind="admin"),
    # Dashboard and catalog: every signed-in user.
    P("dashboard",                       "GET",  "302  200  200  200  200  200  200  200"),
    P("catalog",                         "GET",  "302  200  200  200  200  200  200  200"),
    # Policy: forum-wide documents; drafting by member admins and counsel, deciding by counsel.
    P("policy-versions",                 "GET",  "302  403  200  403  200  200  200  403"),
    P("policy-draft-new",                "GET",  "302  403  200  403  200  403  200  403"),
    P("policy-draft-check",              "POST", "302  403  200  403  200  403  200  403",
      body=lambda w: {"text": rules_text(w)}),
    P("policy-draft-new",                "POST", "302  403  302+ 403  302+ 403  302+ 403",
      body=lambda w: {"text": rules_text(w)}),
    P("policy-version",                  "GET",  "302  403  200  403  200  200  200  403", _pk("in_force")),
    P("policy-draft-edit",               "GET",  "302  403  200  403  403  403  403  403", _pk("draft")),
    P("policy-draft-edit",               "POST", "302  403  302+ 403  403  403  403  403", _pk("draft"),
      body=lambda w: {"text": rules_text(w)}),
    P("policy-draft-type",               "GET",  "302  403  200  403  403  403  403  403",
      lambda w: {"pk": w.draft.pk, "type_key": "account-cluster"}),
    P("policy-version-submit",           "POST", "302  403  302+ 403  403  403  403  403", _pk("draft")),
    P("policy-version-review",           "GET",  "302  403  403  403  200  403  403  403", _pk("pending")),
    P("policy-version-review",           "POST", "302  403  403  403  302+ 403  403  403", _pk("pending"),
      body=lambda w: {"decision": "approve", "statement": "Approved in the matrix."}),
    P("policy-in-force",                 "GET",  "302  403  200  403  200  200  200  403"),
    P("org-overrides",                   "GET",  "302  403  200  403  403  403  200  403"),
    P("org-overrides",                   "POST", "302  403  302+ 403  403  403  302+ 403",
      body=lambda w: {"text": '{"account-cluster": {"share": false}}'}),
    P("api-tokens",                      "GET",  "302  403  200  403  403  403  200  403"),
    P("api-tokens",                      "POST", "302  403  200+ 403  403  403  200  403",
      body=lambda w: {"user": w.token.user_id, "name": "matrix", "scopes": ["read"]}),
    P("api-token-revoke",                "POST", "302  403  302+ 403  403  403  404  403", _pk("token")),
    # Second factor: each user's own (the fixture users have an authenticator app and a verified
    # session); a wrong code is a failed attempt, audited. The organization's requirement: its
    # member admin.
    P("identity:factors",                "GET",  "302  200  200  200  200  200  200  200"),
    P("identity:verify",                 "GET",  "302  200  200  200  200  200  200  200"),
    P("identity:verify",                 "POST", "302  200+ 200+ 200+ 200+ 200+ 200+ 200+",
      body=lambda w: {"code": "not-a-code"}),
    P("identity:totp-start",             "POST", "302  200  200  200  200  200  200  200"),
    P("identity:totp-confirm",           "POST", "302  404  404  404  404  404  404  404",
      body=lambda w: {"device": 0, "code": "123456"}),
    P("identity:recovery-codes",         "POST", "302  200+ 200+ 200+ 200+ 200+ 200+ 200+"),
    P("identity:remove",                 "POST", "302  404  404  404  404  404  404  404",
      lambda w: {"method": "totp", "pk": 0}),
    P("identity:passkey-register-options", "POST", "302  200  200  200  200  200  200  200"),
    P("identity:passkey-register",       "POST", "302  400  400  400  400  400  400  400"),
    P("identity:passkey-authenticate-options", "POST", "302  200  200  200  200  200  200  200"),
    P("identity:passkey-authenticate",   "POST", "302  400  400  400  400  400  400  400"),
    P("identity:org-security",           "GET",  "302  403  200  403  403  403  200  403"),
    P("identity:org-security",           "POST", "302  403  302+ 403  403  403  302+ 403",
      body=lambda w: {"required": "on"}),
    # Single sign-on: anyone may start (an address no organization vouches for goes nowhere);
    # an answer without a pending sign-in is refused; the provider settings are the member
    # admin's (counsel's, for the forum).
    P("identity:sso-start",              "GET",  "200  200  200  200  200  200  200  200"),
    P("identity:sso-start",              "POST", "200  200  200  200  200  200  200  200",
      body=lambda w: {"email": "someone@nowhere.invalid"}),
    P("identity:sso-callback",           "GET",  "400+ 400+ 400+ 400+ 400+ 400+ 400+ 400+"),
    P("identity:org-sso",                "GET",  "302  403  200  403  200  403  200  403"),
    P("identity:org-sso",                "POST", "302  403  200  403  200  403  200  403",
      body=lambda w: {"issuer": "not a url"}),
    # Submissions: own organization only; another organization's is not found.
    P("submission-list",                 "GET",  "302  200  200  200  403  403  200  200"),
    P("submission-new",                  "GET",  "302  200  200  403  403  403  200  200"),
    P("submission-new",                  "POST", "302  302+ 302+ 403  403  403  302+ 302+",
      body=submission_form),
    P("submission-detail",               "GET",  "302  200  200  200  404  404  404  404", _pk("submission")),
    P("submission-withdraw",             "POST", "302  302+ 302+ 403  404  404  404  404", _pk("submission"),
      body=lambda w: REASON),
    P("watchlist",                       "GET",  "302  403  200  403  403  403  200  403"),
    P("watchlist",                       "POST", "302  403  302+ 403  403  403  302+ 403",
      body=lambda w: {"term": "Orion", "category": "customer"}),
    P("watchlist-remove",                "POST", "302  404  302+ 404  404  404  404  404", _pk("watch_term")),
    # Review: origin stage by the submitting org's legal reviewers; forum stage by counsel.
    P("review-queue",                    "GET",  "302  403  403  200  200  403  403  403"),
    P("review-claim-next",               "POST", "302  403  403  302+ 302  403  403  403"),
    P("review-task",                     "GET",  "302  403  403  200  404  403  403  403", _pk("origin_task")),
    P("review-task-claim",               "POST", "302  403  403  302+ 404  403  403  403", _pk("origin_task")),
    P("review-task-release",             "POST", "302  403  403  302+ 404  403  403  403", _pk("claimed_task")),
    P("review-task-decide",              "POST", "302  403  403  302+ 404  403  403  403", _pk("claimed_task"),
      body=lambda w: {"decision": "approve"}),
    P("review-task-reassign",            "POST", "302  403  403  302  404  403  403  403", _pk("claimed_task"),
      body=lambda w: {"assignee": "acme-legal2"}),
    P("review-recalls",                  "GET",  "302  403  403  403  200  403  403  403"),
    # Published indicators: audience, contributor and oversight read; contributor and counsel act.
    P("indicator-list",                  "GET",  "302  200  200  200  200  200  200  200"),
    P("feed-export-stix",                "GET",  "302  200+ 200+ 200+ 200+ 200+ 200+ 200+"),
    P("feed-export-csv",                 "GET",  "302  200+ 200+ 200+ 200+ 200+ 200+ 200+"),
    P("indicator-detail",                "GET",  "302  200  200  200  200  200  404  200", _pk("indicator")),
    P("indicator-withdraw",              "POST", "302  302+ 302+ 302  302+ 302  404  302", _pk("indicator"),
      body=lambda w: REASON),
    P("indicator-legal-hold",            "POST", "302  302  302  302  302+ 302  404  302", _pk("indicator"),
      body=lambda w: {"hold": "1", **REASON}),
    P("marking-acknowledge",             "POST", "302  302+ 302+ 302+ 302+ 302+ 302+ 302+",
      body=lambda w: {"marking": "TLP:RED"}),
    # Audit: counsel and regulators; an export belongs to the organization that asked for it.
    P("audit:events",                    "GET",  "302  403  403  403  200  200  403  403"),
    P("audit:timeline",                  "GET",  "302  403  403  403  200  200  403  403",
      lambda w: {"object_type": "sharing.submission", "object_id": str(w.submission.pk)}),
    P("case-timeline",                   "GET",  "302  403  403  403  200  200  403  403",
      lambda w: {"pk": w.submission.pk}),
    P("case-for-object",                 "GET",  "302  403  403  403  200  200  403  403",
      lambda w: {"object_type": "sharing.submission", "object_id": str(w.submission.pk)}),
    P("audit:checkpoints",               "GET",  "302  403  403  403  200  200  403  403"),
    P("audit:cosign",                    "POST", "302  403  403  403  400  400  403  403"),
    P("audit:checkpoint_note",           "GET",  "302  403  403  403  200  200  403  403",
      lambda w: {"size": w.checkpoint.size}),
    P("audit:public_key",                "GET",  "302  403  403  403  200  200  403  403"),
    # Transparency: public, no login (the report, its JSON and PDF, the checkpoint feed).
    P("transparency:report",             "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:quarter",            "GET",  "200  200  200  200  200  200  200  200",
      lambda w: {"quarter": quarter_of(datetime.now(UTC))}),
    P("transparency:report_json",        "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:report_pdf",         "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:public_key",         "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:checkpoints",        "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:checkpoints_text",   "GET",  "200  200  200  200  200  200  200  200"),
    P("transparency:checkpoint_note",    "GET",  "200  200  200  200  200  200  200  200",
      lambda w: {"size": w.checkpoint.size}),
    P("transparency:consistency",        "GET",  "200  200  200  200  200  200  200  200",
      lambda w: {"old": w.checkpoint.size, "new": w.checkpoint.size}),
    P("audit:exports",                   "GET",  "302  403  403  403  200  200  403  403"),
    P("audit:exports",                   "POST", "302  403  403  403  302+ 302+ 403  403",
      body=lambda w: {"from_seq": "", "to_seq": ""}),
    P("audit:export_row",                "GET",  "302  403  403  403  404  200  403  403", _export),
    P("audit:export_download",           "GET",  "302  403  403  403  404  200  403  403", _export),
    # Correlation and statistics: members and oversight read; counsel compiles and simulates.
    P("insights-campaigns",              "GET",  "302  200  200  200  200  200  200  200"),
    P("insights-statistics",             "GET",  "302  200  200  200  200  200  200  200"),
    P("insights-statistics-compile",     "POST", "302  403  403  403  302+ 403  403  403",
      body=lambda w: {"name": "weekly-campaign-volume"}),
    P("insights-simulation",             "GET",  "302  403  403  403  200  403  403  403"),
    P("insights-simulation",             "POST", "302  403  403  403  200+ 403  403  403",
      body=lambda w: {"version": w.pending.pk, "limit": "10"}),
    # Membership: criteria, the application form, its status page and invitations are public;
    # counsel decides; counsel and regulators read the documents and the charter acceptances.
    # A member admin invites colleagues to their own organization (each request a new address).
    P("membership-people",               "GET",  "302  403  200  403  403  403  200  403"),
    P("membership-people",               "POST", "302  403  302+ 403  403  403  302+ 403",
      body=lambda w: {"email": f"new-{uuid.uuid4().hex[:8]}@example.com", "role": "analyst"}),
    P("membership-criteria",             "GET",  "200  200  200  200  200  200  200  200"),
    P("membership-apply",                "GET",  "200  200  200  200  200  200  200  200"),
    P("membership-apply",                "POST", "302+ 302+ 302+ 302+ 302+ 302+ 302+ 302+", body=application_form),
    P("membership-status",               "GET",  "200  200  200  200  200  200  200  200", _m("status_secret", "secret")),
    P("membership-invitation",           "GET",  "200  200  200  200  200  200  200  200", _m("invitation_secret", "secret")),
    P("membership-invitation",           "POST", "302+ 302+ 302+ 302+ 302+ 302+ 302+ 302+", _m("invitation_secret", "secret"),
      body=lambda w: NEW_ACCOUNT),
    P("membership-applications",         "GET",  "302  403  403  403  200  403  403  403"),
    P("membership-application",          "GET",  "302  403  403  403  200  403  403  403", _m("application")),
    P("membership-application",          "POST", "302  403  403  403  302+ 403  403  403", _m("application"),
      body=lambda w: ACCEPT_APPLICATION),
    P("membership-organizations",        "GET",  "302  403  403  403  200  403  403  403"),
    P("membership-organization-exit",    "POST", "302  403  403  403  302+ 403  403  403", _m("exiting_org"),
      body=lambda w: {"kind": "removed", **REASON}),
    P("membership-documents",            "GET",  "302  403  403  403  200  200  403  403"),
    P("membership-document-new",         "GET",  "302  403  403  403  200  403  403  403", lambda w: {"kind": "charter"}),
    P("membership-document-new",         "POST", "302  403  403  403  302+ 403  403  403", lambda w: {"kind": "charter"},
      body=lambda w: {"title": "Charter", "text": "Never discuss prices."}),
    P("membership-document",             "GET",  "302  403  403  403  200  200  403  403", _m("charter_pending")),
    P("membership-document-submit",      "POST", "302  403  403  403  302+ 403  403  403", _m("charter_draft")),
    P("membership-document-decide",      "POST", "302  403  403  403  302+ 403  403  403", _m("charter_pending"),
      body=lambda w: {"decision": "approve", "statement": "Approved in the matrix."}),
    P("charter-accept",                  "GET",  "302  200  200  200  200  200  200  200"),
    P("charter-accept",                  "POST", "302  200  200  200  200  200  200  200",
      body=lambda w: {"accept": "1"}),
    P("charter-acceptances",             "GET",  "302  403  403  403  200  200  403  403"),
    # REST API.
    A("api-schema",                      "GET",  "200  200  200  200  200  200  200  200"),
    A("api-docs",                        "GET",  "200  200  200  200  200  200  200  200"),
    A("api-indicator-types",             "GET",  "401  200  200  200  200  200  200  200"),
    A("api-indicator-type",              "GET",  "401  200  200  200  200  200  200  200", lambda w: TYPE),
    A("api-policy-versions",             "GET",  "401  403  200  403  200  200  200  403"),
    A("api-policy-versions",             "POST", "401  403  201+ 403  201+ 403  201+ 403",
      body=lambda w: {"rules": stricter_rules(w)}),
    A("api-policy-version",              "GET",  "401  403  200  403  200  200  200  403", _pk("draft")),
    A("api-policy-version",              "PUT",  "401  403  200+ 403  403  403  403  403", _pk("draft"),
      body=lambda w: {"rules": stricter_rules(w)}),
    A("api-policy-version-submit",       "POST", "401  403  200+ 403  403  403  403  403", _pk("draft")),
    A("api-policy-version-approve",      "POST", "401  403  403  403  200+ 403  403  403", _pk("pending"),
      body=lambda w: {"statement": "Approved in the matrix."}),
    A("api-policy-version-reject",       "POST", "401  403  403  403  200+ 403  403  403", _pk("pending"),
      body=lambda w: {"statement": "Rejected in the matrix."}),
    A("api-policy-in-force",             "GET",  "401  403  200  403  200  200  200  403"),
    A("api-org-overrides",               "GET",  "401  403  200  403  403  403  200  403"),
    A("api-org-overrides",               "PUT",  "401  403  200+ 403  403  403  200+ 403",
      body=lambda w: {"rules": {"account-cluster": {"share": False}}}),
    A("api-submissions",                 "GET",  "401  200  200  200  200  200  200  200"),
    A("api-submissions",                 "POST", "401  201+ 201+ 403  403  403  201+ 201+", body=submission_body),
    A("api-submissions-bulk",            "POST", "401  200+ 200+ 403  403  403  200+ 200+",
      body=lambda w: {"items": [submission_body(w)]}),
    A("api-submissions-preview",         "POST", "401  200  200  403  403  403  200  200",
      body=lambda w: {"indicator_type": "account-cluster", "payload": dict(SECRET_PAYLOAD)}),
    A("api-submission",                  "GET",  "401  200  200  200  404  404  404  404", _pk("submission")),
    A("api-submission-withdraw",         "POST", "401  200+ 200+ 403  404  404  404  404", _pk("submission"),
      body=lambda w: REASON),
    A("api-review-tasks",                "GET",  "401  200  200  200  200  200  200  200"),
    A("api-review-tasks-claim-next",     "POST", "401  403  403  200+ 204  403  403  403"),
    A("api-review-task",                 "GET",  "401  404  404  200  404  404  404  404", _pk("origin_task")),
    A("api-review-task-claim",           "POST", "401  404  404  200+ 404  404  404  404", _pk("origin_task")),
    A("api-review-task-release",         "POST", "401  404  404  200+ 404  404  404  404", _pk("claimed_task")),
    A("api-review-task-reassign",        "POST", "401  404  404  403  404  404  404  404", _pk("claimed_task"),
      body=lambda w: {"assignee": "acme-legal2"}),
    A("api-review-task-decide",          "POST", "401  404  404  200+ 404  404  404  404", _pk("claimed_task"),
      body=lambda w: {"decision": "approve"}),
    A("api-indicators",                  "GET",  "401  200  200  200  200  200  200  200"),
    A("api-indicator",                   "GET",  "401  200  200  200  200  200  404  200", _pk("indicator")),
    A("api-indicator-withdraw",          "POST", "401  200+ 200+ 403  200+ 403  404  403", _pk("indicator"),
      body=lambda w: REASON),
    A("api-indicator-legal-hold",        "POST", "401  403  403  403  200+ 403  404  403", _pk("indicator"),
      body=lambda w: {"hold": True, **REASON}),
    A("api-markings-acknowledge",        "POST", "401  201+ 201+ 201+ 201+ 201+ 201+ 201+",
      body=lambda w: {"marking": "TLP:RED"}),
    A("api-correlated-indicators",       "GET",  "401  200  200  200  200  200  200  200"),
    A("api-campaigns",                   "GET",  "401  200  200  200  200  200  200  200"),
    A("api-statistics",                  "GET",  "401  200  200  200  200  200  200  200"),
    A("api-statistics-compile",          "POST", "401  403  403  403  201+ 403  403  403",
      body=lambda w: {"name": "weekly-campaign-volume"}),
    A("api-simulations",                 "POST", "401  403  403  403  200+ 403  403  403",
      body=lambda w: {"policy_version": w.pending.pk, "limit": 10}),
    A("api-oprf-evaluate",               "POST", "401  200+ 200+ 200+ 403  403  200+ 200+",
      body=lambda w: {"blinded_elements": [blinded_element()]}),
    A("indicator-export-stix",           "GET",  "401  200+ 200+ 200+ 200+ 200+ 200+ 200+"),
    A("audit_api:events",                "GET",  "401  403  403  403  200  200  403  403"),
    A("audit_api:checkpoints",           "GET",  "401  403  403  403  200  200  403  403"),
    A("audit_api:cosignatures",          "POST", "401  403  403  403  400  400  403  403"),
    A("audit_api:exports",               "GET",  "401  403  403  403  200  200  403  403"),
    A("audit_api:exports",               "POST", "401  403  403  403  202+ 202+ 403  403"),
    A("audit_api:export-detail",         "GET",  "401  403  403  403  404  200  403  403", _export),
    A("audit_api:export-download",       "GET",  "401  403  403  403  404  200  403  403", _export),
    A("audit_api:public-key",            "GET",  "401  403  403  403  200  200  403  403"),
    # TAXII 2.1 (HTTP Basic here; tokens in tests/interop): a collection per audience.
    T("taxii:discovery",                 "GET",  "401  200  200  200  200  200  200  200"),
    T("taxii:extension-schema",          "GET",  "200  200  200  200  200  200  200  200"),
    T("taxii:api-root",                  "GET",  "401  200  200  200  200  200  200  200"),
    T("taxii:collections",               "GET",  "401  200  200  200  200  200  200  200"),
    T("taxii:collection",                "GET",  "401  200  200  200  404  404  404  404", _collection),
    T("taxii:objects",                   "GET",  "401  200  200  200  404  404  404  404", _collection),
    T("taxii:objects",                   "POST", "401  202+ 202+ 403  404  404  404  404", _collection,
      body=envelope),
    T("taxii:object",                    "GET",  "401  200  200  200  404  404  404  404", _object),
    T("taxii:versions",                  "GET",  "401  200  200  200  404  404  404  404", _object),
    T("taxii:manifest",                  "GET",  "401  200  200  200  404  404  404  404", _collection),
    T("taxii:status",                    "GET",  "401  200  200  200  404  404  404  404",
      lambda w: {"status_id": str(w.taxii_status.pk)}),
]
# fmt: on


def markdown() -> str:
    """Return the matrix as the Markdown table docs/security.md holds."""
    header = ["route", "method", *COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in MATRIX:
        cells = [f"`{entry.route}`", entry.method, *entry.row.split()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
