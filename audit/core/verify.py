"""Verify a Clearroom audit export offline: ``clearroom-verify BUNDLE --key PUBKEY``.

The same verifier runs as ``python -m audit.core.verify`` in a checkout and as the single file
``clearroom_verify.py`` every export bundle ships (``audit/core/standalone.py``). Needs only the
standard library and ``cryptography``, and trusts only the key the regulator passes with
``--key``. Exit status: 0 verified, 1 verification failed, 2 usage or unreadable
file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from audit.core.bundle import (
    ENTRIES,
    FORMAT_V2,
    MANIFEST,
    PREFIX,
    PROOFS,
    ZERO_HASH,
    Bundle,
    BundleError,
)
from audit.core.canonical import parse_canonical, parse_canonical_at
from audit.core.merkle import Frontier, subtree_levels, subtrees_at, verify_consistency
from audit.core.report_verify import run as run_report_checks
from audit.core.signed_note import (
    ALG_ED25519,
    Checkpoint,
    NoteError,
    Verifier,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    split_note,
)

_KEYS = ("action", "actor", "data", "object", "prev", "recorded_at", "seq", "v")
_ACTOR_KEYS = ("org", "role", "user_id", "username")
_OBJECT_KEYS = ("id", "type")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_RECORDED_AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


# The fast path of a line (`_fast_entry`). A leaf's envelope has fixed keys in a fixed order, so
# one regular expression per side of `data` proves both its shape and its canonical form; `data`
# is decoded and re-encoded on its own. The expressions accept only RFC 8785 forms: strings
# escape exactly `"`, `\` and control characters (\b \f \n \r \t, else \u00xx in lowercase hex)
# and hold every other character literally; integers have no sign, leading zero or exponent
# beyond what RFC 8785 writes, and at most 15 digits (well inside ±(2**53 - 1)). A line they
# do not accept is not refused: it goes through the complete check (`parse_canonical` and
# `entry_problem`), which refuses it with the reason or accepts it (e.g. a 16-digit user id).
_RUN = r'[^"\\\x00-\x1f]*+'  # possessive: nothing after a run can be in it, so no backtracking
_ESCAPE = r"\\(?:[\"\\bfnrt]|u00(?:0[0-7be-f]|1[0-9a-f]))"
_STR = f'"{_RUN}(?:{_ESCAPE}{_RUN})*"'
_STR_OR_NULL = f"(?:{_STR}|null)"
_FAST_HEAD = re.compile(
    rf'\{{"action":"(?=[^"]){_RUN}(?:{_ESCAPE}{_RUN})*",'
    rf'"actor":\{{"org":{_STR_OR_NULL},"role":{_STR_OR_NULL},'
    rf'"user_id":(?:null|0|-?[1-9][0-9]{{0,14}}),"username":{_STR}\}},"data":(?=\{{)'
)
_FAST_TAIL = re.compile(
    rf',"object":\{{"id":{_STR_OR_NULL},"type":{_STR_OR_NULL}\}},"prev":"([0-9a-f]{{64}})",'
    r'"recorded_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z",'
    r'"seq":(0|[1-9][0-9]{0,14}),"v":1\}'
)


def _fast_entry(line: bytes) -> tuple[int, str] | None:
    """Return (seq, prev) of a canonical, well-formed leaf, or None to check it the long way.

    Everything this accepts, `parse_canonical` and `entry_problem` accept with the same seq
    and prev (tests/audit/test_verify_fast.py checks it on generated and mutated leaves).
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _FAST_HEAD.match(text)
    if head is None:
        return None
    try:
        data, end = parse_canonical_at(text, head.end())
    except ValueError:
        return None
    tail = _FAST_TAIL.fullmatch(text, end)
    if tail is None or type(data) is not dict:
        return None
    return int(tail[2]), tail[1]


@dataclass
class Report:
    """The outcome of verifying one bundle."""

    ok: bool
    entries: int = 0
    checkpoints_checked: int = 0
    first_bad_seq: int | None = None
    reason: str = ""
    from_seq: int | None = None
    to_seq: int | None = None
    consistent_with: int | None = None

    def summary(self) -> str:
        """Return the one line the command prints."""
        if not self.ok:
            where = "" if self.first_bad_seq is None else f" at seq {self.first_bad_seq}"
            return f"FAIL{where}: {self.reason}"
        line = (
            f"OK: {self.entries} entries seq {self.from_seq}..{self.to_seq}, "
            f"{self.checkpoints_checked} checkpoints verified"
        )
        if self.consistent_with is not None:
            line += f", consistent with checkpoint of size {self.consistent_with}"
        return line


class _Fail(Exception):
    def __init__(self, reason: str, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seq = seq


def _is_int(value: object) -> bool:
    return type(value) is int


def _opt_str(value: object) -> bool:
    return value is None or type(value) is str


def entry_problem(entry: Any) -> str | None:
    """Return what is wrong with the shape of a parsed leaf, or None if it is well formed."""
    if type(entry) is not dict or tuple(entry) != _KEYS:
        return f"an entry must be an object with exactly the keys {', '.join(_KEYS)}"
    if entry["v"] != 1 or not _is_int(entry["v"]):
        return f"unsupported entry version {entry['v']!r}"
    if not _is_int(entry["seq"]) or entry["seq"] < 0:
        return "seq must be a non-negative integer"
    if type(entry["prev"]) is not str or not _HEX64.fullmatch(entry["prev"]):
        return "prev must be 64 lowercase hex digits"
    if type(entry["recorded_at"]) is not str or not _RECORDED_AT.fullmatch(entry["recorded_at"]):
        return "recorded_at must be YYYY-MM-DDTHH:MM:SS.ffffffZ"
    actor = entry["actor"]
    if (
        type(actor) is not dict
        or tuple(actor) != _ACTOR_KEYS
        or not (actor["user_id"] is None or _is_int(actor["user_id"]))
        or type(actor["username"]) is not str
        or not _opt_str(actor["org"])
        or not _opt_str(actor["role"])
    ):
        return "actor must be {user_id: int|null, username: str, org: str|null, role: str|null}"
    if type(entry["action"]) is not str or not entry["action"]:
        return "action must be a non-empty string"
    obj = entry["object"]
    if type(obj) is not dict or tuple(obj) != _OBJECT_KEYS or not all(map(_opt_str, obj.values())):
        return "object must be {type: str|null, id: str|null}"
    if type(entry["data"]) is not dict:
        return "data must be an object"
    return None


def _load_json(bundle: Bundle, name: str) -> Any:
    try:
        return json.loads(bundle.read(name))
    except ValueError as exc:
        raise _Fail(f"{name} is not valid JSON") from exc


def _check_manifest(bundle: Bundle) -> dict[str, Any]:
    try:
        manifest = bundle.manifest()
    except BundleError as exc:
        raise _Fail(str(exc)) from exc
    files: dict[str, str] = manifest["files"]
    chunked = manifest["format"] == FORMAT_V2
    for required in (PREFIX, PROOFS) if chunked else (ENTRIES, PREFIX, PROOFS):
        if required not in files:
            raise _Fail(f"manifest.json does not list {required}")
    entries = {name for _, name in bundle.entry_chunks()} if chunked else {ENTRIES}
    if chunked and (not entries or ENTRIES in bundle.names):
        raise _Fail("a format 2 bundle holds its entries in entries/<seq>.jsonl chunks")
    present = set(bundle.names) - {MANIFEST}
    if present != set(files):
        extra, missing = sorted(present - set(files)), sorted(set(files) - present)
        raise _Fail(f"manifest does not match the bundle (unlisted {extra}, missing {missing})")
    for name in sorted(files):
        # Entries are hashed while they are read (_entry_roots).
        if name not in entries and bundle.sha256(name) != files[name]:
            raise _Fail(f"{name} does not match its SHA-256 in manifest.json")
    return manifest


def _load_prefix(bundle: Bundle) -> tuple[Frontier, str]:
    prefix = _load_json(bundle, PREFIX)
    if not isinstance(prefix, dict) or set(prefix) != {"size", "frontier", "prev"}:
        raise _Fail("prefix.json must hold size, frontier and prev")
    try:
        frontier = Frontier.from_json({"size": prefix["size"], "hashes": prefix["frontier"]})
    except ValueError as exc:
        raise _Fail(f"prefix.json: {exc}") from exc
    prev = prefix["prev"]
    if (
        type(prev) is not str
        or not _HEX64.fullmatch(prev)
        or (frontier.size == 0) != (prev == ZERO_HASH)
    ):
        raise _Fail("prefix.json prev must be the hash of the leaf before the range")
    return frontier, prev


def _load_checkpoints(
    bundle: Bundle, verifier: Verifier, origin: str, from_seq: int
) -> dict[int, Checkpoint]:
    checkpoints = {}
    for size, name in sorted(bundle.checkpoint_names().items()):
        try:
            body, _ = open_note(bundle.read(name).decode("utf-8"), [verifier])
            checkpoint = parse_checkpoint(body)
        except (NoteError, UnicodeDecodeError) as exc:
            raise _Fail(f"{name}: {exc}") from exc
        if checkpoint.size != size or checkpoint.origin != origin:
            raise _Fail(f"{name} is signed for {checkpoint.origin} size {checkpoint.size}")
        if size <= from_seq:
            raise _Fail(f"{name} lies before the exported range")
        checkpoints[size] = checkpoint
    if not checkpoints:
        raise _Fail("the bundle holds no checkpoint")
    return checkpoints


def _load_proofs(bundle: Bundle) -> dict[int, tuple[int, list[bytes]]]:
    proofs = _load_json(bundle, PROOFS)
    found = {}
    try:
        for item in proofs:
            hashes = item["proof"]
            if not all(type(h) is str and _HEX64.fullmatch(h) for h in hashes):
                raise ValueError
            if not (_is_int(item["old_size"]) and _is_int(item["new_size"])):
                raise ValueError
            found[item["old_size"]] = (item["new_size"], [bytes.fromhex(h) for h in hashes])
    except (TypeError, KeyError, ValueError) as exc:
        raise _Fail("proofs.json must be a list of {old_size, new_size, proof: [hex]}") from exc
    return found


def _scan_entries(
    lines: Iterable[bytes],
    frontier: Frontier,
    prev_hex: str,
    final_size: int,
    wanted: set[int],
) -> dict[int, bytes]:
    """Check every line and return the recomputed Merkle root at each size in ``wanted``."""
    roots: dict[int, bytes] = {}
    if frontier.size in wanted:
        roots[frontier.size] = frontier.root()
    sha256 = hashlib.sha256
    append = frontier.append
    fast_entry = _fast_entry
    start = seq = frontier.size
    pending: int | None = None  # seq whose prev broke; the next line says which entry changed
    last_line = b""
    last_prev = ""
    try:
        for line in lines:
            if seq >= final_size:
                raise _Fail(
                    f"entries go beyond the final signed checkpoint (size {final_size})", seq
                )
            fast = fast_entry(line)
            if fast is None:
                try:
                    entry = parse_canonical(line)
                except ValueError as exc:
                    raise _Fail(f"entry is not canonical JSON ({exc})", pending or seq) from exc
                problem = entry_problem(entry)
                if problem:
                    raise _Fail(problem, pending or seq)
                found, prev = entry["seq"], entry["prev"]
            else:
                found, prev = fast
            if pending is not None:
                if found == seq and prev == prev_hex:
                    raise _Fail(
                        f"entry was altered: its hash no longer matches the prev recorded by "
                        f"seq {pending}",
                        pending - 1,
                    )
                raise _Fail(f"prev does not match the hash of seq {pending - 1}", pending)
            if found != seq:
                if found == seq - 1 and prev == last_prev and line != last_line:
                    raise _Fail(f"two different entries claim seq {found}", found)
                if found < seq:
                    raise _Fail(f"expected seq {seq}, found seq {found} again (out of order)", seq)
                raise _Fail(f"seq {seq} is missing (found seq {found})", seq)
            leaf = sha256(b"\x00" + line).digest()
            if prev != prev_hex:
                if seq == start:
                    raise _Fail("prev does not match prefix.json (hash of the seq before)", seq)
                pending = seq
            append(leaf)
            prev_hex, last_prev, last_line = leaf.hex(), prev, line
            seq += 1
            if seq in wanted:
                roots[seq] = frontier.root()
    except BundleError as exc:
        raise _Fail(str(exc), seq - 1) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _Fail(f"the entries are corrupt in the zip ({exc})", seq) from exc
    if pending is not None:
        raise _Fail(
            f"seq {pending - 1} or the prev of seq {pending} was altered (the chain breaks there)",
            pending - 1,
        )
    if seq < final_size:
        raise _Fail(f"entries end early: the final signed checkpoint covers {final_size}", seq)
    return roots


def _first_root_mismatch(
    checkpoints: dict[int, Checkpoint], roots: dict[int, bytes], from_seq: int
) -> None:
    good = from_seq
    for size in sorted(checkpoints):
        if roots[size] != checkpoints[size].root:
            raise _Fail(
                f"the Merkle root of the first {size} entries is not the signed one: an entry "
                f"in seq {good}..{size - 1} differs from what was signed",
                good,
            )
        good = size


def verify_bundle(
    path: str | Path | IO[bytes],
    verifier_key_text: str,
    since_text: str | None = None,
    *,
    processes: int | None = None,
) -> Report:
    """Verify the bundle at ``path`` against the trusted key and optional older checkpoint.

    Raise ValueError for a malformed key or ``since_text``, and OSError or
    ``zipfile.BadZipFile`` when the bundle cannot be opened; report everything else.
    ``processes``: how many processes check a format 2 bundle's chunks (default: one a CPU).
    """
    verifier = parse_verifier_key(verifier_key_text)
    if verifier.alg != ALG_ED25519:
        raise NoteError("--key must be the log's Ed25519 note key (type 0x01)")
    if since_text is not None:
        body, _ = split_note(since_text)
        parse_checkpoint(body)
    report = Report(ok=False)
    with Bundle(path) as bundle:
        try:
            _verify(bundle, verifier, since_text, report, _Source(path, processes))
        except _Fail as failure:
            report.reason, report.first_bad_seq = failure.reason, failure.seq
            return report
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            report.reason = f"the zip file is corrupt ({exc})"
            return report
    report.ok = True
    return report


def _verify(
    bundle: Bundle, verifier: Verifier, since_text: str | None, report: Report, source: _Source
) -> None:
    manifest = _check_manifest(bundle)
    origin = manifest["origin"]
    frontier, prev = _load_prefix(bundle)
    from_seq = frontier.size
    if manifest["from_seq"] != from_seq:
        raise _Fail("manifest.json from_seq does not match prefix.json")
    checkpoints = _load_checkpoints(bundle, verifier, origin, from_seq)
    report.checkpoints_checked = len(checkpoints)
    final = checkpoints[max(checkpoints)]
    proofs = _load_proofs(bundle)
    old: Checkpoint | None = None
    if since_text is not None:
        try:
            old = parse_checkpoint(open_note(since_text, [verifier])[0])
        except NoteError as exc:
            raise _Fail(f"the --since checkpoint: {exc}") from exc
        if old.origin != final.origin:
            raise _Fail(f"the --since checkpoint is for another log ({old.origin})")
        if old.size > final.size:
            raise _Fail(f"the bundle ends at size {final.size}, before your size {old.size}")
    wanted = set(checkpoints)
    if old is not None and old.size >= from_seq:
        wanted.add(old.size)

    roots, digests = _entry_roots(bundle, source, manifest, frontier, prev, final.size, wanted)
    report.entries = final.size - from_seq
    report.from_seq, report.to_seq = from_seq, final.size - 1
    _first_root_mismatch(checkpoints, roots, from_seq)
    for name, digest in digests.items():
        if digest != manifest["files"][name]:
            raise _Fail(f"{name} does not match its SHA-256 in manifest.json")
    if manifest["to_seq"] != final.size - 1:
        raise _Fail("manifest.json to_seq does not match the final checkpoint")
    for size, (new_size, _) in proofs.items():
        if new_size != final.size:
            raise _Fail(f"the proof from size {size} does not lead to the final checkpoint")

    if old is None:
        return
    if old.size in roots:
        if roots[old.size] != old.root:
            raise _Fail(
                f"history rewritten: the first {old.size} entries do not hash to your checkpoint"
            )
    elif old.size not in proofs:
        raise _Fail(f"the bundle holds no consistency proof from size {old.size}")
    elif not verify_consistency(old.size, final.size, old.root, final.root, proofs[old.size][1]):
        raise _Fail(
            f"history rewritten: no valid consistency proof from your checkpoint of size "
            f"{old.size} to size {final.size}"
        )
    report.consistent_with = old.size


# --- reading the entries: format 1 in one stream, format 2 in chunks across processes -------


@dataclass(frozen=True)
class _Source:
    path: str | Path | IO[bytes]
    processes: int | None


def _entry_roots(
    bundle: Bundle,
    source: _Source,
    manifest: dict[str, Any],
    frontier: Frontier,
    prev_hex: str,
    final_size: int,
    wanted: set[int],
) -> tuple[dict[int, bytes], dict[str, str]]:
    """Check every entry; return the Merkle roots at the ``wanted`` sizes and the SHA-256 of
    each entries file read (compared with the manifest after the roots)."""
    if manifest["format"] != FORMAT_V2:
        digest = hashlib.sha256()
        lines = bundle.entry_lines(digest)
        roots = _scan_entries(lines, frontier, prev_hex, final_size, wanted)
        return roots, {ENTRIES: digest.hexdigest()}
    chunks = bundle.entry_chunks()
    if isinstance(source.path, str | os.PathLike):
        found = _parallel_roots(source, chunks, manifest, frontier, prev_hex, final_size, wanted)
        if found is not None:
            return found
    # One stream, in order: what format 1 does, and what names the first bad seq of a bundle
    # whose chunks did not all check (the chunk checks only say whether everything holds).
    digests: dict[str, str] = {}

    def lines() -> Iterator[bytes]:
        for _, name in chunks:
            digest = hashlib.sha256()
            yield from bundle.entry_lines(digest, name)
            digests[name] = digest.hexdigest()

    roots = _scan_entries(lines(), frontier.copy(), prev_hex, final_size, wanted)
    return roots, digests


# One line in the chunk check (`_chunk_rows`): the fast path's envelope around a `data` object
# whose keys are ASCII names and whose values are strings, integers, true, false, null or flat
# arrays of those: everything it accepts, `parse_canonical` and `entry_problem` accept, once the
# data keys are known to be strictly increasing (checked after, `_data_keys_increase`). `(?m)^`
# and the final newline make each match exactly one line. Other lines take `_fast_entry` or
# the complete check, one at a time.
_KEY = r'"[A-Za-z0-9_.\-]+"'
_SCALAR = rf"(?:{_STR}|null|true|false|0|-?[1-9][0-9]{{0,14}})"
_VALUE = rf"(?:{_SCALAR}|\[(?:{_SCALAR}(?:,{_SCALAR})*)?\])"
_CHUNK_LINE = re.compile(
    rf"(?m)^{_FAST_HEAD.pattern}(\{{(?:{_KEY}:{_VALUE}(?:,{_KEY}:{_VALUE})*)?\}})"
    rf"{_FAST_TAIL.pattern}\n"
)
# A key of those data objects with the character before it ("{" starts an object). In canonical
# JSON a quote inside a string is escaped, so `{"name":` or `,"name":` is always a key (and a
# spurious match could only make the order check stricter).
_DATA_KEY = re.compile(r'([{,])"([A-Za-z0-9_.\-]+)":')


def _data_keys_increase(datas: list[str]) -> bool:
    last = ""
    for before, key in _DATA_KEY.findall("".join(datas)):
        if before == "{":
            last = key
        elif key <= last:  # ASCII: code point order is RFC 8785's UTF-16 order
            return False
        else:
            last = key
    return True


def _chunk_rows(data: bytes, lines: list[bytes]) -> tuple[list[str], list[str]] | None:
    """Return the prev and seq (as text) of every line, or None if a line is not a valid leaf."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    rows = _CHUNK_LINE.findall(text)
    if len(rows) == len(lines) and _data_keys_increase([row[0] for row in rows]):
        return [row[1] for row in rows], [row[2] for row in rows]
    prevs, seqs = [], []
    for line in lines:
        fast = _fast_entry(line)
        if fast is None:
            try:
                entry = parse_canonical(line)
            except ValueError:
                return None
            if entry_problem(entry):
                return None
            fast = entry["seq"], entry["prev"]
        seqs.append(str(fast[0]))
        prevs.append(fast[1])
    return prevs, seqs


def _check_chunk(job: tuple) -> tuple | None:
    """Check one chunk in a worker process; None means "read the bundle in order to say why".

    ``job``: (bundle path, member name, first seq, offsets of wanted sizes, start frontier or
    None). Without a start frontier the chunk starts at a multiple of its power-of-two length,
    so its subtrees are returned as they are and the parent appends them to its frontier.
    """
    path, name, first, offsets, start = job
    try:
        with Bundle(path) as bundle:
            data = bundle.read_chunk(name)
    except (OSError, BundleError, zipfile.BadZipFile, zlib.error, EOFError):
        return None
    if not data.endswith(b"\n"):
        return None
    lines = data[:-1].split(b"\n")
    rows = _chunk_rows(data, lines)
    if rows is None:
        return None
    prevs, seqs = rows
    if seqs != list(map(str, range(first, first + len(lines)))):
        return None
    sha256 = hashlib.sha256
    hashes = [sha256(b"\x00" + line).digest() for line in lines]
    hexes = [h.hex() for h in hashes]
    if prevs[1:] != hexes[:-1]:
        return None
    if start is None:
        levels = subtree_levels(hashes)
        at = {offset: subtrees_at(levels, offset) for offset in offsets}
        end = subtrees_at(levels, len(hashes))
    else:
        frontier, at, wanted = Frontier(*start), {}, set(offsets)
        for offset, leaf in enumerate(hashes, 1):
            frontier.append(leaf)
            if offset in wanted:
                at[offset] = frontier.subtrees()
        end = frontier.subtrees()
    return len(lines), prevs[0], hexes[-1], sha256(data).hexdigest(), end, at


def _parallel_roots(
    source: _Source,
    chunks: list[tuple[int, str]],
    manifest: dict[str, Any],
    frontier: Frontier,
    prev_hex: str,
    final_size: int,
    wanted: set[int],
) -> tuple[dict[int, bytes], dict[str, str]] | None:
    """Check the chunks in worker processes; return what ``_entry_roots`` does, or None when
    anything is off (then the bundle is read in order, which finds and names the problem)."""
    span = manifest["chunk_leaves"]
    from_seq = frontier.size
    bounds = [first for first, _ in chunks[1:]] + [final_size]
    if not chunks or chunks[0][0] != from_seq:
        return None
    jobs = []
    for (first, name), end in zip(chunks, bounds, strict=True):
        aligned = first % span == 0
        if end <= first or end > (first // span + 1) * span or not (aligned or first == from_seq):
            return None
        offsets = sorted(size - first for size in wanted if first < size <= end)
        start = None if aligned else (frontier.size, frontier.hashes)
        jobs.append((os.fspath(source.path), name, first, offsets, start))
    results = _run(_check_chunk, jobs, source.processes)
    current = frontier.copy()
    roots = {from_seq: current.root()} if from_seq in wanted else {}
    digests = {}
    expected = from_seq
    for (_, name, first, _, start), result in zip(jobs, results, strict=True):
        if result is None:
            return None
        count, first_prev, last_hex, digest, end, at = result
        if first != expected or first_prev != prev_hex:
            return None
        if start is not None:
            for offset, subtrees in at.items():
                size = first + offset
                roots[size] = Frontier(size, [h for _, h in subtrees]).root()
            current = Frontier(first + count, [h for _, h in end])
        else:
            for offset, subtrees in at.items():
                partial = current.copy()
                for height, node in subtrees:
                    partial.append_subtree(height, node)
                roots[first + offset] = partial.root()
            for height, node in end:
                current.append_subtree(height, node)
        digests[name] = digest
        expected, prev_hex = first + count, last_hex
    if expected != final_size or set(roots) != wanted:
        return None
    return roots, digests


def _run(function: Any, jobs: list[tuple], processes: int | None) -> list:
    """Return ``[function(job) for job in jobs]``, computed by forked worker processes.

    Forked, so the single-file verifier's modules (loaded from strings, not importable by
    name) are there in the workers; where fork is missing, or in a daemonic process (a Celery
    pool worker may not have children), in this process.
    """
    workers = min(len(jobs), processes or os.cpu_count() or 1)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or not forkable or multiprocessing.current_process().daemon:
        return [function(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(function, jobs, chunksize=1)


def main(argv: list[str] | None = None) -> int:
    """Run the command line verifier and return its exit status."""
    parser = argparse.ArgumentParser(
        prog="clearroom-verify", description="Verify a Clearroom audit export offline."
    )
    parser.add_argument("bundle", nargs="?", help="the export bundle (.zip)")
    parser.add_argument("--key", required=True, help="the forum's verifier key file")
    parser.add_argument("--since", help="a signed checkpoint from an earlier export")
    parser.add_argument(
        "--report",
        help="a transparency report (.json): check its signature (and, with a "
        "bundle, recompute its figures from the bundle's events)",
    )
    parser.add_argument(
        "--consistency", help="a consistency proof (.json) between two published checkpoints"
    )
    args = parser.parse_args(argv)
    if args.bundle is None and args.report is None and args.consistency is None:
        parser.error("give a bundle, --report or --consistency")
    try:
        key_text = Path(args.key).read_text(encoding="utf-8")
        since_text = Path(args.since).read_text(encoding="utf-8") if args.since else None
        report = verify_bundle(args.bundle, key_text, since_text) if args.bundle else None
    except (OSError, UnicodeDecodeError, ValueError, zipfile.BadZipFile) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if report is not None:
        print(report.summary())
        if not report.ok:
            return 1
    if args.report is None and args.consistency is None:
        return 0
    # Transparency reports and checkpoint consistency: audit/core/report_verify.py.
    return run_report_checks(key_text, args.report, args.consistency, args.bundle)


if __name__ == "__main__":
    sys.exit(main())
