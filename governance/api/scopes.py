"""Which API token scope each REST route needs, by route name and method.

Every route under /api/v1/ is listed here (tests/governance/test_token_scopes.py fails on a
route that is missing): `read` for reading what the token's user may see, `submit` for every
write a member makes (submissions, withdrawals, reviews, drafts, overrides), `audit:read` for
the audit API. `None` means no token at all: the action needs a signed-in person with a second
factor (counsel's approval of policy). HEAD and OPTIONS need what GET needs. A route or method
that is not listed refuses tokens (deny by default).
"""

from __future__ import annotations

from governance.core.token_rules import AUDIT_READ, READ, SUBMIT

SESSION_ONLY = None

ROUTE_SCOPES: dict[str, dict[str, str | None]] = {
    # governance
    "api-indicator-types": {"GET": READ},
    "api-indicator-type": {"GET": READ},
    "api-policy-versions": {"GET": READ, "POST": SUBMIT},
    "api-policy-version": {"GET": READ, "PUT": SUBMIT},
    "api-policy-version-submit": {"POST": SUBMIT},
    "api-policy-version-approve": {"POST": SESSION_ONLY},
    "api-policy-version-reject": {"POST": SESSION_ONLY},
    "api-policy-in-force": {"GET": READ},
    "api-org-overrides": {"GET": READ, "PUT": SUBMIT},
    # sharing: submissions
    "api-submissions": {"GET": READ, "POST": SUBMIT},
    "api-submissions-bulk": {"POST": SUBMIT},
    "api-submissions-preview": {"POST": SUBMIT},
    "api-submission": {"GET": READ},
    "api-submission-withdraw": {"POST": SUBMIT},
    # sharing: review, indicators, markings
    "api-review-tasks": {"GET": READ},
    "api-review-task": {"GET": READ},
    "api-review-task-claim": {"POST": SUBMIT},
    "api-review-tasks-claim-next": {"POST": SUBMIT},
    "api-review-task-release": {"POST": SUBMIT},
    "api-review-task-reassign": {"POST": SUBMIT},
    "api-review-task-decide": {"POST": SUBMIT},
    "api-indicators": {"GET": READ},
    "api-indicator": {"GET": READ},
    "api-indicator-withdraw": {"POST": SUBMIT},
    "api-indicator-legal-hold": {"POST": SUBMIT},
    "api-markings-acknowledge": {"POST": SUBMIT},
    # sharing: insights and the STIX export
    "api-correlated-indicators": {"GET": READ},
    # "Check my list" (clearroom-match): reading, with a lab's own blinded values; a read-only
    # token is enough, as it is for the feed the script compares with.
    "api-oprf-evaluate": {"POST": READ},
    "api-campaigns": {"GET": READ},
    "api-statistics": {"GET": READ},
    "api-statistics-compile": {"POST": SUBMIT},
    "api-simulations": {"POST": READ},
    "indicator-export-stix": {"GET": READ},
    # audit
    "audit_api:events": {"GET": AUDIT_READ},
    "audit_api:checkpoints": {"GET": AUDIT_READ},
    "audit_api:cosignatures": {"POST": AUDIT_READ},
    "audit_api:exports": {"GET": AUDIT_READ, "POST": AUDIT_READ},
    "audit_api:export-detail": {"GET": AUDIT_READ},
    "audit_api:export-download": {"GET": AUDIT_READ},
    "audit_api:public-key": {"GET": AUDIT_READ},
    # the schema and its browser: public documentation of the API
    "api-schema": {"GET": READ},
    "api-docs": {"GET": READ},
}


def scope_needed(route: str | None, method: str) -> str | None:
    """Return the scope a token needs for `method` on the route named `route`; None if no
    token may be used there."""
    method = "GET" if method in ("HEAD", "OPTIONS") else method
    return ROUTE_SCOPES.get(route or "", {}).get(method)
