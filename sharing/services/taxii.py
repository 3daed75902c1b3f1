"""TAXII envelope intake: each posted STIX object becomes a submission through intake.

A small envelope is processed in the request; a large one is stored with its status and
processed by a Celery task enqueued after commit. Either way every object ends in the status
resource as a success or a failure with a message, and processing is idempotent: an object's
client reference (its STIX id and version) makes intake return the existing submission.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.db.models import Q
from django.utils import timezone

from audit import actions
from audit.actors import SYSTEM
from audit.services.log import audit_record
from config.errors import ApplicationError
from config.jobs import enqueue_on_commit
from governance.models import IndicatorType, Organization
from governance.permissions import require
from governance.roles import Capability
from sharing import stix
from sharing.core import lifecycle
from sharing.models import Source, TaxiiStatus
from sharing.services.intake_batch import IntakeItem, IntakeResult, submission_create_many

# Envelopes with more objects than this are processed by a worker; the POST answers `pending`.
SYNC_BATCH_LIMIT = 100

logger = logging.getLogger(__name__)


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
            last_attempt_at=timezone.now(),
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


def taxii_status_process(
    *, status_id: uuid.UUID | str, idle_before: datetime | None = None
) -> TaxiiStatus:
    """Submit every object of a pending status and mark it complete (idempotent).

    Processing holds the status row locked in the one transaction that writes the submissions
    and completes the status, so the objects are taken exactly once: a crash rolls everything
    back and releases the lock, and a second runner (a duplicate delivery, the sweep) skips a
    status another holds. Each start is counted first, in its own transaction; once a status
    has used its attempts, its objects are reported as failures instead.
    `idle_before` (the sweep) takes the status up only when it last started before then.
    """
    if _claim(status_id, idle_before) is not None:
        with transaction.atomic():
            status = (
                TaxiiStatus.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("requested_by", "organization")
                .filter(pk=status_id, state=TaxiiStatus.State.PENDING)
                .first()
            )
            if status is not None:
                _process_locked(status)
    return TaxiiStatus.objects.get(pk=status_id)


def _claim(status_id: uuid.UUID | str, idle_before: datetime | None) -> TaxiiStatus | None:
    """Count an attempt at a pending status nobody holds; return it, or None when it is not
    to be processed now (complete, held by another runner, recently started, or given up)."""
    with transaction.atomic():
        pending = TaxiiStatus.objects.select_for_update(skip_locked=True).filter(
            pk=status_id, state=TaxiiStatus.State.PENDING
        )
        if idle_before is not None:
            pending = pending.filter(_idle_since(idle_before))
        status = pending.first()
        if status is None:
            return None
        if status.attempts >= settings.CLEARROOM_TAXII_MAX_ATTEMPTS:
            _abandon_locked(status)
            return None
        status.attempts += 1
        status.last_attempt_at = timezone.now()
        status.save(update_fields=["attempts", "last_attempt_at"])
    return status


def _idle_since(moment: datetime) -> Q:
    return Q(last_attempt_at__lt=moment) | Q(
        last_attempt_at__isnull=True, request_timestamp__lt=moment
    )


def _process_locked(status: TaxiiStatus) -> None:
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
    _complete(status, successes, failures)


def _complete(status: TaxiiStatus, successes: list[dict], failures: list[dict]) -> None:
    status.successes = successes
    status.failures = failures
    status.pendings = []
    status.batch = []
    status.state = TaxiiStatus.State.COMPLETE
    status.completed_at = timezone.now()
    status.save(
        update_fields=["successes", "failures", "pendings", "batch", "state", "completed_at"]
    )


def _abandon_locked(status: TaxiiStatus) -> None:
    """Complete a status whose attempts all failed: every object a failure with the reason."""
    reason = (
        f"Not processed: processing was interrupted {status.attempts} times (a worker or "
        "database failure). Nothing of this object was kept; post it again."
    )
    failures = [_object_ref(obj, reason) for obj in status.batch]
    _complete(status, [], failures)
    audit_record(
        actor=SYSTEM,
        action=actions.TAXII_ENVELOPE_ABANDONED,
        obj=status,
        organization=status.organization,
        data={
            "status_id": str(status.pk),
            "object_count": len(failures),
            "attempts": status.attempts,
        },
    )


def taxii_statuses_sweep(*, at: datetime | None = None) -> list[TaxiiStatus]:
    """Take up again every pending status idle longer than the bound; return those completed.

    A status is idle when no runner holds it and its last attempt started before the bound: its
    worker died, its task was lost with the broker, or the request processing it was killed.
    Each is processed here (or, out of attempts, completed with every object a failure).
    """
    at = at or timezone.now()
    idle_before = at - timedelta(minutes=settings.CLEARROOM_TAXII_PENDING_BOUND_MINUTES)
    with transaction.atomic():
        idle = list(
            TaxiiStatus.objects.select_for_update(skip_locked=True)
            .filter(_idle_since(idle_before), state=TaxiiStatus.State.PENDING)
            .order_by("request_timestamp")
            .values_list("pk", flat=True)
        )
    completed = []
    for status_id in idle:
        try:
            status = taxii_status_process(status_id=status_id, idle_before=idle_before)
        except (DatabaseOperationalError, InterfaceError):
            raise  # the database is away: the whole sweep is retried (config/celery.py)
        except Exception:
            # One envelope that breaks its runner must not hold up the others; its attempt was
            # counted, so it is given up after the last one.
            logger.exception("TAXII status %s failed again in the sweep", status_id)
            continue
        if status.state == TaxiiStatus.State.COMPLETE:
            completed.append(status)
    return completed
