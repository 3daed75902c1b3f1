"""Audit benchmarks: append rate (1 and 8 writers, PostgreSQL) and offline verification rate.

Appends run on a fresh database `clearroom_bench` (dropped and re-created), each event its own
transaction, from writer processes (each with its own connection, as gunicorn and Celery
workers are) and then from writer threads of one process; the chain is checked gapless after
each run. Verification builds an export of 100,000 events in the real bundle
format, signed with a throw-away key, and times `audit.core.verify.verify_bundle` against plain
SHA-256 over the same leaf bytes.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import tempfile
import threading
import time
from pathlib import Path

ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
BENCH_DB = "clearroom_bench"
SINGLE = int(os.environ.get("BENCH_AUDIT_SINGLE", "2000"))
PER_WRITER = int(os.environ.get("BENCH_AUDIT_PER_WRITER", "500"))
WRITERS = 8
VERIFY_EVENTS = int(os.environ.get("BENCH_AUDIT_VERIFY_EVENTS", "100000"))


def _fresh_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = _fresh_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CLEARROOM_GENERATE_SECRETS", "1")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _append_work(worker: int, per_writer: int) -> None:
    from django.db import transaction

    from audit.actions import HEALTH_PINGED
    from audit.actors import SYSTEM
    from audit.services.log import audit_record

    for index in range(per_writer):
        with transaction.atomic():
            audit_record(actor=SYSTEM, action=HEALTH_PINGED, data={"w": worker, "i": index})


def run_writers(target, writers: int, args: tuple = (), mode: str = "process") -> float:
    """Run `target(worker, *args)` in `writers` threads or processes at once; return seconds.

    Processes (forked, each opening its own database connection) are how production writes:
    gunicorn workers and Celery processes. Threads share one interpreter's GIL, so their Python
    work is serialised on top of the head lock.
    """
    from django.db import connections

    if mode == "thread":
        barrier = threading.Barrier(writers + 1)
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                barrier.wait()
                target(worker, *args)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.monotonic()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        if errors:
            raise errors[0]
        return elapsed
    if mode != "process":
        raise ValueError(f"mode must be 'thread' or 'process', not {mode!r}")
    context = multiprocessing.get_context("fork")
    connections.close_all()  # a forked child must never share the parent's socket
    barrier = context.Barrier(writers + 1)
    results = context.Queue()
    procs = [
        context.Process(target=_child, args=(target, n, args, barrier, results))
        for n in range(writers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.monotonic()
    outcomes = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError(f"a writer process failed: {failures[0]}")
    # CLOCK_MONOTONIC is system-wide, so the children's end times compare with `started`.
    return max(outcomes) - started


def _child(target, worker: int, args: tuple, barrier, results) -> None:
    import traceback

    from django.db import connections

    try:
        barrier.wait()
        target(worker, *args)
        results.put(time.monotonic())
    except BaseException:
        results.put(traceback.format_exc())
    finally:
        connections.close_all()


def _append_rate(writers: int, per_writer: int, mode: str = "process") -> float:
    elapsed = run_writers(_append_work, writers, (per_writer,), mode)
    return writers * per_writer / elapsed


def _check_gapless(expected: int) -> None:
    from audit.integrity import check_database
    from audit.models import AuditEvent

    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(expected)), "the chain has a gap"
    assert check_database().size == expected


def _synthetic_bundle(path: Path, count: int) -> tuple[str, list[bytes]]:
    from audit.core.bundle import build_bundle
    from audit.core.canonical import canonicalize
    from audit.core.merkle import Frontier
    from audit.core.signed_note import (
        format_checkpoint,
        generate_signer_key,
        load_private_key,
        sign_note,
    )

    origin = "bench.example/audit"
    pem, key_text = generate_signer_key(origin)
    key = load_private_key(pem)
    leaves: list[bytes] = []
    frontier = Frontier()
    prev = "0" * 64
    for seq in range(count):
        leaf = canonicalize(
            {
                "v": 1,
                "seq": seq,
                "prev": prev,
                "recorded_at": "2026-11-25T00:00:00.000000Z",
                "actor": {"user_id": 7, "username": "counsel", "org": "forum", "role": "counsel"},
                "action": "submission.created",
                "object": {"type": "sharing.submission", "id": str(seq)},
                "data": {"payload_sha256": hashlib.sha256(str(seq).encode()).hexdigest()},
            }
        )
        digest = hashlib.sha256(b"\x00" + leaf).digest()
        frontier.append(digest)
        prev = digest.hex()
        leaves.append(leaf)
    note = sign_note(format_checkpoint(origin, count, frontier.root()), origin, key)
    build_bundle(
        str(path),
        origin=origin,
        leaves=leaves,
        from_seq=0,
        prefix_frontier=Frontier(),
        prefix_prev="0" * 64,
        checkpoints=[note],
        proofs=[],
        extra_files={},
        created_at="2026-11-25T00:00:00.000000Z",
    )
    assert base64.b64decode(key_text.split("+", 2)[2])[0] == 1
    return key_text, leaves


def _verify_rate(count: int) -> tuple[float, float]:
    from audit.core.verify import verify_bundle

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        key_text, leaves = _synthetic_bundle(path, count)
        started = time.perf_counter()
        report = verify_bundle(path, key_text)
        verify_seconds = time.perf_counter() - started
        assert report.ok, report.summary()
        started = time.perf_counter()
        for leaf in leaves:
            hashlib.sha256(b"\x00" + leaf).digest()
        hash_seconds = time.perf_counter() - started
    return count / verify_seconds, count / hash_seconds


def main() -> None:
    _setup_django()
    total = 0
    for mode in ("process", "thread"):
        single = _append_rate(1, SINGLE, mode)
        total += SINGLE
        _check_gapless(total)
        print(f"append, 1 writer ({mode}):   {single:8.0f} events/s ({SINGLE} events)")
        eight = _append_rate(WRITERS, PER_WRITER, mode)
        total += WRITERS * PER_WRITER
        _check_gapless(total)
        print(
            f"append, {WRITERS} writers ({mode}):  {eight:8.0f} events/s "
            f"({WRITERS} x {PER_WRITER} events), chain gapless and verified"
        )
    verify, raw = _verify_rate(VERIFY_EVENTS)
    print(f"verify bundle:      {verify:8.0f} events/s ({VERIFY_EVENTS} events, offline)")
    print(
        f"raw SHA-256:        {raw:8.0f} leaves/s (same leaf bytes; verify is {raw / verify:.1f}x)"
    )
