"""Celery tasks of the audit app: thin wrappers that call one service."""

from celery import shared_task

from audit.services import health_ping


@shared_task(acks_late=True)
def health_ping_task(note: str = "") -> int:
    """Record that a worker ran; return the event's seq."""
    return health_ping(note=note).seq
