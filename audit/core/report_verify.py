"""Check a transparency report offline: its signature, its figures, the checkpoints it cites.

Pure module: standard library and ``cryptography`` (through ``signed_note``), shipped in the
single-file verifier. ``clearroom-verify`` dispatches here for ``--report`` and
``--consistency`` (docs/transparency.md):

    clearroom-verify --key forum.pub --report report.json --consistency proof.json
    clearroom-verify BUNDLE.zip --key forum.pub --report report.json

The first checks the report's signature and that the checkpoint it cites is consistent with an
earlier published one (the proof the forum serves at /transparency/checkpoints/consistency/);
the second recomputes every figure from the events of a regulator's export and compares.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
from pathlib import Path
from typing import Any

from audit.core.bundle import Bundle, BundleError
from audit.core.canonical import canonicalize
from audit.core.merkle import Frontier, leaf_hash, verify_consistency
from audit.core.report import FORMAT, build_report, note_body
from audit.core.signed_note import (
    Checkpoint,
    NoteError,
    Verifier,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
)

_HEX64 = re.compile(r"[0-9a-f]{64}")


class ReportError(ValueError):
    """A report or proof that is malformed, not signed by the trusted key, or does not match."""


def signed_report(document: dict[str, Any], note: str) -> dict[str, Any]:
    """Return the published form of a report: the document and the signed note over it."""
    return {"report": document, "signature": note}


def check_signature(signed: Any, verifier: Verifier) -> dict[str, Any]:
    """Return the report document of ``signed`` once its signature verifies with ``verifier``."""
    if not isinstance(signed, dict) or set(signed) != {"report", "signature"}:
        raise ReportError("a signed report is an object with exactly report and signature")
    document, note = signed["report"], signed["signature"]
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReportError(f"the report is not a {FORMAT} document")
    if type(note) is not str:
        raise ReportError("the signature must be a signed note (text)")
    try:
        body, _ = open_note(note, [verifier])
        expected = note_body(document)
    except (NoteError, KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"the report signature does not verify: {exc}") from exc
    if body != expected:
        raise ReportError(
            "the report does not match its signature: its figures or checkpoint were changed "
            "after signing"
        )
    return document


def report_checkpoint(document: dict[str, Any]) -> tuple[int, bytes]:
    """Return the (size, root) of the checkpoint a report cites."""
    try:
        size, root = document["checkpoint"]["size"], document["checkpoint"]["root"]
        raw = base64.b64decode(root, validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ReportError("the report cites no well-formed checkpoint") from exc
    if type(size) is not int or size < 1 or len(raw) != 32:
        raise ReportError("the report cites no well-formed checkpoint")
    return size, raw


def check_against_bundle(document: dict[str, Any], bundle_path: str | Path) -> None:
    """Recompute the report's figures from a bundle's events and compare; raise ReportError.

    The bundle must start at seq 0 and reach the cited checkpoint (the verifier checks the
    bundle itself first); the first ``size`` entries must hash to the cited root.
    """
    size, root = report_checkpoint(document)
    try:
        minimum = document["parameters"]["min_contributors"]
        origin = document["origin"]
    except (KeyError, TypeError) as exc:
        raise ReportError("the report has no parameters.min_contributors or origin") from exc
    frontier = Frontier()
    events = []
    with Bundle(bundle_path) as bundle:
        try:
            if bundle.manifest()["from_seq"] != 0:
                raise ReportError("recomputing a report needs an export from seq 0")
            for line in bundle.all_entry_lines():
                if frontier.size == size:
                    break
                frontier.append(leaf_hash(line))
                events.append(json.loads(line))
        except BundleError as exc:
            raise ReportError(str(exc)) from exc
    if frontier.size < size:
        raise ReportError(f"the bundle ends at size {frontier.size}, before the report's {size}")
    if frontier.root() != root:
        raise ReportError(
            f"the bundle's first {size} events do not hash to the root the report cites"
        )
    expected = build_report(events, origin=origin, size=size, root=root, min_contributors=minimum)
    if canonicalize(expected) != canonicalize(document):
        differing = sorted(
            key
            for key in expected["figures"]
            if expected["figures"][key] != document.get("figures", {}).get(key)
        )
        raise ReportError(
            "the report's figures differ from those recomputed from the events"
            + (f" (in {', '.join(differing)})" if differing else "")
        )


def check_consistency(proof: Any, verifier: Verifier) -> tuple[Checkpoint, Checkpoint]:
    """Return the (old, new) checkpoints of a consistency proof once both notes and the proof
    verify; raise ReportError otherwise."""
    try:
        old = parse_checkpoint(open_note(proof["old"]["note"], [verifier])[0])
        new = parse_checkpoint(open_note(proof["new"]["note"], [verifier])[0])
        hashes = proof["proof"]
        if not all(type(h) is str and _HEX64.fullmatch(h) for h in hashes):
            raise ReportError("proof hashes must be 64 lowercase hex digits")
    except (NoteError, KeyError, TypeError) as exc:
        raise ReportError(f"the consistency proof is not valid: {exc}") from exc
    if old.origin != new.origin:
        raise ReportError("the two checkpoints belong to different logs")
    if not verify_consistency(
        old.size, new.size, old.root, new.root, [bytes.fromhex(h) for h in hashes]
    ):
        raise ReportError(
            f"the log was rewritten: checkpoint {old.size} is not a prefix of checkpoint {new.size}"
        )
    return old, new


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReportError(f"{path} is not JSON") from exc


def run(key_text: str, report_path: str | None, consistency_path: str | None, bundle: str | None):
    """Check what the command line gave; print one line per check; return the exit status."""
    try:
        verifier = parse_verifier_key(key_text)
        cited = None
        if report_path is not None:
            document = check_signature(_read_json(report_path), verifier)
            cited = report_checkpoint(document)
            print(f"OK: report signed by {verifier.name}, cites checkpoint size {cited[0]}")
            if bundle is not None:
                check_against_bundle(document, bundle)
                print(f"OK: every figure recomputed from the first {cited[0]} events matches")
        if consistency_path is not None:
            old, new = check_consistency(_read_json(consistency_path), verifier)
            if cited is not None and cited not in {(old.size, old.root), (new.size, new.root)}:
                raise ReportError("the consistency proof does not involve the report's checkpoint")
            print(f"OK: checkpoint {old.size} is consistent with checkpoint {new.size}")
    except ReportError as exc:
        print(f"FAIL: {exc}")
        return 1
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
