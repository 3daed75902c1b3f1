"""The append-only log: append events under one lock of the head, hash-chained and Merkle-folded.

This is the audit log's core: every app's services write their events through `audit_record`
or `audit_record_many`. It imports nothing of governance (the actor's membership is looked up
through `audit.actors`, which governance configures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.actions import ALL_ACTIONS, HEALTH_PINGED
from audit.actors import SYSTEM, Actor, actor_for
from audit.core.canonical import MAX_SAFE_INTEGER, canonicalize_checked
from audit.core.merkle import Frontier
from audit.models import AuditEvent, AuditHead
from config.bulk import bulk_insert

LEAF_VERSION = 1
ZERO_HASH = "0" * 64


def _check_json(value: Any, path: str = "data") -> None:
    """Refuse values a leaf cannot hold exactly (floats, non-string keys, objects)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise TypeError(f"{path} is outside ±(2**53 - 1); audit leaves hold exact integers")
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


def audit_recorded_since(
    *, actor, action: str, obj: models.Model, since, data: dict | None = None
) -> bool:
    """Return whether `actor` already recorded `action` on `obj` (with `data`) since `since`."""
    object_type, object_id = object_ref(obj)
    events = AuditEvent.objects.filter(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_user_id=actor.pk,
        recorded_at__gte=since,
    )
    for key, value in (data or {}).items():
        events = events.filter(**{f"data__{key}": value})
    return events.exists()


# One simple-protocol execute (no bound parameters, so psycopg may send two statements): the
# constraint mode and the head's lock cost one round trip. See `locked_head` for why the
# constraints must be checked before the head is locked.
_LOCK_HEAD_SQL = (
    "SET CONSTRAINTS ALL IMMEDIATE; "
    "SELECT size, last_leaf_hash, frontier::text FROM audit_audithead WHERE id = 1 FOR UPDATE"
)
_EVENT_COLUMNS = (
    "seq, recorded_at, actor_user_id, actor_username, actor_org, actor_role, action, "
    "object_type, object_id, data, leaf, prev_hash, leaf_hash"
)
_EVENT_VALUES = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)"
_HEAD_UPDATE_SQL = (
    "UPDATE audit_audithead SET size = %s, last_leaf_hash = %s, frontier = %s::jsonb WHERE id = 1"
)
# Up to this many events are one INSERT sharing its statement with the head's UPDATE (13
# parameters each); a larger batch (an envelope of submissions) is one COPY, then the UPDATE.
_COPY_ROWS = 50


def _lock_head_postgresql(cursor) -> tuple[int, str, Frontier]:
    """Lock the head in one round trip and return its size, last leaf hash and frontier."""
    cursor.execute(_LOCK_HEAD_SQL)
    while cursor.description is None:  # the SET's result comes first
        if not cursor.nextset():
            break
    row = cursor.fetchone() if cursor.description is not None else None
    if row is None:
        head = locked_head()  # recreates a missing head of an empty log, or refuses
        size, last, frontier_json = head.size, head.last_leaf_hash, head.frontier
    else:
        size, last, frontier_text = row
        frontier_json = json.loads(frontier_text)
    frontier = Frontier.from_json(frontier_json) if frontier_json else Frontier()
    return size, last, frontier


def _insert_and_head_sql(rows: int) -> str:
    """Return the INSERT of `rows` events and the head's UPDATE, as one statement."""
    # Built from constants and placeholders only; every value is a bound parameter.
    values = ", ".join([_EVENT_VALUES] * rows)
    insert = f"INSERT INTO audit_auditevent ({_EVENT_COLUMNS}) VALUES {values}"  # noqa: S608
    return f"WITH e AS ({insert}) {_HEAD_UPDATE_SQL}"


def _write_postgresql(cursor, events: list[AuditEvent], size: int, last: str, frontier) -> None:
    """Insert `events` and advance the head: one statement, or a COPY and the UPDATE."""
    head = [size, last, json.dumps(frontier.to_json())]
    if len(events) > _COPY_ROWS:
        bulk_insert(AuditEvent, events)  # COPY: cheaper a row than a multi-row INSERT
        cursor.execute(_HEAD_UPDATE_SQL, head)
    else:
        params = [
            value
            for e in events
            for value in (
                e.seq, e.recorded_at, e.actor_user_id, e.actor_username, e.actor_org,
                e.actor_role, e.action, e.object_type, e.object_id, json.dumps(e.data), e.leaf,
                e.prev_hash, e.leaf_hash,
            )
        ]  # fmt: skip
        cursor.execute(_insert_and_head_sql(len(events)), params + head)
        for event in events:
            event._state.adding = False
            event._state.db = connection.alias
    if cursor.rowcount != 1:
        raise RuntimeError("audit head row is missing")


def locked_head() -> AuditHead:
    """Lock the head row of the log (recreating a flushed head of an empty log) and return it."""
    if connection.vendor == "postgresql":
        # The head must be the last lock a transaction waits for. Django's foreign keys are
        # deferred, so without this the checks of the rows written so far would run at COMMIT,
        # while holding the head, and wait for a row another writer locked before queuing for
        # the head: a deadlock (e.g. intake referencing the version that an approval
        # supersedes). Checking them now waits without the head held.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The migration creates the head; a test-database flush removes it. Recreate it only
        # when the log is empty, so a missing head can never restart a non-empty chain.
        if AuditEvent.objects.exists():
            # A concurrent writer may have recreated the head and committed its first events
            # between the two reads above: read the head again before refusing.
            head = AuditHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                raise RuntimeError("audit head row is missing while events exist")
            return head
        AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class AuditSpec:
    """One event to append: the arguments of `audit_record`, for `audit_record_many`."""

    actor: Any
    action: str
    obj: models.Model | None = None
    data: dict[str, Any] | None = None
    organization: Any = None
    object_type: str | None = None
    object_id: str | None = None


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
    spec = AuditSpec(actor, action, obj, data, organization, object_type, object_id)
    return audit_record_many([spec])[0]


def _prepared(spec: AuditSpec) -> dict[str, Any]:
    """Check one spec and return everything of its event that does not depend on the head."""
    if spec.action not in ALL_ACTIONS:
        raise ValueError(f"unknown audit action {spec.action!r}; add it to audit/actions.py")
    data = dict(spec.data or {})
    _check_json(data)
    object_type, object_id = spec.object_type, spec.object_id
    if spec.obj is not None:
        object_type, object_id = object_ref(spec.obj)
    return {
        "actor": actor_for(spec.actor, spec.organization),
        "action": spec.action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }


def audit_record_many(specs: list[AuditSpec]) -> list[AuditEvent]:
    """Append `specs` in order, under one lock of the head, and return their events.

    The same events as one `audit_record` call each, inside the caller's transaction; a bulk
    write (an envelope of submissions) holds the head once instead of once per event.
    """
    prepared = [_prepared(spec) for spec in specs]
    if not prepared:
        return []
    recorded_at = timezone.now()
    stamp = format_timestamp(recorded_at)
    # No savepoint: the events belong to the caller's transaction, and a failure here must roll
    # the whole change back anyway (a change never commits without its events).
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            # Raw SQL, two round trips inside the lock: lock (with the constraint mode), then
            # the events and the head in one statement; the ORM path below does four.
            with connection.cursor() as cursor:
                seq, prev, frontier = _lock_head_postgresql(cursor)
                events = _chain(prepared, recorded_at, stamp, seq, prev, frontier)
                _write_postgresql(cursor, events, seq + len(events), events[-1].leaf_hash, frontier)
            return events
        head = locked_head()
        seq = head.size
        frontier = Frontier.from_json(head.frontier) if head.frontier else Frontier()
        events = _chain(prepared, recorded_at, stamp, seq, head.last_leaf_hash, frontier)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=500)
        AuditHead.objects.filter(pk=1).update(
            size=seq + len(events), last_leaf_hash=events[-1].leaf_hash, frontier=frontier.to_json()
        )
    return events


def _chain(
    prepared: list[dict[str, Any]],
    recorded_at: dt.datetime,
    stamp: str,
    seq: int,
    last_leaf_hash: str,
    frontier: Frontier,
) -> list[AuditEvent]:
    """Build the events of `prepared` after the head (`seq`, its last hash), folding `frontier`."""
    prev = last_leaf_hash if seq else ZERO_HASH
    events = []
    for item in prepared:
        snapshot = item["actor"]
        entry = {
            "v": LEAF_VERSION,
            "seq": seq,
            "prev": prev,
            "recorded_at": stamp,
            "actor": snapshot.as_dict(),
            "action": item["action"],
            "object": {"type": item["object_type"], "id": item["object_id"]},
            "data": item["data"],
        }
        # RFC 8785; `_prepared` checked the data (no floats, string keys, safe integers).
        leaf = canonicalize_checked(entry)
        digest = hashlib.sha256(b"\x00" + leaf).digest()
        frontier.append(digest)
        leaf_hash = digest.hex()
        events.append(
            AuditEvent(
                seq=seq,
                recorded_at=recorded_at,
                actor_user_id=snapshot.user_id,
                actor_username=snapshot.username,
                actor_org=snapshot.org,
                actor_role=snapshot.role,
                action=item["action"],
                object_type=item["object_type"],
                object_id=item["object_id"],
                data=item["data"],
                leaf=leaf,
                prev_hash=prev,
                leaf_hash=leaf_hash,
            )
        )
        seq += 1
        prev = leaf_hash
    return events


@transaction.atomic
def health_ping(*, note: str = "") -> AuditEvent:
    """Record, as the system, that a background worker is alive."""
    return audit_record(actor=SYSTEM, action=HEALTH_PINGED, data={"note": note[:200]})
