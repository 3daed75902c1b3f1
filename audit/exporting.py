"""Read the stored log for checkpoints and export bundles: streamed leaves, hashes, policies."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator

from audit.merkle import Frontier
from audit.models import AuditEvent

CHUNK_SIZE = 2000


class LogCorrupted(RuntimeError):
    """The stored log is not gapless where it must be (see `manage.py verify_audit`)."""


def iter_leaf_hashes(start: int, stop: int) -> Iterator[bytes]:
    """Yield the stored leaf hashes of seq `start` .. `stop - 1`, checking there is no gap."""
    expected = start
    rows = (
        AuditEvent.objects.filter(seq__gte=start, seq__lt=stop)
        .order_by("seq")
        .values_list("seq", "leaf_hash")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    with contextlib.closing(rows):
        for seq, digest in rows:
            if seq != expected:
                raise LogCorrupted(f"audit log has a gap at seq {expected}")
            yield bytes.fromhex(digest)
            expected += 1
    if expected != stop:
        raise LogCorrupted(f"audit log ends at seq {expected - 1}, expected {stop - 1}")


def frontier_at(size: int) -> Frontier:
    """Return the Merkle frontier of the first `size` events, recomputed from stored hashes."""
    frontier = Frontier()
    for digest in iter_leaf_hashes(0, size):
        frontier.append(digest)
    return frontier


def iter_leaves(
    start: int, stop: int, on_progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """Yield the exact leaf bytes of seq `start` .. `stop - 1` from a streamed query."""
    expected = start
    rows = (
        AuditEvent.objects.filter(seq__gte=start, seq__lt=stop)
        .order_by("seq")
        .values_list("seq", "leaf")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    with contextlib.closing(rows):
        for seq, leaf in rows:
            if seq != expected:
                raise LogCorrupted(f"audit log has a gap at seq {expected}")
            yield bytes(leaf)
            expected += 1
            if on_progress is not None and (expected - start) % CHUNK_SIZE == 0:
                on_progress(expected - start)
    if expected != stop:
        raise LogCorrupted(f"audit log ends at seq {expected - 1}, expected {stop - 1}")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def policy_files(start: int, stop: int) -> dict[str, bytes]:
    """Return `policies/<key>-v<n>.json` for each policy version in force during the range.

    A version was in force when it was approved (and possibly later superseded or retired) and
    its effective interval overlaps the recorded times of the first and last event.
    """
    from governance.models import PolicyStatus, PolicyVersion

    bounds = list(
        AuditEvent.objects.filter(seq__in=[start, stop - 1]).values_list("recorded_at", flat=True)
    )
    if not bounds:
        return {}
    begin, end = min(bounds), max(bounds)
    versions = (
        PolicyVersion.objects.filter(
            status__in=[PolicyStatus.APPROVED, PolicyStatus.SUPERSEDED, PolicyStatus.RETIRED],
            effective_from__lte=end,
        )
        .exclude(effective_until__lt=begin)
        .select_related("policy", "drafted_by", "decided_by")
        .order_by("policy__key", "number")
    )
    files = {}
    for version in versions:
        document = {
            "policy": version.policy.key,
            "policy_name": version.policy.name,
            "number": version.number,
            "status": version.status,
            "content_hash": version.content_hash,
            "approved_hash": version.approved_hash,
            "drafted_by": version.drafted_by.get_username(),
            "approved_by": version.decided_by.get_username() if version.decided_by else None,
            "approved_at": _iso(version.decided_at),
            "approval_statement": version.decision_statement,
            "effective_from": _iso(version.effective_from),
            "effective_until": _iso(version.effective_until),
            "type_schema_versions": version.type_schema_versions,
            "rules": version.rules,
        }
        # Policy rules may hold decimals (e.g. max_contributor_share), which canonical JSON
        # refuses; these files are reference copies, hashed in the manifest like any other.
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
        files[f"policies/{version.policy.key}-v{version.number}.json"] = (text + "\n").encode()
    return files
