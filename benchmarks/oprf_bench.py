"""OPRF benchmark (#20): server-side evaluations per second per core, and clearroom-match time.

1. Evaluation: what the forum does for one `POST /api/v1/oprf/evaluate/` batch apart from the
   HTTP and database round trip: decode the base64 elements, check each is a group element,
   have t of n share holders answer (each checks its credential and multiplies by its
   Lagrange-weighted share) and combine, encode the answers. Threshold 2 of 3, as the demo
   deals; one thread, CPU time (other load on the machine does not count); the best of
   BENCH_OPRF_ROUNDS rounds of BENCH_OPRF_ELEMENTS elements in batches of 5,000.
2. clearroom-match over BENCH_OPRF_IDENTIFIERS local identifiers (default 100,000), the console
   script run as a lab runs it (`python -m sharing.core.match FILE`), against gunicorn serving
   the seeded demo on SQLite in var/bench/oprf/: wall time of the whole run (reading the
   file, blinding, evaluation through the API in batches of 5,000, unblinding, reading the
   feed, comparing). The identifiers are the demo's planted ones among random addresses; the
   run must find exactly the planted ones.

    python -m benchmarks oprf       (also part `oprf` of `make bench`)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_OPRF_ROUNDS", "3"))
ELEMENTS = int(os.environ.get("BENCH_OPRF_ELEMENTS", "20000"))
IDENTIFIERS = int(os.environ.get("BENCH_OPRF_IDENTIFIERS", "100000"))
BATCH = 5000
WORKERS = os.environ.get("BENCH_OPRF_GUNICORN_WORKERS", "2")


def _evaluator():
    from sharing.core import oprf
    from sharing.keys import ShareHolder, ThresholdEvaluator

    shares = oprf.split_key(oprf.random_scalar(), 2, 3)
    credentials = {f"holder-{s.index}": secrets.token_urlsafe(32) for s in shares}
    holders = tuple(
        ShareHolder(
            f"holder-{s.index}",
            s,
            hashlib.sha256(credentials[f"holder-{s.index}"].encode()).hexdigest(),
        )
        for s in shares
    )
    return ThresholdEvaluator(key_id="bench", threshold=2, holders=holders, credentials=credentials)


def measure_evaluation() -> dict:
    """Return the server-side evaluation figures (CPU time of one thread)."""
    from sharing.core import oprf

    evaluator = _evaluator()
    requests = []
    for start in range(0, ELEMENTS, BATCH):
        size = min(BATCH, ELEMENTS - start)
        elements = [oprf.blind(f"user{start + i}@example.org".encode())[1] for i in range(size)]
        requests.append([base64.b64encode(e).decode("ascii") for e in elements])
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for texts in requests:
            elements = [base64.b64decode(t, validate=True) for t in texts]  # as the view does
            for element in elements:
                oprf.deserialize_element(element)
            answers = evaluator(elements)
            [base64.b64encode(a).decode("ascii") for a in answers]
        best = min(best, time.process_time() - started)
    rate = ELEMENTS / best
    return {
        "evaluations_per_core_s": (
            rate,
            "server-side evaluations per second per core (2 of 3 holders)",
            "/s",
        ),
        "us_per_evaluation": (1e6 / rate, "CPU time per evaluated element", "µs"),
    }


def _setup_demo(root: Path) -> tuple[str, dict[str, str], str]:
    """Seed the demo on a fresh SQLite database; return (database URL, server env, token)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    database_url = f"sqlite:///{root / 'db.sqlite3'}"
    os.environ.update(
        DATABASE_URL=database_url,
        CLEARROOM_VAR_DIR=str(root / "var"),
        CLEARROOM_GENERATE_SECRETS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as sink:
        call_command("seed_demo", "--force", stdout=sink)
    from django.contrib.auth import get_user_model

    from governance.models import Organization
    from governance.services.accounts import api_token_create
    from sharing.services.publication import marking_acknowledge

    admin = get_user_model().objects.get(username="halcyon-admin")
    for marking in ("TLP:AMBER+STRICT", "TLP:AMBER", "PAP:GREEN"):
        marking_acknowledge(actor=admin, marking=marking)
    _, token = api_token_create(
        actor=admin, user=admin, organization=Organization.objects.get(slug="halcyon"), name="b"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-" + os.urandom(24).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CLEARROOM_GENERATE_SECRETS="0",
        API_THROTTLE_USER="1000000/minute",
        CLEARROOM_OPRF_RATE_PER_MINUTE=str(max(IDENTIFIERS, 120_000)),
        LOG_LEVEL="ERROR",
    )
    return database_url, env, token


def measure_match(root: Path) -> dict:
    """Return the wall time of clearroom-match over IDENTIFIERS identifiers (a live server)."""
    from benchmarks import harness

    _, env, token = _setup_demo(root)
    from sharing.demo_match import PLANTED

    rng = random.Random(20)
    identifiers = [f"customer.{rng.getrandbits(48):x}@example.org" for _ in range(IDENTIFIERS)]
    for value in PLANTED:
        identifiers[rng.randrange(len(identifiers))] = value
    source = root / "identifiers.txt"
    source.write_text("\n".join(identifiers) + "\n")
    port = harness.free_port()
    web = harness.start(
        [harness.PY, "-m", "gunicorn", "config.wsgi", "--workers", WORKERS,
         "--bind", f"127.0.0.1:{port}", "--timeout", "600"],
        env=env, log="oprf-gunicorn",
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        harness.wait_http(f"{url}/api/v1/", web)
        server_before = _group_cpu_seconds(web.pid)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run = subprocess.run(
            [harness.PY, "-m", "sharing.core.match", str(source), "--url", url],
            env={**env, "CLEARROOM_TOKEN": token},
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (children.ru_utime - children_before.ru_utime) + (
            children.ru_stime - children_before.ru_stime
        )
        server_cpu = _group_cpu_seconds(web.pid) - server_before
    finally:
        harness.stop(web)
    found = {line.split("\t")[0] for line in run.stdout.splitlines()}
    if found != set(PLANTED):
        raise RuntimeError(f"clearroom-match found {sorted(found)}, planted {sorted(PLANTED)}")
    return {
        "match_seconds": (
            seconds,
            f"clearroom-match over {IDENTIFIERS:,} identifiers (live server)",
            "s",
        ),
        "match_per_s": (IDENTIFIERS / seconds, "identifiers checked per second", "/s"),
        "match_client_cpu_s": (client_cpu, "clearroom-match CPU time (all its processes)", "s"),
        "match_server_cpu_s": (server_cpu, "forum CPU time for the run (gunicorn workers)", "s"),
        "load_average": (os.getloadavg()[0], "machine load average (1 min) at the end", ""),
    }


def _group_cpu_seconds(group: int) -> float:
    """Return the CPU seconds (user + system) of the live processes of process group `group`."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def main(argv: list[str] | None = None) -> None:
    """Print the figures; with a path argument, also write them there as JSON (the suite)."""
    args = argv or []
    from benchmarks import harness

    figures = measure_evaluation()
    for value, label, unit in figures.values():
        print(f"  {label:<72} {value:>12,.1f} {unit}", flush=True)
    matched = measure_match(harness.BENCH_DIR / "oprf")
    for value, label, unit in matched.values():
        print(f"  {label:<72} {value:>12,.1f} {unit}", flush=True)
    figures.update(matched)
    if args:
        Path(args[0]).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
