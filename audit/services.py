"""Append to the audit log inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import rfc8785
from django.db import models, transaction
from django.utils import timezone

from audit.actions import ALL_ACTIONS, HEALTH_PINGED
from audit.actors import SYSTEM, Actor, actor_for
from audit.merkle import Frontier
from audit.models import AuditEvent, AuditHead

LEAF_VERSION = 1
ZERO_HASH = "0" * 64


def _check_json(value: Any, path: str = "data") -> None:
    """Refuse values a leaf cannot hold exactly (floats, non-string keys, objects)."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; audit leaves hold integers and strings only")
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} has a non-string key {key!r}")
            _check_json(item, f"{path}.{key}")
        return
    raise TypeError(f"{path} holds a {type(value).__name__}, which JSON cannot represent")


def format_timestamp(moment) -> str:
    """Return `moment` as the leaf's UTC timestamp, `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def object_ref(obj: models.Model | None) -> tuple[str | None, str | None]:
    """Return the (type, id) an audit entry uses to name `obj`."""
    if obj is None:
        return None, None
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the head; a test-database flush removes it. Recreate it only
        # when the log is empty, so a missing head can never restart a non-empty chain.
        if AuditEvent.objects.exists():
            raise RuntimeError("audit head row is missing while events exist")
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def audit_record(
    *,
    actor: Actor | Any,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    organization=None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> AuditEvent:
    """Append one event to the log inside the current transaction and return it.

    The head row is locked until the caller's transaction ends, so concurrent writers are
    serialised and a rolled-back change leaves neither an event nor a gap in `seq`.
    """
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to audit/actions.py")
    data = dict(data or {})
    _check_json(data)
    snapshot = actor_for(actor, organization)
    if obj is not None:
        object_type, object_id = object_ref(obj)
    recorded_at = timezone.now()
    with transaction.atomic():
        head = _locked_head()
        seq = head.size
        prev = head.last_leaf_hash if seq else ZERO_HASH
        entry = {
            "v": LEAF_VERSION,
            "seq": seq,
            "prev": prev,
            "recorded_at": format_timestamp(recorded_at),
            "actor": snapshot.as_dict(),
            "action": action,
            "object": {"type": object_type, "id": object_id},
            "data": data,
        }
        leaf = rfc8785.dumps(entry)
        digest = hashlib.sha256(b"\x00" + leaf).digest()
        frontier = Frontier.from_json(head.frontier) if head.frontier else Frontier()
        frontier.append(digest)
        event = AuditEvent.objects.create(
            seq=seq,
            recorded_at=recorded_at,
            actor_user_id=snapshot.user_id,
            actor_username=snapshot.username,
            actor_org=snapshot.org,
            actor_role=snapshot.role,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=data,
            leaf=leaf,
            prev_hash=prev,
            leaf_hash=digest.hex(),
        )
        AuditHead.objects.filter(pk=1).update(
            size=seq + 1, last_leaf_hash=digest.hex(), frontier=frontier.to_json()
        )
    return event


@transaction.atomic
def health_ping(*, note: str = "") -> AuditEvent:
    """Record, as the system, that a background worker is alive."""
    return audit_record(actor=SYSTEM, action=HEALTH_PINGED, data={"note": note[:200]})
