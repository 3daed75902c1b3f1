"""The one TAXII 2.1 load generator, run unchanged against Clearroom and medallion.

`requests` sessions with keep-alive, one per client thread. Ingest POSTs envelopes and, when the
server answers `pending`, polls the status resource until it is `complete`: an object counts
only once the server reports it done. Reads page through a collection 100 objects at a time,
starting from `added_after` and following `next`, and keep every request's latency.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty, Queue

import requests

from benchmarks.harness import Latencies

TAXII = "application/taxii+json;version=2.1"
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Server:
    """Where a TAXII server lives and how to authenticate to it."""

    name: str
    discovery: str  # URL of the discovery resource
    api_root: str  # URL of the API root, ending in /
    headers: dict[str, str]

    def objects_url(self, collection: str) -> str:
        return f"{self.api_root}collections/{collection}/objects/"

    def status_url(self, status_id: str) -> str:
        return f"{self.api_root}status/{status_id}/"

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({"Accept": TAXII, **self.headers})
        return session


@dataclass
class IngestResult:
    objects: int
    envelope: int
    seconds: float
    succeeded: int
    failed: int
    post_latency: Latencies

    @property
    def rate(self) -> float:
        return self.objects / self.seconds


def _wait_complete(session: requests.Session, server: Server, status: dict) -> dict:
    while status.get("status") != "complete":
        time.sleep(POLL_SECONDS)
        answer = session.get(server.status_url(status["id"]), timeout=600)
        answer.raise_for_status()
        status = answer.json()
    return status


def ingest(
    server: Server, collection: str, objects: list[dict], *, envelope: int, threads: int
) -> IngestResult:
    """POST `objects` in envelopes of `envelope` from `threads` clients; wait until all done."""
    work: Queue[list[dict]] = Queue()
    for offset in range(0, len(objects), envelope):
        work.put(objects[offset : offset + envelope])
    counts = {"succeeded": 0, "failed": 0}
    latency = Latencies()
    lock = threading.Lock()
    errors: list[BaseException] = []
    url = server.objects_url(collection)

    def client() -> None:
        session = server.session()
        session.headers["Content-Type"] = TAXII
        try:
            while True:
                try:
                    batch = work.get_nowait()
                except Empty:
                    return
                body = json.dumps({"objects": batch})
                began = time.perf_counter()
                answer = session.post(url, data=body, timeout=600)
                took = time.perf_counter() - began
                if answer.status_code not in (200, 202):
                    raise RuntimeError(f"{server.name} POST {answer.status_code}: {answer.text}")
                status = _wait_complete(session, server, answer.json())
                with lock:
                    latency.add(took)
                    counts["succeeded"] += int(status.get("success_count", 0))
                    counts["failed"] += int(status.get("failure_count", 0))
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return IngestResult(
        objects=len(objects),
        envelope=envelope,
        seconds=seconds,
        succeeded=counts["succeeded"],
        failed=counts["failed"],
        post_latency=latency,
    )


@dataclass
class ReadResult:
    objects: int
    pages: int
    seconds: float
    latency: Latencies
    complete: bool  # False when the page budget ran out before the end of the collection


def read_all(
    server: Server,
    collection: str,
    *,
    added_after: str | None,
    page: int = 100,
    max_pages: int | None = None,
    timeout: float = 120,
    on_page: Callable[[dict], None] | None = None,
) -> ReadResult:
    """Read the collection from `added_after`, `page` objects a request, following `next`."""
    session = server.session()
    url = server.objects_url(collection)
    since = {"added_after": added_after} if added_after else {}
    params: dict[str, str | int] = {**since, "limit": page}
    latency = Latencies()
    count = pages = 0
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        answer = session.get(url, params=params, timeout=timeout)
        latency.add(time.perf_counter() - began)
        answer.raise_for_status()
        body = answer.json()
        if on_page is not None:
            on_page(body)
        count += len(body.get("objects", []))
        pages += 1
        if not body.get("more") or not body.get("next"):
            return ReadResult(count, pages, time.perf_counter() - started, latency, True)
        if max_pages is not None and pages >= max_pages:
            return ReadResult(count, pages, time.perf_counter() - started, latency, False)
        params = {**since, "limit": page, "next": body["next"]}


def first_byte(server: Server, url: str, *, requests_count: int = 200) -> Latencies:
    """Return the time to first byte of `url` (headers received), keep-alive, sequential."""
    session = server.session()
    session.get(url, timeout=30).raise_for_status()
    latency = Latencies()
    for _ in range(requests_count):
        answer = session.get(url, timeout=30, stream=True)
        latency.add(answer.elapsed.total_seconds())
        answer.content  # noqa: B018 (drain the body so the connection is reused)
        answer.raise_for_status()
    return latency
