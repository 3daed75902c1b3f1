"""The submission lifecycle, declared once: states and the transitions between them.

Pure module. `Submission.state` cannot be assigned directly (see sharing.models.StateField);
services change it only through `sharing.models.Submission.apply_transition`, which checks this
table.
"""

from __future__ import annotations

from datetime import timedelta

SUBMITTED = "submitted"
REFUSED = "refused"
IN_REVIEW = "in_review"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REJECTED = "rejected"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"

STATES: tuple[tuple[str, str], ...] = (
    (SUBMITTED, "Submitted"),
    (REFUSED, "Refused by policy"),
    (IN_REVIEW, "In review"),
    (CHANGES_REQUESTED, "Changes requested"),
    (APPROVED, "Approved"),
    (REJECTED, "Rejected"),
    (PUBLISHED, "Published"),
    (WITHDRAWN, "Withdrawn"),
    (EXPIRED, "Expired"),
)

TRANSITIONS: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({IN_REVIEW, REFUSED, WITHDRAWN}),
    IN_REVIEW: frozenset({APPROVED, REJECTED, CHANGES_REQUESTED, WITHDRAWN}),
    CHANGES_REQUESTED: frozenset({IN_REVIEW, WITHDRAWN}),
    APPROVED: frozenset({PUBLISHED, WITHDRAWN}),
    PUBLISHED: frozenset({WITHDRAWN, EXPIRED}),
    REFUSED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
    EXPIRED: frozenset(),
}

# Viewing an original is audited; a reload of the same original by the same person within this
# window is the same view and is not recorded again. The log keeps distinct views: another
# person, another review task, or a view after the window (docs/audit.md).
ORIGINAL_VIEW_WINDOW = timedelta(minutes=10)

TERMINAL: frozenset[str] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class TransitionError(ValueError):
    """Raised for a transition the lifecycle does not allow."""


def check_transition(current: str, target: str) -> None:
    """Raise TransitionError unless `current -> target` is declared."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"a {current} submission cannot become {target}")
