"""Celery tasks of correlation and statistics: thin, idempotent wrappers around one service."""

from __future__ import annotations

from celery import shared_task

from audit.actors import SYSTEM
from sharing.services import correlation


@shared_task(acks_late=True)
def correlation_rekey_task(key_id: str) -> dict:
    """Re-pseudonymise the correlation index under `key_id` (the current key) after rotation."""
    return correlation.correlation_rekey(actor=SYSTEM, key_id=key_id)


@shared_task(acks_late=True)
def correlation_reindex_task() -> int:
    """Rebuild the correlation index from the live indicators; return the rows indexed."""
    return correlation.correlation_reindex()
