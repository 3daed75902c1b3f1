"""Celery tasks of the TAXII server: process a large posted envelope; sweep idle statuses."""

from __future__ import annotations

from celery import shared_task

from sharing.services.taxii import taxii_status_process, taxii_statuses_sweep


@shared_task(acks_late=True)
def taxii_envelope_process_task(status_id: str) -> str:
    """Submit the objects of a pending TAXII envelope; return its final state."""
    return taxii_status_process(status_id=status_id).state


@shared_task(acks_late=True)
def taxii_statuses_sweep_task() -> int:
    """Take up pending TAXII statuses left idle by a crash; return how many were completed."""
    return len(taxii_statuses_sweep())
