"""Read the stored log for checkpoints and export bundles: streamed leaves, hashes, files."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

from audit.core.merkle import Frontier
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


# Sources of reference files for export bundles, given the times the exported events span.
BundleFiles = Callable[[datetime, datetime], dict[str, bytes]]
_bundle_files: list[BundleFiles] = []


def add_bundle_files(source: BundleFiles) -> None:
    """Add a source of reference files for export bundles (governance adds its policies)."""
    if source not in _bundle_files:
        _bundle_files.append(source)


def bundle_files(start: int, stop: int) -> dict[str, bytes]:
    """Return the reference files of every source for the events of seq `start` .. `stop - 1`.

    Each source gets the recorded times of the first and last event (e.g. the policy versions in
    force during that interval); the files are hashed in the manifest like any other.
    """
    bounds = list(
        AuditEvent.objects.filter(seq__in=[start, stop - 1]).values_list("recorded_at", flat=True)
    )
    if not bounds:
        return {}
    files: dict[str, bytes] = {}
    for source in _bundle_files:
        files.update(source(min(bounds), max(bounds)))
    return files
