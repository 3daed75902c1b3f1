"""What a session remembers of its second factor: when it was proven, how, and when the session
was last used. Keys live in Django's session; the rules that read them are identity.core.rules.
"""

from __future__ import annotations

import time

VERIFIED_AT = "identity.verified_at"
METHOD = "identity.method"
SEEN_AT = "identity.seen_at"
EXEMPT_AT = "identity.exempt_at"


def mark_verified(session, method: str) -> None:
    """Record in `session` that its user has just proven a second factor with `method`."""
    now = time.time()
    session[VERIFIED_AT] = now
    session[METHOD] = method
    session[SEEN_AT] = now


def verified_at(session) -> float | None:
    """Return when the session's second factor was last proven (epoch seconds), or None."""
    value = session.get(VERIFIED_AT)
    return float(value) if value is not None else None


def mark_seen(session, now: float) -> None:
    """Record that the session was used at `now`."""
    session[SEEN_AT] = now


def seen_at(session) -> float | None:
    """Return when the session was last used (epoch seconds), or None."""
    value = session.get(SEEN_AT)
    return float(value) if value is not None else None


def mark_exempt(session, now: float) -> None:
    """Record that at `now` the user neither had nor needed a second factor."""
    session[EXEMPT_AT] = now


def exempt_at(session) -> float | None:
    """Return when the user was last found to neither have nor need a second factor."""
    value = session.get(EXEMPT_AT)
    return float(value) if value is not None else None
