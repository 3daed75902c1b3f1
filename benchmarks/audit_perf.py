"""Audit part of the suite: `python -m benchmarks.audit_perf OUT.json` (a child of the runner).

Reuses the audit engineer's `benchmarks/audit_bench.py` for the append measurement (its
writers and gapless check) on its own database, `clearroom_bench_audit`, and adds:

- append rate with 1, 8 and 16 concurrent writer processes (each its own connection, as
  gunicorn and Celery workers are; `append_N`) and with 8 threads of one process
  (`append_8_threads`, the earlier method), the chain checked gapless and unforked
  (`audit.integrity.check_database` recomputes every leaf, prev link and the head) after each;
- a log of BENCH_AUDIT_EVENTS (default 1,000,000) events, generated fast: valid leaves are
  computed in Python (RFC 8785 canonical JSON equals `json.dumps(sort_keys, compact)` for the
  integers and ASCII strings they hold; checked on a sample with `audit.core.canonical`), chained
  by prev hash, written with one raw `COPY`, after which the head row is rebuilt (size, last
  leaf hash and Merkle frontier), exactly what `audit_record` would have left;
- checkpoint time at that size: signing the head (`audit_checkpoint_create`) and signing an
  older size (`audit_checkpoint_at`, which rebuilds the frontier from the stored leaf hashes);
- the operator export of the whole log (`audit_export_cli`) and its offline verification with
  `audit.core.verify.verify_bundle`, as a fraction of raw `hashlib.sha256` over the same leaf bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from benchmarks import audit_bench, harness

EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
WRITERS = (1, 8, 16)
PER_WRITER = {1: 2000, 8: 400, 16: 250}
DB = os.environ.get("BENCH_AUDIT_DATABASE", "clearroom_bench_audit")


def _setup() -> None:
    os.environ["CLEARROOM_VAR_DIR"] = str(harness.BENCH_DIR / "audit-var")
    audit_bench.BENCH_DB = DB
    audit_bench._setup_django()


def _appends(figures: dict) -> None:
    from audit.integrity import check_database

    total = 0
    runs = [("process", writers) for writers in WRITERS] + [("thread", 8)]
    for mode, writers in runs:
        per = PER_WRITER[writers]
        rate = audit_bench._append_rate(writers, per, mode)
        total += writers * per
        audit_bench._check_gapless(total)
        assert check_database().size == total
        key = f"append_{writers}" if mode == "process" else f"append_{writers}_threads"
        figures[key] = (rate, f"append, {writers} writers ({mode}), chain verified",
                        "events/s")  # fmt: skip
        print(f"  append, {writers:2} writers ({mode}): {rate:8.0f} events/s", flush=True)


def _raw_protocol(figures: dict) -> None:
    """Time the append protocol itself with raw psycopg: the bound of any audited writer.

    The statements an append ran before it was reduced to two round trips inside the lock
    (lock the head row, insert the event, update the head, commit) on scratch tables, from 1,
    8 and 16 writer processes with a connection each, like the Django figures.
    """
    import psycopg

    url = _url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_head (id int PRIMARY KEY, size bigint, last text)")
        conn.execute("INSERT INTO bench_head VALUES (1, 0, '')")
        conn.execute(
            "CREATE TABLE bench_event (seq bigint PRIMARY KEY, leaf bytea, prev text, hash text)"
        )

    def work(writer: int, count: int) -> None:
        with psycopg.connect(url) as conn:
            for index in range(count):
                with conn.transaction():
                    size, last = conn.execute(
                        "SELECT size, last FROM bench_head WHERE id = 1 FOR UPDATE"
                    ).fetchone()
                    leaf = json.dumps({"prev": last, "seq": size, "w": writer, "i": index})
                    digest = hashlib.sha256(b"\x00" + leaf.encode()).hexdigest()
                    conn.execute(
                        "INSERT INTO bench_event VALUES (%s, %s, %s, %s)",
                        (size, leaf.encode(), last, digest),
                    )
                    conn.execute(
                        "UPDATE bench_head SET size = %s, last = %s WHERE id = 1",
                        (size + 1, digest),
                    )

    for writers in WRITERS:
        per = PER_WRITER[writers]
        rate = writers * per / audit_bench.run_writers(work, writers, (per,), "process")
        label = f"raw psycopg append protocol, {writers} writer process(es)"
        figures[f"raw_append_{writers}"] = (rate, label, "events/s")
        print(f"  raw protocol, {writers:2} writers: {rate:8.0f} events/s", flush=True)


def _url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _generate(count: int) -> tuple[float, float]:
    """Append `count` valid events with one COPY; return (generate s, copy s)."""
    import psycopg

    from audit.core.canonical import canonicalize
    from audit.core.merkle import Frontier
    from audit.models import AuditEvent, AuditHead

    started = time.perf_counter()
    head = AuditHead.objects.get(pk=1)
    frontier = Frontier()
    for leaf_hash in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True):
        frontier.append(bytes.fromhex(leaf_hash))
    assert frontier.size == head.size
    seq, prev = head.size, head.last_leaf_hash
    dumps, sha256 = json.dumps, hashlib.sha256
    rows = []
    for n in range(count):
        data = {"payload_sha256": sha256(str(n).encode()).hexdigest(), "source": "taxii"}
        entry = {
            "action": "submission.created",
            "actor": {"org": "northwind", "role": "analyst", "user_id": 7,
                      "username": "bench-submitter"},
            "data": data,
            "object": {"id": f"{n:032x}", "type": "sharing.submission"},
            "prev": prev,
            "recorded_at": "2026-11-25T00:00:00.000000Z",
            "seq": seq,
            "v": 1,
        }  # fmt: skip
        leaf = dumps(entry, sort_keys=True, separators=(",", ":")).encode()
        if n % 100_000 == 0:
            assert leaf == canonicalize(entry)
        digest = sha256(b"\x00" + leaf).digest()
        frontier.append(digest)
        prev = digest.hex()
        rows.append((seq, "2026-11-25 00:00:00+00", 7, "bench-submitter", "northwind", "analyst",
                     "submission.created", "sharing.submission", f"{n:032x}", dumps(data),
                     leaf, entry["prev"], prev))  # fmt: skip
        seq += 1
    generated = time.perf_counter() - started
    url = _url()
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        columns = ("seq, recorded_at, actor_user_id, actor_username, actor_org, actor_role, "
                   "action, object_type, object_id, data, leaf, prev_hash, leaf_hash")  # fmt: skip
        with cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "UPDATE audit_audithead SET size = %s, last_leaf_hash = %s, frontier = %s WHERE id = 1",
            (seq, prev, json.dumps(frontier.to_json())),
        )
        conn.commit()
        cursor.execute("ANALYZE audit_auditevent")
    return generated, time.perf_counter() - started


def _checkpoints(figures: dict) -> int:
    from audit.models import AuditHead
    from audit.services.checkpoints import audit_checkpoint_at, audit_checkpoint_create

    size = AuditHead.objects.get(pk=1).size
    started = time.perf_counter()
    checkpoint = audit_checkpoint_create()
    took = (time.perf_counter() - started) * 1000
    figures["checkpoint_head_ms"] = (took, f"checkpoint of the head at {size:,} events", "ms")
    assert checkpoint is not None and checkpoint.size == size
    older = size - 12_345
    started = time.perf_counter()
    audit_checkpoint_at(size=older)
    figures["checkpoint_older_s"] = (time.perf_counter() - started,
                                     f"checkpoint of an older size ({older:,})", "s")  # fmt: skip
    return size


def _verify(figures: dict, size: int) -> None:
    import zipfile

    from audit import keys
    from audit.core.verify import verify_bundle
    from audit.services.exports import audit_export_cli

    started = time.perf_counter()
    export = audit_export_cli()
    took = time.perf_counter() - started
    figures["export_s"] = (took, f"build the export of {export.event_count:,} events", "s")
    key_text = keys.verifier_key_text()
    started = time.perf_counter()
    report = verify_bundle(export.file_path, key_text)
    verify_s = time.perf_counter() - started
    assert report.ok, report.summary()
    with zipfile.ZipFile(export.file_path) as bundle:
        names = [n for n in bundle.namelist() if n.startswith("entries")]
        names.sort(key=lambda n: int(n.split("/")[1].split(".")[0]) if "/" in n else 0)
        lines = b"".join(bundle.read(n) for n in names).splitlines()
    started = time.perf_counter()
    sha256 = hashlib.sha256
    for line in lines:
        sha256(b"\x00" + line).digest()
    raw_s = time.perf_counter() - started
    count = len(lines)
    figures["verify_events"] = (count, "events verified offline", "")
    figures["verify_rate"] = (count / verify_s, "offline verifier", "events/s")
    figures["sha256_rate"] = (count / raw_s, "raw SHA-256 over the same leaf bytes", "leaves/s")
    figures["verify_fraction"] = (raw_s / verify_s, "verifier / raw SHA-256 throughput", "")
    Path(export.file_path).unlink()


def main(out: str) -> int:
    figures: dict = {}
    _setup()
    try:
        _appends(figures)
        _raw_protocol(figures)
        generated, copied = _generate(EVENTS)
        figures["generate_s"] = (generated, f"generate {EVENTS:,} valid leaves in Python", "s")
        figures["copy_s"] = (copied, f"COPY {EVENTS:,} events and rebuild the head", "s")
        size = _checkpoints(figures)
        _verify(figures, size)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_databases()
        import psycopg

        with psycopg.connect(harness.ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    Path(out).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
