"""TAXII envelope intake: each posted STIX object becomes a submission through intake.

A small envelope is processed in the request; a large one is stored with its status and
processed by a Celery task enqueued after commit. Either way every object ends in the status
resource as a success or a failure with a message, and processing is idempotent: an object's
client reference (its STIX id and version) makes intake return the existing submission.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import actions
from audit.services.log import audit_record
from config.errors import ApplicationError
from config.jobs import enqueue_on_commit
from governance.models import IndicatorType, Organization
from governance.permissions import require
from governance.roles import Capability
from sharing import lifecycle, stix
from sharing.models import Source, TaxiiStatus
from sharing.services.intake_batch import IntakeItem, IntakeResult, submission_create_many

# Envelopes with more objects than this are processed by a worker; the POST answers `pending`.
SYNC_BATCH_LIMIT = 100


def _object_ref(obj: dict, message: str = "") -> dict[str, Any]:
    ref: dict[str, Any] = {"id": obj.get("id", "")}
    version = obj.get("modified") or obj.get("created")
    if isinstance(version, str):
        ref["version"] = version
    if message:
        ref["message"] = message
    return ref


def _envelope_sha256(objects: list[dict]) -> str:
    encoded = json.dumps(objects, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def taxii_envelope_receive(
    *, actor, organization: Organization, objects: list[dict]
) -> TaxiiStatus:
    """Record a posted envelope and its status; process it now or enqueue it after commit."""
    require(actor, Capability.SUBMIT, organization)
    for obj in objects:
        stix.check_envelope_object(obj)
    large = len(objects) > SYNC_BATCH_LIMIT
    with transaction.atomic():
        status = TaxiiStatus.objects.create(
            organization=organization,
            requested_by=actor,
            total_count=len(objects),
            pendings=[_object_ref(obj) for obj in objects],
            batch=objects,
        )
        audit_record(
            actor=actor,
            action=actions.TAXII_ENVELOPE_RECEIVED,
            obj=status,
            organization=organization,
            data={
                "status_id": str(status.pk),
                "object_count": len(objects),
                "envelope_sha256": _envelope_sha256(objects),
                "asynchronous": large,
            },
        )
        if large:
            status_id = str(status.pk)
            # A broker that cannot take it must not leave the envelope pending: process it here
            # (the client polls the status resource either way).
            enqueue_on_commit(
                "sharing.taxii.tasks.taxii_envelope_process_task",
                status_id=status_id,
                on_broker_down=lambda _error: taxii_status_process(status_id=status_id),
            )
    if large:
        return status
    return taxii_status_process(status_id=status.pk)


def _error_message(error: ApplicationError) -> str:
    details = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in error.errors)
    return f"{error.message} {details}".strip()


def _outcome(result: IntakeResult) -> tuple[bool, str]:
    """Return (succeeded, message) of one object's intake."""
    if result.error is not None:
        return False, _error_message(result.error)
    submission = result.submission
    if submission.state == lifecycle.REFUSED:
        return False, f"Refused by policy: {submission.refusal_reason}"
    return (
        True,
        f"Submission {submission.pk} ({submission.indicator_type.key}, {submission.state}).",
    )


def taxii_status_process(*, status_id: uuid.UUID | str) -> TaxiiStatus:
    """Submit every object of a pending status and mark it complete (idempotent)."""
    status = TaxiiStatus.objects.select_related("requested_by", "organization").get(pk=status_id)
    if status.state == TaxiiStatus.State.COMPLETE:
        return status
    types = list(IndicatorType.objects.filter(is_active=True))
    outcomes: list[tuple[bool, str] | None] = []
    items: list[IntakeItem] = []
    for obj in status.batch:
        try:
            mapped = stix.stix_to_submission(obj, types)
        except stix.StixMappingError as error:
            outcomes.append((False, str(error)))
            continue
        outcomes.append(None)
        items.append(IntakeItem(mapped.indicator_type, mapped.payload, mapped.client_reference))
    # One batch: a bad object is refused alone and never undoes the others.
    try:
        batch = submission_create_many(
            actor=status.requested_by,
            organization=status.organization,
            items=items,
            source=Source.TAXII,
        )
    except ApplicationError as error:  # e.g. the submitter lost the right to submit since
        batch = [IntakeResult(error=error) for _ in items]
    results = iter(batch)
    successes: list[dict] = []
    failures: list[dict] = []
    for obj, outcome in zip(status.batch, outcomes, strict=True):
        succeeded, message = outcome or _outcome(next(results))
        (successes if succeeded else failures).append(_object_ref(obj, message))
    with transaction.atomic():
        locked = TaxiiStatus.objects.select_for_update().get(pk=status.pk)
        if locked.state == TaxiiStatus.State.COMPLETE:
            return locked
        locked.successes = successes
        locked.failures = failures
        locked.pendings = []
        locked.batch = []
        locked.state = TaxiiStatus.State.COMPLETE
        locked.completed_at = timezone.now()
        locked.save(
            update_fields=["successes", "failures", "pendings", "batch", "state", "completed_at"]
        )
    return locked
