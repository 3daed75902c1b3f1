"""Process and database plumbing of the suite: fresh databases, servers, an HTTP client, timing.

Everything the suite starts is registered here and stopped by `cleanup()`, which the runner calls
in a `finally`, so an interrupted run leaves no server behind and no bench database.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

_processes: list[subprocess.Popen] = []
_databases: list[str] = []


def database_url(name: str) -> str:
    """Return the URL of database `name` on the bench server."""
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def fresh_database(name: str) -> str:
    """Drop and create database `name`; return its URL. It is dropped again by `cleanup()`."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    if name not in _databases:
        _databases.append(name)
    return database_url(name)


def drop_databases() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for name in _databases:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _databases.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(argv: list[str], *, env: dict[str, str], log: str, cwd: Path = ROOT) -> subprocess.Popen:
    """Start a process in its own process group, its output to var/bench/<log>.log."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = open(BENCH_DIR / f"{log}.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    _processes.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process the suite started, and its children (its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process in _processes:
        _processes.remove(process)


def cleanup() -> None:
    """Stop every process the suite started and drop every database it created."""
    for process in list(reversed(_processes)):
        stop(process)
    drop_databases()


def wait_http(url: str, process: subprocess.Popen, timeout: float = 60, **kwargs) -> None:
    """Wait until `url` answers (any status), or fail when the server died or timed out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see var/bench/*.log")
        try:
            requests.get(url, timeout=10, **kwargs)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def python_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(extra)
    return env


PY = sys.executable


@dataclass
class Latencies:
    """Request latencies in seconds, with the percentiles the report prints."""

    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    def summary_ms(self) -> dict[str, float]:
        return {
            "p50_ms": self.pct(50) * 1000,
            "p95_ms": self.pct(95) * 1000,
            "p99_ms": self.pct(99) * 1000,
            "requests": len(self.samples),
        }


def median(values: list[float]) -> float:
    return statistics.median(values)
