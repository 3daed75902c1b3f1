"""Every audited action, by its stable dotted name. A name, once used, is never changed."""

from __future__ import annotations

# Foundation
ORGANIZATION_CREATED = "organization.created"
MEMBERSHIP_CREATED = "membership.created"
MEMBERSHIP_REMOVED = "membership.removed"
USER_LOGGED_IN = "user.logged_in"
USER_LOGIN_FAILED = "user.login_failed"
API_TOKEN_CREATED = "api_token.created"
API_TOKEN_REVOKED = "api_token.revoked"
API_TOKEN_POLICY_CHANGED = "api_token.policy_changed"
SECOND_FACTOR_ENROLLED = "identity.second_factor_enrolled"
SECOND_FACTOR_REMOVED = "identity.second_factor_removed"
SECOND_FACTOR_VERIFIED = "identity.second_factor_verified"
SECOND_FACTOR_FAILED = "identity.second_factor_failed"
RECOVERY_CODES_GENERATED = "identity.recovery_codes_generated"
SECOND_FACTOR_POLICY_CHANGED = "identity.second_factor_policy_changed"
HEALTH_PINGED = "system.health_pinged"
DEMO_SEEDED = "system.demo_seeded"

# Audit
CHECKPOINT_CREATED = "audit.checkpoint_created"
COSIGNATURE_ADDED = "audit.cosignature_added"
EXPORT_REQUESTED = "audit.export_requested"
EXPORT_STARTED = "audit.export_started"
EXPORT_COMPLETED = "audit.export_completed"
EXPORT_FAILED = "audit.export_failed"
EXPORT_DOWNLOADED = "audit.export_downloaded"

# Governance
INDICATOR_TYPE_CHANGED = "indicator_type.changed"
POLICY_VERSION_DRAFTED = "policy.version_drafted"
POLICY_VERSION_UPDATED = "policy.version_updated"
POLICY_VERSION_SUBMITTED = "policy.version_submitted"
POLICY_VERSION_APPROVED = "policy.version_approved"
POLICY_VERSION_REJECTED = "policy.version_rejected"
POLICY_VERSION_SUPERSEDED = "policy.version_superseded"
ORG_OVERRIDE_CHANGED = "org_override.changed"
WATCHLIST_TERM_ADDED = "watchlist.term_added"
WATCHLIST_TERM_REMOVED = "watchlist.term_removed"

# Sharing: submissions
SUBMISSION_CREATED = "submission.created"
SUBMISSION_REFUSED = "submission.refused"
SUBMISSION_IN_REVIEW = "submission.in_review"
SUBMISSION_RESUBMITTED = "submission.resubmitted"
SUBMISSION_WITHDRAWN = "submission.withdrawn"
SUBMISSION_ORIGINAL_VIEWED = "submission.original_viewed"
SUBMISSION_ORIGINAL_PURGED = "submission.original_purged"

# Sharing: review and publication
REVIEW_TASK_CLAIMED = "review.task_claimed"
REVIEW_TASK_RELEASED = "review.task_released"
REVIEW_TASK_REASSIGNED = "review.task_reassigned"
REVIEW_TASK_ESCALATED = "review.task_escalated"
REVIEW_APPROVED = "review.approved"
REVIEW_REJECTED = "review.rejected"
REVIEW_CHANGES_REQUESTED = "review.changes_requested"
SUBMISSION_APPROVED = "submission.approved"
SUBMISSION_REJECTED = "submission.rejected"
SUBMISSION_CHANGES_REQUESTED = "submission.changes_requested"
INDICATOR_PUBLISHED = "indicator.published"
INDICATOR_WITHDRAWN = "indicator.withdrawn"
INDICATOR_EXPIRED = "indicator.expired"
INDICATOR_RECALL_FLAGGED = "indicator.recall_flagged"
INDICATOR_REREDACTED = "indicator.reredacted"
INDICATORS_RESCANNED = "indicator.rescanned"
LEGAL_HOLD_PLACED = "legal_hold.placed"
LEGAL_HOLD_LIFTED = "legal_hold.lifted"
MARKING_ACKNOWLEDGED = "marking.acknowledged"
TAXII_ENVELOPE_RECEIVED = "taxii.envelope_received"
TAXII_ENVELOPE_ABANDONED = "taxii.envelope_abandoned"
INDICATORS_EXPORTED = "indicator.exported"
CORRELATION_KEY_ROTATED = "correlation.key_rotated"
STATISTIC_COMPILED = "statistic.compiled"
POLICY_SIMULATED = "policy.simulated"

ALL_ACTIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
