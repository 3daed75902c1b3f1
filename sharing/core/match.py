"""`clearroom-match FILE`: which of my identifiers appear in the feed, without disclosing them.

Runs on a member lab's machine with only its API token (CLEARROOM_URL, CLEARROOM_TOKEN, or
--url/--token). For each local identifier (one a line) it computes the canonical form the
forum pseudonymises, blinds it (RFC 9497: ``r·H(x)``), has the blinded elements evaluated by
the forum's share holders through ``POST /api/v1/oprf/evaluate/``, unblinds the answers into
``oprf:<key id>:<hex>`` pseudonyms and compares them locally with the pseudonyms in the
indicators its organisation may read (``GET /api/v1/indicators/``). The forum sees random
group elements only; the lab learns which of its own values appear, and in which indicators.

Pure module (no Django): it needs this package's cores and libsodium (rbcl), nothing else.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, TextIO

from sharing.core import oprf
from sharing.core.redaction import RedactionError, normalize_value

DATATYPES = ("auto", "email", "string", "ipv4", "ipv6", "domain")
DEFAULT_BATCH = 5000
IN_FLIGHT = 2
EVALUATE_PATH = "/api/v1/oprf/evaluate/"
FEED_PATH = "/api/v1/indicators/"
_TOKEN_IN_TEXT = re.compile(r"oprf:[A-Za-z0-9._-]{1,64}:[0-9a-f]{128}")
# Pseudonyms of before #20 (HMAC): a lab cannot check its values against these.
_OLD_TOKEN_IN_TEXT = re.compile(r"hmac:[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}")


class MatchError(Exception):
    """Raised for what stops a run (a refused token, a rate limit, an unreachable forum)."""


# --------------------------------------------------------------------------------------------
# Local work: canonical forms, blinding, unblinding, comparison


def guess_datatype(value: str) -> str:
    """Return the datatype an identifier is pseudonymised as when none is given."""
    if "@" in value:
        return "email"
    try:
        return "ipv4" if ipaddress.ip_address(value.strip()).version == 4 else "ipv6"
    except ValueError:
        return "string"


def canonical_form(value: str, datatype: str = "auto") -> str:
    """Return the canonical string the forum pseudonymises `value` as (its OPRF input)."""
    chosen = guess_datatype(value) if datatype == "auto" else datatype
    try:
        return normalize_value(value, chosen)
    except RedactionError:
        return normalize_value(value, "string")


def read_identifiers(lines: Iterable[str]) -> list[str]:
    """Return the identifiers of a file: one a line, blank lines skipped, order kept."""
    return [line.strip() for line in lines if line.strip()]


@dataclass
class Blinded:
    """A batch's inputs and blinds, kept on the lab's machine, and the elements sent."""

    inputs: list[bytes]
    blinds: list[bytes] = field(repr=False)
    elements: list[bytes]


def blind_batch(canonicals: Sequence[str]) -> Blinded:
    """Return fresh blinds and blinded elements for canonical values."""
    inputs = [c.encode("utf-8") for c in canonicals]
    pairs = [oprf.blind(value) for value in inputs]
    return Blinded(inputs, [r for r, _ in pairs], [b for _, b in pairs])


def unblind_batch(batch: Blinded, key_id: str, evaluated: Sequence[bytes]) -> list[str]:
    """Return the pseudonym tokens of a batch from the forum's evaluated elements."""
    if len(evaluated) != len(batch.inputs):
        raise MatchError("the forum answered a different number of elements")
    outputs = oprf.finalize_many(batch.inputs, batch.blinds, evaluated)
    return [oprf.token_text(key_id, output) for output in outputs]


def payload_tokens(payload: Any) -> set[str]:
    """Return every OPRF pseudonym in a redacted payload (fields, lists and free text)."""
    return set(_TOKEN_IN_TEXT.findall(json.dumps(payload)))


def uncheckable_tokens(feed: Iterable[tuple[str, Any]], key_id: str) -> int:
    """Return how many pseudonyms in a feed are under another key than `key_id` (older keys)."""
    count = 0
    for _, payload in feed:
        text = json.dumps(payload)
        count += len(_OLD_TOKEN_IN_TEXT.findall(text))
        count += sum(1 for t in _TOKEN_IN_TEXT.findall(text) if not t.startswith(f"oprf:{key_id}:"))
    return count


@dataclass(frozen=True)
class Match:
    """One local identifier found in the feed, with the indicators that carry it."""

    identifier: str
    indicators: tuple[str, ...]


def find_matches(
    identifiers: Sequence[str], tokens: Sequence[str], feed: Iterable[tuple[str, Any]]
) -> list[Match]:
    """Return the identifiers whose token appears in a feed of (indicator id, payload)."""
    wanted: dict[str, list[str]] = {}
    for identifier, token in zip(identifiers, tokens, strict=True):
        wanted.setdefault(token, []).append(identifier)
    found: dict[str, list[str]] = {}
    for indicator_id, payload in feed:
        for token in payload_tokens(payload) & wanted.keys():
            found.setdefault(token, []).append(indicator_id)
    return [
        Match(identifier, tuple(sorted(set(found[token]))))
        for token, names in wanted.items()
        if token in found
        for identifier in names
    ]


# --------------------------------------------------------------------------------------------
# The forum's API


@dataclass
class Client:
    """The two API calls a run makes, with the member's token only."""

    url: str
    token: str
    timeout: float = 120.0

    def _request(self, method: str, target: str, body: dict | None = None) -> dict:
        address = urllib.parse.urljoin(self.url.rstrip("/") + "/", target.lstrip("/"))
        if urllib.parse.urlsplit(address).scheme not in ("http", "https"):
            raise MatchError(f"not an http(s) address: {address}")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        # The scheme is checked just above: only http(s) is ever opened.
        request = urllib.request.Request(address, data=data, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise MatchError(_http_error(exc)) from None
        except urllib.error.URLError as exc:
            raise MatchError(f"cannot reach {self.url}: {exc.reason}") from None

    def evaluate(self, elements: Sequence[bytes]) -> tuple[str, list[bytes]]:
        """Return (key id, evaluated elements) for blinded elements."""
        body = {"blinded_elements": [base64.b64encode(e).decode("ascii") for e in elements]}
        answer = self._request("POST", EVALUATE_PATH, body)
        evaluated = [base64.b64decode(e) for e in answer["evaluated_elements"]]
        return answer["key_id"], evaluated

    def feed(self) -> Iterator[tuple[str, Any]]:
        """Yield (indicator id, redacted payload) of every indicator the member may read."""
        target: str | None = FEED_PATH
        while target:
            page = self._request("GET", target)
            for item in page.get("results", []):
                yield item.get("stix_id") or str(item.get("id")), item.get("redacted_payload")
            target = page.get("next")


def _http_error(exc: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(exc.read()).get("detail", "")
    except (ValueError, AttributeError):
        detail = ""
    retry = exc.headers.get("Retry-After") if exc.headers else None
    suffix = f" (retry after {retry} s)" if retry else ""
    return f"the forum answered {exc.code}: {detail}{suffix}".rstrip(": ")


def pseudonyms(
    client: Client, canonicals: Sequence[str], batch_size: int, jobs: int = 1
) -> list[str]:
    """Return the OPRF pseudonyms of canonical values, evaluated by the forum in batches.

    Blinding and unblinding run on `jobs` processes of this machine while up to two batches
    are with the forum (its web workers), so local and remote work overlap.
    """
    chunks = [canonicals[i : i + batch_size] for i in range(0, len(canonicals), batch_size)]
    if jobs <= 1 or len(chunks) <= 1:
        cpu: Executor = ThreadPoolExecutor(max_workers=1)
    else:
        # spawn: the caller may be a threaded program (a test's live server), where fork is unsafe.
        cpu = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))
    with cpu, ThreadPoolExecutor(max_workers=IN_FLIGHT) as net:
        blinding = [cpu.submit(blind_batch, chunk) for chunk in chunks]
        asked = []
        for future in blinding:
            batch = future.result()
            asked.append((batch, net.submit(client.evaluate, batch.elements)))
        unblinding = [cpu.submit(unblind_batch, batch, *answer.result()) for batch, answer in asked]
        return [token for future in unblinding for token in future.result()]


def run(
    identifiers: Sequence[str],
    client: Client,
    *,
    datatype: str = "auto",
    batch_size: int = DEFAULT_BATCH,
    jobs: int = 1,
) -> tuple[list[Match], int]:
    """Return the matches of `identifiers` in the feed the client's organisation may read, and
    how many of the feed's pseudonyms are under older keys (they cannot be checked)."""
    canonicals = [canonical_form(value, datatype) for value in identifiers]
    tokens = pseudonyms(client, canonicals, batch_size, jobs)
    feed = list(client.feed())
    key_id = tokens[0].split(":")[1] if tokens else ""
    return find_matches(identifiers, tokens, feed), uncheckable_tokens(feed, key_id)


# --------------------------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clearroom-match",
        description="Check which of your identifiers appear in the Clearroom feed, without "
        "sending them: they are blinded before they leave this machine.",
    )
    parser.add_argument("file", help="identifiers, one a line ('-' for standard input)")
    parser.add_argument("--url", default=os.environ.get("CLEARROOM_URL", "http://127.0.0.1:8000"))
    parser.add_argument(
        "--token", default=os.environ.get("CLEARROOM_TOKEN"), help="or CLEARROOM_TOKEN"
    )
    parser.add_argument("--datatype", choices=DATATYPES, default="auto")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="processes that blind and unblind (default: up to 4 cores)",
    )
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run `clearroom-match`; print one line per match (identifier, tab, indicator ids)."""
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    if not args.token:
        print("clearroom-match: give an API token (--token or CLEARROOM_TOKEN)", file=sys.stderr)
        return 2
    if not 1 <= args.batch_size <= 10_000:
        print("clearroom-match: --batch-size must be 1..10000", file=sys.stderr)
        return 2
    try:
        if args.file == "-":
            identifiers = read_identifiers(sys.stdin)
        else:
            with open(args.file, encoding="utf-8") as handle:
                identifiers = read_identifiers(handle)
    except OSError as exc:
        print(f"clearroom-match: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        matches, uncheckable = run(
            identifiers,
            Client(args.url, args.token),
            datatype=args.datatype,
            batch_size=args.batch_size,
            jobs=max(1, args.jobs),
        )
    except MatchError as exc:
        print(f"clearroom-match: {exc}", file=sys.stderr)
        return 1
    for match in matches:
        print(f"{match.identifier}\t{' '.join(match.indicators)}", file=out)
    elapsed = time.perf_counter() - started
    print(
        f"clearroom-match: {len(identifiers)} identifiers checked, {len(matches)} found "
        f"({elapsed:.1f} s)",
        file=sys.stderr,
    )
    if uncheckable:
        print(
            f"clearroom-match: {uncheckable} pseudonyms in the feed are under older keys and "
            "cannot be checked (they are re-keyed only in the forum's correlation index)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
