"""One OPRF key share holder as its own service, and the forum's client for it.

Pure module: standard library and the OPRF core only, so a volunteer member runs it on its own
machine without Django, a database or the forum's settings::

    clearroom-share-holder --share volunteer-1.share --port 8461

The share file is the one ``manage.py oprf_deal_key`` wrote for that holder (index, scalar and
the SHA-256 of the forum's credential for it). The service answers one request,
``POST /evaluate`` with ``Authorization: Bearer <credential>`` and the JSON body
``{"participants": [1, 3], "elements": ["<base64 blinded element>", ...]}``, with
``{"elements": [...]}``: this holder's (λ_i·k_i)·B for each element. It sees only blinded
elements, so it learns nothing of the identifiers, and without t-1 other holders the forum
learns nothing of its share. Anything else is refused: 401 for a wrong credential, 400 for a
malformed body, 413 above the size limit, 404 for another path.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sharing.core import oprf

PATH = "/evaluate"
# 10,000 elements of 44 base64 characters with JSON punctuation stay under 1 MB.
MAX_BODY = 1 << 20
MAX_ELEMENTS = 10_000


class HolderUnavailable(ConnectionError):
    """The holder could not be reached or did not answer with a usable evaluation."""


class HolderRefused(PermissionError):
    """The holder refused the forum's credential."""


@dataclass(frozen=True)
class HolderShare:
    """What a holder's service loads from its share file."""

    name: str
    share: oprf.KeyShare = field(repr=False)
    credential_sha256: str = field(repr=False)

    @classmethod
    def load(cls, path: Path) -> HolderShare:
        data = json.loads(path.read_text())
        share = oprf.KeyShare(index=int(data["index"]), scalar=bytes.fromhex(data["share"]))
        return cls(str(data["holder"]), share, str(data["credential_sha256"]))

    def accepts(self, credential: str) -> bool:
        presented = hashlib.sha256(credential.encode("utf-8")).hexdigest()
        return hmac.compare_digest(presented, self.credential_sha256)


def answer(holder: HolderShare, authorization: str, body: bytes) -> tuple[int, dict]:
    """Return (HTTP status, JSON answer) for one evaluation request to `holder`."""
    scheme, _, credential = authorization.partition(" ")
    if scheme != "Bearer" or not holder.accepts(credential.strip()):
        return HTTPStatus.UNAUTHORIZED, {"error": "credential refused"}
    try:
        request = json.loads(body)
        participants = [int(p) for p in request["participants"]]
        encoded = request["elements"]
        if not isinstance(encoded, list) or len(encoded) > MAX_ELEMENTS:
            raise ValueError(f"elements must be a list of at most {MAX_ELEMENTS}")
        elements = [base64.b64decode(e, validate=True) for e in encoded]
        partials = oprf.partial_evaluate(holder.share, participants, elements)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        return HTTPStatus.BAD_REQUEST, {"error": str(exc) or "malformed request"}
    return HTTPStatus.OK, {"elements": [base64.b64encode(p).decode("ascii") for p in partials]}


def make_server(holder: HolderShare, host: str, port: int) -> ThreadingHTTPServer:
    """Return an HTTP server answering evaluation requests for `holder` (not yet serving)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "clearroom-share-holder"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path != PATH:
                return self._send(HTTPStatus.NOT_FOUND, {"error": "not found"})
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                return self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
            body = self.rfile.read(length)
            status, payload = answer(holder, self.headers.get("Authorization", ""), body)
            self._send(status, payload)

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            # Requests carry only blinded elements; log the line without the body.
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return ThreadingHTTPServer((host, port), Handler)


def remote_partial_evaluate(
    url: str,
    credential: str,
    participants: Sequence[int],
    blinded_elements: Sequence[bytes],
    *,
    timeout: float = 10.0,
) -> list[bytes]:
    """Ask the holder at `url` for its partial evaluations (the forum's side)."""
    body = json.dumps(
        {
            "participants": list(participants),
            "elements": [base64.b64encode(e).decode("ascii") for e in blinded_elements],
        }
    ).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
        url.rstrip("/") + PATH,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {credential}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer_ = json.loads(response.read())
        partials = [base64.b64decode(e, validate=True) for e in answer_["elements"]]
    except urllib.error.HTTPError as exc:
        if exc.code == HTTPStatus.UNAUTHORIZED:
            raise HolderRefused(f"share holder at {url} refused the credential") from None
        raise HolderUnavailable(f"share holder at {url} answered {exc.code}") from None
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise HolderUnavailable(f"share holder at {url} did not answer: {exc}") from None
    if len(partials) != len(blinded_elements):
        raise HolderUnavailable(f"share holder at {url} answered {len(partials)} elements")
    return partials


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="clearroom-share-holder",
        description="Serve one OPRF key share's partial evaluations to the forum.",
    )
    parser.add_argument("--share", required=True, type=Path, help="this holder's .share file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8461)
    args = parser.parse_args(argv)
    try:
        holder = HolderShare.load(args.share)
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot read the share file {args.share}: {exc}", file=sys.stderr)
        return 2
    server = make_server(holder, args.host, args.port)
    print(f"share holder {holder.name} (index {holder.share.index}) on {args.host}:{args.port}")
    sys.stdout.flush()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
