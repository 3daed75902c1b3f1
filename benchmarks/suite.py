"""The whole suite (`make bench` = `python -m benchmarks`): Clearroom beside medallion and raw SQL.

Sizes come from the environment (defaults fit `make bench` in under 15 minutes on 2 cores):

    BENCH_RUNS=3                  repetitions of each timed ingest (the median is reported)
    BENCH_INGEST_OBJECTS=10000    objects per ingest run, envelopes of 1,000 (as the issue asks)
    BENCH_INGEST_SMALL=2000       objects per ingest run, envelopes of 100 (issue: 10,000)
    BENCH_INGEST_SINGLE=300       objects per ingest run, envelopes of 1 (issue: 10,000)
    BENCH_CLIENTS=4               client threads of the load generator (both servers)
    BENCH_READ_SMALL=10000        stored objects of the first read test
    BENCH_READ_LARGE=100000       stored objects of the second read test
    BENCH_MEDALLION_READ_PAGES=30 pages read from medallion per size (estimate for the rest)
    BENCH_MEDALLION_READ_SIZES=1000,10000,100000  stored objects of medallion's read tests
    BENCH_MEDALLION_TIMEOUT=30    seconds medallion may take for one page
    BENCH_REVIEW_TASKS=10000      open review tasks
    BENCH_REVIEWERS=16            concurrent reviewers claiming
    BENCH_GUNICORN_WORKERS=4      Clearroom web workers;  BENCH_CELERY_CONCURRENCY=2
    BENCH_AUTH_REQUESTS=200       sequential page reads per TAXII authentication method
    BENCH_ONLY=read,ingest,...    run only some parts (discovery, read, auth, ingest, review, raw,
                                  audit, scanner, oprf)
    BENCH_DATABASE=clearroom_bench  the database the suite creates and drops

The audit part runs in a child process (`benchmarks.audit_perf`) on its own database; the scanner
part in a child process too (`benchmarks.scanner_bench`, pure Python, no database), and the OPRF
part (`benchmarks.oprf_bench`: evaluations per core, and clearroom-match over 100,000
identifiers against gunicorn serving the seeded demo on SQLite).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from benchmarks import harness, peer
from benchmarks.load import Server, first_byte, ingest, read_all

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
INGEST_OBJECTS = int(os.environ.get("BENCH_INGEST_OBJECTS", "10000"))
INGEST_SMALL = int(os.environ.get("BENCH_INGEST_SMALL", "2000"))
INGEST_SINGLE = int(os.environ.get("BENCH_INGEST_SINGLE", "300"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
READ_SMALL = int(os.environ.get("BENCH_READ_SMALL", "10000"))
READ_LARGE = int(os.environ.get("BENCH_READ_LARGE", "100000"))
MEDALLION_READ_PAGES = int(os.environ.get("BENCH_MEDALLION_READ_PAGES", "30"))
MEDALLION_READ_SIZES = [
    int(n) for n in os.environ.get("BENCH_MEDALLION_READ_SIZES", "1000,10000,100000").split(",")
]
MEDALLION_TIMEOUT = float(os.environ.get("BENCH_MEDALLION_TIMEOUT", "30"))
REVIEW_TASKS = int(os.environ.get("BENCH_REVIEW_TASKS", "10000"))
REVIEWERS = int(os.environ.get("BENCH_REVIEWERS", "16"))
GUNICORN_WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", "4")
CELERY_CONCURRENCY = os.environ.get("BENCH_CELERY_CONCURRENCY", "2")
AUTH_REQUESTS = int(os.environ.get("BENCH_AUTH_REQUESTS", "200"))
PARTS = ("discovery", "read", "auth", "ingest", "review", "raw", "audit", "scanner", "oprf")
ONLY = [p for p in os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",") if p]
DB = os.environ.get("BENCH_DATABASE", "clearroom_bench")
EPOCH = "2000-01-01T00:00:00.000Z"


class Report:
    """Figures by name, printed as a table and written to var/bench/latest.json."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.figures: dict[str, object] = {}
        self.targets: list[dict] = []

    def add(self, key: str, value, label: str, unit: str = "") -> None:
        self.figures[key] = value
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        self.rows.append((label, shown, unit))
        print(f"  {label:<62} {shown:>14} {unit}", flush=True)

    def target(self, name: str, value: float, limit: float, *, at_least: bool, unit: str) -> None:
        passed = value >= limit if at_least else value <= limit
        ratio = value / limit if limit else (1.0 if value == limit else float("inf"))
        self.targets.append(
            {"target": name, "value": value, "limit": limit, "ratio": ratio,
             "at_least": at_least, "unit": unit, "pass": passed}
        )  # fmt: skip

    def print_targets(self) -> None:
        print("\nTargets")
        for t in self.targets:
            sign = ">=" if t["at_least"] else "<="
            print(
                f"  {'PASS' if t['pass'] else 'MISS'}  {t['target']:<58} "
                f"{t['value']:,.4g} {sign} {t['limit']:,.4g} {t['unit']}  (ratio {t['ratio']:.3g})"
            )

    def write(self, path: Path, seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "generated_at": datetime.now(UTC).isoformat(),
            "total_seconds": seconds,
            "sizes": {
                "runs": RUNS, "ingest_objects": INGEST_OBJECTS, "ingest_small": INGEST_SMALL,
                "ingest_single": INGEST_SINGLE,
                "clients": CLIENTS, "read_small": READ_SMALL, "read_large": READ_LARGE,
                "review_tasks": REVIEW_TASKS, "reviewers": REVIEWERS,
                "gunicorn_workers": GUNICORN_WORKERS, "celery_concurrency": CELERY_CONCURRENCY,
            },
            "figures": self.figures,
            "targets": self.targets,
        }  # fmt: skip
        path.write_text(json.dumps(body, indent=2, default=str) + "\n")


# --------------------------------------------------------------------------------------------
# Clearroom under gunicorn and a Celery worker, as an operator runs it


def _clearroom_env(database_url: str, var_dir: Path) -> dict[str, str]:
    return harness.python_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + os.urandom(24).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="600",
        CELERY_BROKER_URL=harness.REDIS_URL,
        CLEARROOM_VAR_DIR=str(var_dir),
        CLEARROOM_GENERATE_SECRETS="0",
        API_THROTTLE_USER="1000000/minute",
        LOG_LEVEL="ERROR",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )


def start_clearroom(database_url: str, var_dir: Path) -> Server:
    env = _clearroom_env(database_url, var_dir)
    subprocess.run(
        [harness.PY, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env, cwd=harness.ROOT, check=True,
    )  # fmt: skip
    import redis

    redis.Redis.from_url(harness.REDIS_URL).flushdb()
    worker = harness.start(
        [harness.PY, "-m", "celery", "-A", "config", "worker", "-l", "warning",
         "-c", CELERY_CONCURRENCY, "--without-gossip", "--without-mingle", "-P", "prefork"],
        env=env, log="celery",
    )  # fmt: skip
    port = harness.free_port()
    web = harness.start(
        [harness.PY, "-m", "gunicorn", "config.wsgi", "--workers", GUNICORN_WORKERS,
         "--bind", f"127.0.0.1:{port}", "--timeout", "600", "--max-requests", "0"],
        env=env, log="gunicorn",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    harness.wait_http(f"{base}/taxii2/", web)
    time.sleep(1)
    if worker.poll() is not None:
        raise RuntimeError("the Celery worker exited; see var/bench/celery.log")
    return Server(name="clearroom", discovery=f"{base}/taxii2/", api_root=f"{base}/taxii2/api/",
                  headers={})  # fmt: skip


def _with_token(server: Server, token: str) -> Server:
    return Server(server.name, server.discovery, server.api_root,
                  {"Authorization": f"Bearer {token}"})  # fmt: skip


# --------------------------------------------------------------------------------------------
# Parts


def part_discovery(report: Report, clearroom: Server, medallion: Server) -> None:
    print("\nDiscovery and API root, time to first byte (200 sequential requests, keep-alive)")
    p50 = {}
    for server in (clearroom, medallion):
        for what, url in (("discovery", server.discovery), ("api_root", server.api_root)):
            lat = first_byte(server, url)
            p50[(server.name, what)] = lat.pct(50) * 1000
            report.add(f"{what}.{server.name}.p50_ms", lat.pct(50) * 1000,
                       f"{server.name}: {what.replace('_', ' ')} TTFB p50", "ms")  # fmt: skip
            report.add(f"{what}.{server.name}.p99_ms", lat.pct(99) * 1000,
                       f"{server.name}: {what.replace('_', ' ')} TTFB p99", "ms")  # fmt: skip
    for what in ("discovery", "api_root"):
        report.target(f"{what.replace('_', ' ')} TTFB p50 / medallion's",
                      p50[("clearroom", what)] / p50[("medallion", what)], 2, at_least=False,
                      unit="x")  # fmt: skip


def _medallion_corpus(count: int) -> tuple[list[dict], list[str]]:
    from benchmarks.dataset import stix_objects

    objects = stix_objects("network-infrastructure", count, seed=99)
    base = datetime(2026, 10, 1, tzinfo=UTC).timestamp()
    added = [
        datetime.fromtimestamp(base + i / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for i in range(count)
    ]
    return objects, added


def _read(report: Report, server: Server, collection: str, size: int, max_pages=None) -> dict:
    key = f"read.{server.name}.{size}"
    where = f"{server.name} @ {size:,} stored"
    timeout = MEDALLION_TIMEOUT if server.name == "medallion" else 900
    try:
        result = read_all(
            server, collection, added_after=EPOCH, max_pages=max_pages, timeout=timeout
        )
    except requests.Timeout:
        # medallion's memory backend filters in O(stored x stored) (basic_filter.py matches
        # every object against every manifest entry for added_after and match[version]).
        report.add(f"{key}.first_page_timeout_s", float(timeout),
                   f"{where}: first page did not answer within", "s")  # fmt: skip
        return {"p99_ms": float("inf"), "complete": False, "objects": 0}
    lat = result.latency.summary_ms()
    report.add(f"{key}.p50_ms", lat["p50_ms"], f"{where}: GET page of 100 p50", "ms")
    report.add(f"{key}.p95_ms", lat["p95_ms"], f"{where}: GET page of 100 p95", "ms")
    report.add(f"{key}.p99_ms", lat["p99_ms"], f"{where}: GET page of 100 p99", "ms")
    if result.complete:
        report.add(f"{key}.read_all_s", result.seconds, f"{where}: read all ({result.objects:,})",
                   "s")  # fmt: skip
    else:
        estimate = result.seconds / result.pages * (size / 100)
        report.add(f"{key}.read_all_s", estimate,
                   f"{where}: read all, est. from {result.pages} pages", "s")  # fmt: skip
    return {"p99_ms": lat["p99_ms"], "complete": result.complete, "objects": result.objects}


def _read_medallion(report: Report, size: int) -> None:
    objects, added = _medallion_corpus(size)
    process, medallion = peer.serve(objects, added, name=f"read-{size}")
    try:
        _read(report, medallion, peer.COLLECTION, size, max_pages=MEDALLION_READ_PAGES)
    finally:
        harness.stop(process)


def part_read(report: Report, clearroom: Server, reader_collection: str) -> None:
    from benchmarks import clearroom_side

    print("\nRead: pages of 100 from added_after, following next")
    loaded = 0
    results = {}
    for size in (READ_SMALL, READ_LARGE):
        seconds = clearroom_side.load_published(size - loaded, start=loaded)
        report.add(f"read.clearroom.load_{size}_s", seconds,
                   f"clearroom: bulk-load published indicators to {size:,}", "s")  # fmt: skip
        loaded = size
        results[("clearroom", size)] = _read(report, clearroom, reader_collection, size)
        if results[("clearroom", size)]["objects"] != size:
            raise RuntimeError(f"clearroom served {results[('clearroom', size)]} of {size}")
    for size in MEDALLION_READ_SIZES:
        _read_medallion(report, size)
    small = results[("clearroom", READ_SMALL)]["p99_ms"]
    large = results[("clearroom", READ_LARGE)]["p99_ms"]
    report.target(f"TAXII GET page of 100 p99 at {READ_LARGE:,} stored", large, 50,
                  at_least=False, unit="ms")  # fmt: skip
    report.target(f"p99 at {READ_LARGE:,} / p99 at {READ_SMALL:,}", large / small, 1.5,
                  at_least=False, unit="x")  # fmt: skip


def part_auth(report: Report, clearroom: Server, reader_collection: str, token: str) -> None:
    """A TAXII page of 100 read with each way a machine client may authenticate (issue 16)."""
    import base64

    from benchmarks import clearroom_side

    print(f"\nAuthentication: GET page of 100, {AUTH_REQUESTS} sequential requests (keep-alive)")
    if "read" not in ONLY:
        clearroom_side.load_published(1000, start=0)

    def basic(username: str, password: str) -> dict[str, str]:
        raw = base64.b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    methods = {
        "bearer": ("Bearer token", {"Authorization": f"Bearer {token}"}),
        "basic_password": (
            "Basic username:password",
            basic(clearroom_side.READER, clearroom_side.READER_PASSWORD),
        ),
        "basic_token": ("Basic with the token as password", basic(clearroom_side.READER, token)),
    }
    p50 = {}
    for key, (label, headers) in methods.items():
        server = Server(clearroom.name, clearroom.discovery, clearroom.api_root, headers)
        url = f"{server.objects_url(reader_collection)}?limit=100&added_after={EPOCH}"
        lat = first_byte(server, url, requests_count=AUTH_REQUESTS)
        p50[key] = lat.pct(50) * 1000
        report.add(f"auth.{key}.p50_ms", p50[key], f"clearroom: page of 100, {label}, p50", "ms")
        report.add(f"auth.{key}.p99_ms", lat.pct(99) * 1000,
                   f"clearroom: page of 100, {label}, p99", "ms")  # fmt: skip
    report.target("page read: Basic (password) p50 / Bearer p50",
                  p50["basic_password"] / p50["bearer"], 2, at_least=False, unit="x")  # fmt: skip


def _ingest_runs(server: Server, collection: str, kind: str, envelope: int, count: int,
                 tag: str) -> dict:  # fmt: skip
    from benchmarks.dataset import stix_objects

    rates, seconds, failed = [], [], 0
    for run in range(RUNS):
        objects = stix_objects(kind, count, seed=hash((tag, envelope, run)) % 10**6)
        if server.name == "medallion":
            process, server = peer.serve(name=f"ingest-{envelope}-{run}")
        try:
            result = ingest(server, collection if server.name != "medallion" else peer.COLLECTION,
                            objects, envelope=envelope, threads=CLIENTS)  # fmt: skip
        finally:
            if server.name == "medallion":
                harness.stop(process)
        if result.succeeded + result.failed != count:
            raise RuntimeError(f"{server.name}: {result.succeeded}+{result.failed} of {count}")
        failed += result.failed
        rates.append(result.rate)
        seconds.append(result.seconds)
    return {"rate": harness.median(rates), "seconds": harness.median(seconds), "failed": failed}


def part_ingest(report: Report, clearroom: Server, collection: str) -> dict:
    print(f"\nIngest: POST envelopes, {CLIENTS} clients, median of {RUNS} runs")
    found = {"started": datetime.now(UTC)}
    for envelope in (1, 100, 1000):
        count = {1: INGEST_SINGLE, 100: INGEST_SMALL}.get(envelope, INGEST_OBJECTS)
        medallion = _ingest_runs(
            Server("medallion", "", "", {}), "", "network-infrastructure", envelope, count, "m"
        )
        report.add(f"ingest.medallion.{envelope}.rate", medallion["rate"],
                   f"medallion: {count:,} objects, envelopes of {envelope}", "obj/s")  # fmt: skip
        found[("medallion", envelope)] = medallion
        for mode, kind in (("auto", "automation-client"), ("review", "network-infrastructure")):
            result = _ingest_runs(clearroom, collection, kind, envelope, count, mode)
            report.add(f"ingest.clearroom_{mode}.{envelope}.rate", result["rate"],
                       f"clearroom ({mode}): {count:,} objects, envelopes of {envelope}",
                       "obj/s")  # fmt: skip
            found[(mode, envelope)] = result
    return found


def part_read_after_ingest(report: Report, reader: Server, collection: str, since) -> None:
    """Read what the ingest part published, right after it, as a deployment serves it: rows
    written by intake (not the bulk loader), with whatever planner statistics intake left."""
    print("\nRead after ingest: pages of 100 of the objects the ingest part published")
    added_after = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    result = read_all(reader, collection, added_after=added_after)
    lat = result.latency.summary_ms()
    report.add("read_after_ingest.objects", result.objects, "objects read")
    report.add("read_after_ingest.p50_ms", lat["p50_ms"], "GET page of 100 p50", "ms")
    report.add("read_after_ingest.p99_ms", lat["p99_ms"], "GET page of 100 p99", "ms")
    report.target("page of 100 right after ingest, p99", lat["p99_ms"], 50, at_least=False,
                  unit="ms")  # fmt: skip


def _api_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Accept": "application/json", "Authorization": f"Bearer {token}"})
    return session


def _claim_all(server: Server, token: str, queue: str, claims: int, latency, stats, lock,
               spread: int = 0):  # fmt: skip
    """Claim `claims` tasks: read the queue page, claim the first open task still free.

    Reviewer number `spread` starts that many rows down the page, as people reading one list
    pick different rows; a 409 (a rival won) sends them to the next row.
    """
    session = _api_session(token)
    base = server.discovery.removesuffix("/taxii2/")
    done = 0
    while done < claims:
        page = session.get(f"{base}/api/v1/review-tasks/",
                           params={"queue": queue}, timeout=120)  # fmt: skip
        page.raise_for_status()
        candidates = [t["id"] for t in page.json()["results"] if t["state"] == "open"]
        if not candidates:
            return
        start = spread % len(candidates)
        candidates = candidates[start:] + candidates[:start]
        for task_id in candidates:
            began = time.perf_counter()
            answer = session.post(f"{base}/api/v1/review-tasks/{task_id}/claim/", timeout=120)
            took = time.perf_counter() - began
            with lock:
                latency.add(took)
                stats["won" if answer.status_code == 200 else "lost"] += 1
            if answer.status_code == 200:
                done += 1
                break
            if answer.status_code != 409:
                raise RuntimeError(f"claim answered {answer.status_code}: {answer.text}")


def _claim_next_all(server: Server, token: str, queue: str, claims: int, latency, stats,
                    lock) -> None:  # fmt: skip
    """Claim up to `claims` tasks with claim-next (no page read); stop at the first 204."""
    session = _api_session(token)
    base = server.discovery.removesuffix("/taxii2/")
    for _ in range(claims):
        began = time.perf_counter()
        answer = session.post(f"{base}/api/v1/review-tasks/claim-next/", json={"queue": queue},
                              timeout=120)  # fmt: skip
        took = time.perf_counter() - began
        with lock:
            latency.add(took)
            if answer.status_code == 200:
                stats["won"] += 1
                stats["ids"].append(answer.json()["id"])
            elif answer.status_code == 204:
                stats["empty"] += 1
                return
            else:  # a 409 would be a lost race: claim-next must never answer it
                stats["lost"] += 1


def part_review(report: Report, clearroom: Server, tokens: list[str]) -> None:
    from benchmarks import clearroom_side
    from benchmarks.harness import Latencies

    print(f"\nReviewers: {REVIEW_TASKS:,} open tasks, {REVIEWERS} concurrent reviewers")
    seconds = clearroom_side.load_open_tasks(REVIEW_TASKS)
    report.add("review.load_s", seconds, f"bulk-load {REVIEW_TASKS:,} open tasks", "s")
    queue = clearroom_side.queue_key()
    base = clearroom.discovery.removesuffix("/taxii2/")
    session = _api_session(tokens[0])
    page_lat = Latencies()
    session.get(f"{base}/api/v1/review-tasks/", params={"queue": queue}, timeout=120)
    for _ in range(30):
        began = time.perf_counter()
        session.get(f"{base}/api/v1/review-tasks/", params={"queue": queue},
                    timeout=120).raise_for_status()  # fmt: skip
        page_lat.add(time.perf_counter() - began)
    report.add("review.queue_page.p50_ms", page_lat.pct(50) * 1000, "queue page p50", "ms")
    report.add("review.queue_page.p99_ms", page_lat.pct(99) * 1000, "queue page p99", "ms")
    single, stats, lock = Latencies(), {"won": 0, "lost": 0}, threading.Lock()
    _claim_all(clearroom, tokens[0], queue, 30, single, stats, lock)
    report.add("review.claim_single.p50_ms", single.pct(50) * 1000, "claim (one reviewer) p50",
               "ms")  # fmt: skip
    report.add("review.claim_single.p99_ms", single.pct(99) * 1000, "claim (one reviewer) p99",
               "ms")  # fmt: skip
    per_reviewer = int(os.environ.get("BENCH_CLAIMS_PER_REVIEWER", "25"))
    # The way people used to work: read the queue page, race the others for its first rows.
    racing, stats = Latencies(), {"won": 0, "lost": 0}
    threads = [
        threading.Thread(target=_claim_all,
                         args=(clearroom, token, queue, per_reviewer, racing, stats, lock, n))
        for n, token in enumerate(tokens[:REVIEWERS])
    ]  # fmt: skip
    elapsed = _run_threads(threads)
    report.add("review.concurrent.claims_per_s", stats["won"] / elapsed,
               f"{REVIEWERS} reviewers, page then claim: claims", "claims/s")  # fmt: skip
    report.add("review.concurrent.claim_p99_ms", racing.pct(99) * 1000,
               f"{REVIEWERS} reviewers, page then claim: request p99 (won or 409)",
               "ms")  # fmt: skip
    report.add("review.concurrent.conflicts", stats["lost"],
               "page then claim: claims lost to a rival (409)", "")  # fmt: skip
    # claim-next: each reviewer asks for the next task; SKIP LOCKED hands each a different one.
    nexts = Latencies()
    stats = {"won": 0, "lost": 0, "empty": 0, "ids": []}
    threads = [
        threading.Thread(target=_claim_next_all,
                         args=(clearroom, token, queue, per_reviewer, nexts, stats, lock))
        for token in tokens[:REVIEWERS]
    ]  # fmt: skip
    elapsed = _run_threads(threads)
    lost = stats["lost"] + (len(stats["ids"]) - len(set(stats["ids"])))
    report.add("review.claim_next.claims_per_s", stats["won"] / elapsed,
               f"{REVIEWERS} reviewers, claim-next: claims", "claims/s")  # fmt: skip
    report.add("review.claim_next.p50_ms", nexts.pct(50) * 1000,
               f"{REVIEWERS} reviewers, claim-next: request p50", "ms")  # fmt: skip
    report.add("review.claim_next.p99_ms", nexts.pct(99) * 1000,
               f"{REVIEWERS} reviewers, claim-next: request p99", "ms")  # fmt: skip
    report.add("review.claim_next.lost_races", lost,
               "claim-next: lost races (a 409 or a task handed out twice)", "")  # fmt: skip
    report.target(f"claim-next, {REVIEWERS} concurrent reviewers: lost races", lost, 0,
                  at_least=False, unit="")  # fmt: skip
    check = clearroom_side.claimed_task_report()
    report.add("review.double_claims", check["double_claims"], "double claims", "")
    if check["double_claims"] or check["claim_events"] != check["claimed"]:
        raise RuntimeError(f"double claim detected: {check}")


def _run_threads(threads: list[threading.Thread]) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def part_raw(report: Report, ingest_found: dict) -> None:
    from benchmarks import clearroom_side

    print("\nPhysical limit: the same rows with raw psycopg COPY")
    result = clearroom_side.raw_insert(INGEST_OBJECTS)
    report.add("raw.copy_s", result["seconds"],
               f"raw COPY of {INGEST_OBJECTS:,} submissions ({result['rows']:,} rows)",
               "s")  # fmt: skip
    report.add("raw.copy_rate", INGEST_OBJECTS / result["seconds"], "raw COPY rate",
               "submissions/s")  # fmt: skip
    cpu = clearroom_side.intake_cpu(INGEST_OBJECTS)
    report.add("raw.intake_cpu_s", cpu,
               f"intake work before any write, {INGEST_OBJECTS:,} objects, one process "
               "(mapping, schema, scanning, redaction, hashes)", "s")  # fmt: skip
    report.add("raw.intake_cpu_multiple", cpu / result["seconds"],
               "that work alone / raw COPY time (the bound: 2 cores share it)",
               "x")  # fmt: skip
    for mode in ("auto", "review"):
        got = ingest_found.get((mode, 1000))
        if got:
            multiple = got["seconds"] / result["seconds"]
            report.add(f"raw.multiple_{mode}", multiple,
                       f"clearroom ({mode}, envelopes of 1,000) time / raw COPY time",
                       "x")  # fmt: skip
            report.target(f"ingest ({mode}) envelopes of 1,000 time <= 3x raw", multiple, 3,
                          at_least=False, unit="x")  # fmt: skip


def part_audit(report: Report) -> None:
    print("\nAudit (child process, own database)")
    out = harness.BENCH_DIR / "audit.json"
    subprocess.run([harness.PY, "-m", "benchmarks.audit_perf", str(out)], cwd=harness.ROOT,
                   env=harness.python_env(), check=True)  # fmt: skip
    figures = json.loads(out.read_text())
    for key, (value, label, unit) in figures.items():
        report.add(f"audit.{key}", value, label, unit)
    report.target("audit append, 8 writers", figures["append_8"][0], 1000, at_least=True,
                  unit="events/s")  # fmt: skip
    report.target("offline verifier / raw SHA-256 throughput", figures["verify_fraction"][0],
                  1 / 3, at_least=True, unit="")  # fmt: skip


def part_scanner(report: Report) -> None:
    print("\nSensitive-content scanner (child process, CPU time of one thread)")
    out = harness.BENCH_DIR / "scanner.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([harness.PY, "-m", "benchmarks.scanner_bench", str(out)], cwd=harness.ROOT,
                   env=harness.python_env(), check=True)  # fmt: skip
    figures = json.loads(out.read_text())
    for key, (value, label, unit) in figures.items():
        report.add(f"scanner.{key}", value, label, unit)
    report.target("scanner cost per 1,000 characters of free text",
                  figures["us_per_1000_chars"][0], 50, at_least=False, unit="µs")  # fmt: skip


def part_oprf(report: Report) -> None:
    print("\nOPRF pseudonyms and clearroom-match (child process)")
    out = harness.BENCH_DIR / "oprf.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([harness.PY, "-m", "benchmarks.oprf_bench", str(out)], cwd=harness.ROOT,
                   env=harness.python_env(), check=True)  # fmt: skip
    figures = json.loads(out.read_text())
    for key, (value, label, unit) in figures.items():
        report.add(f"oprf.{key}", value, label, unit)
    report.target("OPRF evaluations per second per core", figures["evaluations_per_core_s"][0],
                  5000, at_least=True, unit="/s")  # fmt: skip
    report.target("clearroom-match over 100,000 identifiers", figures["match_seconds"][0],
                  60, at_least=False, unit="s")  # fmt: skip


# --------------------------------------------------------------------------------------------


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # `kill` and Ctrl-C both unwind through the cleanup below (servers stopped, databases dropped).
    signal.signal(signal.SIGTERM, _terminate)
    started = time.perf_counter()
    report = Report()
    print(f"Clearroom benchmark suite (parts: {', '.join(ONLY)})", flush=True)
    try:
        need_server = any(
            p in ONLY for p in ("discovery", "read", "auth", "ingest", "review", "raw")
        )
        if need_server:
            from benchmarks import clearroom_side

            var_dir = harness.BENCH_DIR / "clearroom-var"
            url = harness.fresh_database(DB)
            clearroom_side.setup(url, str(var_dir))
            tokens = clearroom_side.create_clients(REVIEWERS)
            clearroom = start_clearroom(url, var_dir)
            reader = _with_token(clearroom, tokens["reader"])
            submitter = _with_token(clearroom, tokens["submitter"])
            if "discovery" in ONLY:
                process, medallion = peer.serve(name="discovery")
                part_discovery(report, reader, medallion)
                harness.stop(process)
            if "read" in ONLY:
                part_read(report, reader, clearroom_side.reader_collection_id())
            if "auth" in ONLY:
                part_auth(report, clearroom, clearroom_side.reader_collection_id(),
                          tokens["reader"])  # fmt: skip
            ingest_found: dict = {}
            if "ingest" in ONLY:
                ingest_found = part_ingest(
                    report, submitter, clearroom_side.submitter_collection_id()
                )
                for envelope in (100, 1000):
                    med = ingest_found[("medallion", envelope)]["rate"]
                    for mode in ("auto", "review"):
                        ours = ingest_found[(mode, envelope)]["rate"]
                        # the floor (1x medallion), then the goal (2x)
                        for times in (1, 2):
                            report.target(
                                f"ingest ({mode}) envelopes of {envelope:,} vs {times}x medallion",
                                ours / med, times, at_least=True, unit="x medallion",
                            )  # fmt: skip
                part_read_after_ingest(report, reader, clearroom_side.reader_collection_id(),
                                       ingest_found["started"])  # fmt: skip
                size = clearroom_side.check_chain()
                report.add("ingest.audit_chain_size", size, "audit chain verified after ingest")
            if "review" in ONLY:
                part_review(report, clearroom, tokens["reviewers"])
            if "raw" in ONLY:
                part_raw(report, ingest_found)
            harness.cleanup()
        if "audit" in ONLY:
            part_audit(report)
        if "scanner" in ONLY:
            part_scanner(report)
        if "oprf" in ONLY:
            part_oprf(report)
    finally:
        harness.cleanup()
    total = time.perf_counter() - started
    report.print_targets()
    report.write(harness.BENCH_DIR / "latest.json", total)
    print(f"\nTotal {total:.0f} s; figures in var/bench/latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
