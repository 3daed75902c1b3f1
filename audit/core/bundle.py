"""Write and read the regulator's audit export bundle (a zip file).

Pure module: standard library only (the frontier type comes from ``audit.core.merkle``).

Layout (format 2 keeps the entries in chunks; format 1, still read, in one file)::

    entries/<seq>.jsonl    format 2: one canonical leaf per line (exact bytes + "\\n"), stored
                           uncompressed, each chunk from seq <seq> up to the next multiple of
                           ``chunk_leaves`` (a power of two), so processes verify chunks apart
    entries.jsonl          format 1: every leaf in one DEFLATE stream, seq from_seq..to_seq
    checkpoints/<size>.txt signed checkpoint notes with size in [from_seq + 1, to_seq + 1]
    prefix.json            {"size": from_seq, "frontier": [hex, ...], "prev": hex64}
    proofs.json            [{"old_size": m, "new_size": to_seq + 1, "proof": [hex, ...]}, ...]
    policies/<name>.json   optional policy versions in force
    clearroom_verify.py    the offline verifier in one file (audit/core/standalone.py), when given
    README.md              how to verify
    manifest.json          format, origin, range, created_at and the SHA-256 of every other file
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import struct
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from audit.core.canonical import canonicalize
from audit.core.merkle import Frontier

FORMAT = "clearroom-audit-bundle/1"
FORMAT_V2 = "clearroom-audit-bundle/2"
FORMATS = {1: FORMAT, 2: FORMAT_V2}
ENTRIES = "entries.jsonl"
CHUNK_LEAVES = 1 << 14
PREFIX = "prefix.json"
PROOFS = "proofs.json"
README = "README.md"
MANIFEST = "manifest.json"
VERIFIER = "clearroom_verify.py"
ZERO_HASH = "0" * 64

_CHECKPOINT_NAME = re.compile(r"checkpoints/(0|[1-9][0-9]*)\.txt")
_CHUNK_NAME = re.compile(r"entries/(0|[1-9][0-9]*)\.jsonl")
_POLICY_NAME = re.compile(r"policies/[A-Za-z0-9][A-Za-z0-9._-]*\.json")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20

README_TEXT = """\
# Clearroom audit export

This bundle holds a contiguous range of Clearroom's append-only audit log and the signed
checkpoints (Merkle tree heads) that commit to it. Check it offline, trusting nothing in it
but the forum key you obtained yourself.

## Verify it

You need Python 3.11 or later and the `cryptography` package (`pip install cryptography`),
nothing else. From the folder that holds the bundle and the key, unpack the bundle's verifier
and run it on the bundle:

    python -m zipfile -e BUNDLE.zip BUNDLE-files
    python BUNDLE-files/clearroom_verify.py BUNDLE.zip --key FORUM_KEY.pub

(`BUNDLE.zip`: this file's name; add `--since OLD_CHECKPOINT.txt` to prove that this bundle
extends a checkpoint from an earlier export.) `--key` is the forum's verifier key
(`<name>+<key id>+<key>`) that you obtained separately; the verifier never takes a key from the
bundle. `--since` is a checkpoint you already hold; the verifier then proves that this
bundle's history extends it without rewriting anything.

`clearroom_verify.py` is plain Python: the verifier's modules of Clearroom
(`audit/core/canonical.py`, `merkle.py`, `signed_note.py`, `bundle.py`, `verify.py`), verbatim,
in one file. It came with the bundle, so it is only as trustworthy as what you check it against:
read it, or compare its SHA-256 (listed in `manifest.json`) with the file your own copy of
Clearroom builds, or run your own copy instead: `clearroom-verify BUNDLE.zip --key
FORUM_KEY.pub` (installed with Clearroom) or `python -m audit.core.verify BUNDLE.zip --key
FORUM_KEY.pub` in a checkout. All three are the same code and give the same verdict.

## Files

- `entries/<seq>.jsonl` (format 2; `entries.jsonl` in format 1): one audit event per line, the
  exact RFC 8785 canonical JSON leaf that was hashed: `leaf_hash = SHA-256(0x00 || leaf)`; each
  leaf's `prev` is the previous leaf's hash. Format 2 cuts the entries into chunks starting at
  seq `<seq>` and ending before the next multiple of `chunk_leaves` (in `manifest.json`),
  stored uncompressed, so the verifier checks them in parallel processes; read in seq order
  they are exactly format 1's `entries.jsonl`.
- `checkpoints/<size>.txt`: C2SP checkpoints (origin, tree size, base64 RFC 9162 Merkle root)
  signed by the forum key, plus any cosignature lines from regulators.
- `prefix.json`: for an export that does not start at seq 0, the Merkle frontier of the earlier
  leaves and the hash of the leaf before the range, so roots can still be recomputed.
- `proofs.json`: RFC 9162 consistency proofs from checkpoints you already hold to the last one.
- `policies/`: the policy versions in force, for reference.
- `clearroom_verify.py`: the offline verifier, in one file.
- `manifest.json`: the SHA-256 of every other file.

## Exit status

- `0` and `OK: ...`: every leaf, the hash chain, every Merkle root and every signature verified.
- `1` and `FAIL at seq N: ...` (or `FAIL: ...`): the bundle is not what the forum signed; `N` is
  the first entry found altered, missing, reordered or inserted.
- `2`: a usage error or a file that could not be read.
"""


class BundleError(ValueError):
    """A bundle that cannot be built or read."""


@dataclass(frozen=True)
class BundleSummary:
    """What ``build_bundle`` wrote."""

    from_seq: int
    to_seq: int
    manifest: dict[str, Any]


def _checkpoint_size(note: str) -> int:
    lines = note.split("\n", 2)
    if len(lines) < 3 or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise BundleError("a checkpoint note must start with its origin and size lines")
    return int(lines[1])


def build_bundle(
    out: str | os.PathLike[str] | IO[bytes],
    *,
    origin: str,
    leaves: Iterable[bytes],
    from_seq: int,
    prefix_frontier: Frontier,
    prefix_prev: str,
    checkpoints: list[str],
    proofs: list[dict[str, Any]],
    extra_files: dict[str, bytes],
    created_at: str,
    verifier: bytes | None = None,
    version: int = 1,
    chunk_leaves: int = CHUNK_LEAVES,
) -> BundleSummary:
    """Write an export bundle of ``leaves`` (seq ``from_seq`` onward) to ``out``.

    Leaves are streamed straight into the zip, so the iterable may be a database cursor over
    millions of rows. A path is removed again if the bundle turns out invalid. ``verifier``:
    the single-file verifier to ship (``audit.core.standalone.verifier_source()``).
    ``version`` 2 writes the entries in stored chunks of ``chunk_leaves`` (a power of two).
    """
    if version not in FORMATS:
        raise BundleError(f"unknown bundle format version {version}")
    if chunk_leaves < 1 or chunk_leaves & (chunk_leaves - 1):
        raise BundleError("chunk_leaves must be a power of two")
    if prefix_frontier.size != from_seq or from_seq < 0:
        raise BundleError("the prefix frontier must cover exactly the leaves before from_seq")
    if not _HEX64.fullmatch(prefix_prev) or (from_seq == 0) != (prefix_prev == ZERO_HASH):
        raise BundleError("prefix_prev must be the hex hash of seq from_seq - 1 (zeros at 0)")
    for name in extra_files:
        if not _POLICY_NAME.fullmatch(name):
            raise BundleError(f"extra files must be named policies/<name>.json: {name!r}")
    by_size: dict[int, str] = {}
    for note in checkpoints:
        size = _checkpoint_size(note)
        if size in by_size or size <= from_seq:
            raise BundleError(f"checkpoint size {size} repeated or before the range")
        by_size[size] = note
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            return _write(
                zf, origin, leaves, from_seq, prefix_frontier, prefix_prev, by_size, proofs,
                extra_files, created_at, verifier, version, chunk_leaves,
            )  # fmt: skip
    except BaseException:
        if isinstance(out, str | os.PathLike):
            Path(out).unlink(missing_ok=True)
        raise


def _write(
    zf: zipfile.ZipFile,
    origin: str,
    leaves: Iterable[bytes],
    from_seq: int,
    prefix_frontier: Frontier,
    prefix_prev: str,
    by_size: dict[int, str],
    proofs: list[dict[str, Any]],
    extra_files: dict[str, bytes],
    created_at: str,
    verifier: bytes | None,
    version: int,
    chunk_leaves: int,
) -> BundleSummary:
    files: dict[str, str] = {}
    if version == 1:
        count = _write_entries(zf, ENTRIES, leaves, from_seq, files)
    else:
        count, seq, leaves = 0, from_seq, iter(leaves)
        pending = next(leaves, None)
        while pending is not None:
            end = (seq // chunk_leaves + 1) * chunk_leaves
            info = zipfile.ZipInfo(f"entries/{seq}.jsonl", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            chunk = itertools.chain((pending,), itertools.islice(leaves, end - seq - 1))
            written = _write_entries(zf, info, chunk, seq, files)
            count += written
            seq += written
            pending = next(leaves, None)
    if count == 0:
        raise BundleError("a bundle needs at least one leaf")
    to_seq = from_seq + count - 1
    if max(by_size, default=0) > to_seq + 1 or to_seq + 1 not in by_size:
        raise BundleError(f"checkpoints must lie within the range and include size {to_seq + 1}")
    for proof in proofs:
        if proof.get("new_size") != to_seq + 1:
            raise BundleError("consistency proofs must lead to the final checkpoint")

    def put(name: str, data: bytes) -> None:
        zf.writestr(name, data)
        files[name] = hashlib.sha256(data).hexdigest()

    for size in sorted(by_size):
        put(f"checkpoints/{size}.txt", by_size[size].encode())
    prefix = {
        "size": from_seq,
        "frontier": prefix_frontier.to_json()["hashes"],
        "prev": prefix_prev,
    }
    put(PREFIX, canonicalize(prefix))
    put(PROOFS, canonicalize(proofs))
    for name in sorted(extra_files):
        put(name, extra_files[name])
    if verifier is not None:
        put(VERIFIER, verifier)
    put(README, README_TEXT.encode())
    manifest = {
        "format": FORMATS[version],
        "origin": origin,
        "from_seq": from_seq,
        "to_seq": to_seq,
        "created_at": created_at,
        "files": files,
    }
    if version == 2:
        manifest["chunk_leaves"] = chunk_leaves
    zf.writestr(MANIFEST, canonicalize(manifest))
    return BundleSummary(from_seq, to_seq, manifest)


def _write_entries(
    zf: zipfile.ZipFile,
    member: str | zipfile.ZipInfo,
    leaves: Iterable[bytes],
    first_seq: int,
    files: dict[str, str],
) -> int:
    """Write ``leaves`` as the lines of ``member`` and list its digest; return how many."""
    digest = hashlib.sha256()
    count = 0
    with zf.open(member, "w", force_zip64=True) as f:
        for leaf in leaves:
            if b"\n" in leaf:
                raise BundleError(f"leaf {first_seq + count} contains a newline")
            line = leaf + b"\n"
            f.write(line)
            digest.update(line)
            count += 1
    name = member.filename if isinstance(member, zipfile.ZipInfo) else member
    files[name] = digest.hexdigest()
    return count


class Bundle:
    """A bundle opened for reading; the verifier checks what it returns."""

    def __init__(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(source)
        names = self._zip.namelist()
        if len(set(names)) != len(names):
            self._zip.close()
            raise BundleError("the zip holds two members with the same name")
        self.names = names

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying zip file."""
        self._zip.close()

    def read(self, name: str) -> bytes:
        """Return the bytes of member ``name``."""
        if name not in self.names:
            raise BundleError(f"{name} is missing")
        return self._zip.read(name)

    def read_chunk(self, name: str) -> bytes:
        """Return the bytes of entries chunk ``name``; a stored chunk is read as it lies in the
        file, without zipfile's CRC-32 pass (the chunk's SHA-256 is checked instead)."""
        info = self._zip.getinfo(name)
        handle = self._zip.fp
        if info.compress_type != zipfile.ZIP_STORED or handle is None:
            return self.read(name)
        handle.seek(info.header_offset)
        header = handle.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise BundleError(f"{name}: bad local file header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        data = handle.read(info.file_size)
        if len(data) != info.file_size:
            raise BundleError(f"{name} is truncated")
        return data

    def sha256(self, name: str) -> str:
        """Return the hex SHA-256 of member ``name``, streamed."""
        digest = hashlib.sha256()
        with self._zip.open(name) as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def manifest(self) -> dict[str, Any]:
        """Return the parsed manifest; raise BundleError if it is malformed."""
        try:
            manifest = json.loads(self.read(MANIFEST))
        except ValueError as exc:
            raise BundleError(f"manifest.json is not JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS.values():
            raise BundleError(f"manifest.json is not a {FORMAT} or {FORMAT_V2} manifest")
        if manifest["format"] == FORMAT_V2:
            chunk = manifest.get("chunk_leaves")
            if type(chunk) is not int or chunk < 1 or chunk & (chunk - 1):
                raise BundleError("manifest.json chunk_leaves must be a power of two")
        files = manifest.get("files")
        if not isinstance(files, dict) or not all(
            isinstance(v, str) and _HEX64.fullmatch(v) for v in files.values()
        ):
            raise BundleError("manifest.json files must map names to SHA-256 hex digests")
        for key in ("from_seq", "to_seq"):
            if type(manifest.get(key)) is not int:
                raise BundleError(f"manifest.json {key} must be an integer")
        if not isinstance(manifest.get("origin"), str):
            raise BundleError("manifest.json origin must be a string")
        return manifest

    def checkpoint_names(self) -> dict[int, str]:
        """Return the checkpoint members by the size in their names."""
        found = {}
        for name in self.names:
            match = _CHECKPOINT_NAME.fullmatch(name)
            if match:
                found[int(match.group(1))] = name
        return found

    def entry_chunks(self) -> list[tuple[int, str]]:
        """Return ``(first seq, name)`` of each format-2 entries chunk, in seq order."""
        found = []
        for name in self.names:
            match = _CHUNK_NAME.fullmatch(name)
            if match:
                found.append((int(match.group(1)), name))
        return sorted(found)

    def all_entry_lines(self) -> Iterator[bytes]:
        """Yield every entry line in seq order, from ``entries.jsonl`` or the format-2 chunks."""
        if self.manifest()["format"] == FORMAT_V2:
            for _, name in self.entry_chunks():
                yield from self.entry_lines(name=name)
        else:
            yield from self.entry_lines()

    def entry_lines(self, digest: Any = None, name: str = ENTRIES) -> Iterator[bytes]:
        """Yield each line of an entries file without its newline, feeding ``digest`` the bytes.

        Raise BundleError after the last line if the file does not end with a newline.
        """
        with self._zip.open(name) as f:
            rest = b""
            while chunk := f.read(_CHUNK):
                if digest is not None:
                    digest.update(chunk)
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                yield from lines
        if rest:
            yield rest
            raise BundleError(f"{name} does not end with a newline")
