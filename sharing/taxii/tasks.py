"""Celery task of the TAXII server: process a large posted envelope."""

from __future__ import annotations

from celery import shared_task

from sharing.services.taxii import taxii_status_process


@shared_task(acks_late=True)
def taxii_envelope_process_task(status_id: str) -> str:
    """Submit the objects of a pending TAXII envelope; return its final state."""
    return taxii_status_process(status_id=status_id).state
