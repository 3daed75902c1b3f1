"""C2SP signed notes, tlog checkpoints and tlog cosignatures (Ed25519 only).

Formats as specified at c2sp.org/signed-note, c2sp.org/tlog-checkpoint and
c2sp.org/tlog-cosignature (cosignature/v1), and golang.org/x/mod/sumdb/note for the verifier
key text. Pure module: standard library and ``cryptography`` only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
EM_DASH = "\u2014"
MAX_SIGNATURES = 100
_MAX_TIMESTAMP = 2**63 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_NAME = re.compile(r"[^\s+]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A note, checkpoint, signature or key that is malformed or does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"invalid base64: {text!r}") from exc
    # Only the one standard encoding of each value is accepted.
    if base64.b64encode(raw).decode() != text:
        raise NoteError(f"non-canonical base64: {text!r}")
    return raw


def _check_name(name: str) -> None:
    if not _KEY_NAME.fullmatch(name):
        raise NoteError(f"key names must be non-empty without spaces or '+': {name!r}")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """Return the 4-byte key ID: SHA-256(name || 0x0A || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# Checkpoints.


@dataclass(frozen=True)
class Checkpoint:
    """The body of a tlog checkpoint."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def format_checkpoint(origin: str, size: int, root: bytes, extensions: tuple[str, ...] = ()) -> str:
    """Return the checkpoint body ``<origin>\\n<size>\\n<base64 root>\\n[extension lines]``."""
    if not origin or "\n" in origin or size < 0 or len(root) != 32:
        raise NoteError("a checkpoint needs a one-line origin, a size >= 0 and a 32-byte root")
    if any(not line or "\n" in line for line in extensions):
        raise NoteError("extension lines must be non-empty single lines")
    lines = [origin, str(size), base64.b64encode(root).decode(), *extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    """Return the checkpoint in note body ``body``; raise NoteError if malformed."""
    if not body.endswith("\n"):
        raise NoteError("checkpoint body must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise NoteError("checkpoint body needs at least three non-empty lines")
    origin, size, root_b64, *extensions = lines
    if not _SIZE.fullmatch(size):
        raise NoteError(f"bad checkpoint size: {size!r}")
    root = _b64decode(root_b64)
    if len(root) != 32:
        raise NoteError("checkpoint root hash must be 32 bytes")
    return Checkpoint(origin, int(size), root, tuple(extensions))


# Verifiers and verifier key text.


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: an Ed25519 note signer (0x01) or a cosignature/v1 cosigner (0x04)."""

    name: str
    alg: int
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        """Return the 4-byte key ID."""
        return key_id(self.name, self.alg, self.public_key)

    def verify(self, body: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (without the key ID) signs note body ``body``."""
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp > _MAX_TIMESTAMP:
                return False
            body = _cosigned_message(body, timestamp)
            signature = signature[8:]
        elif len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, body)
        except InvalidSignature:
            return False
        return True


def format_verifier_key(name: str, public_key: bytes, alg: int = ALG_ED25519) -> str:
    """Return the verifier key text ``<name>+<8 hex key ID>+<base64(alg || public key)>``."""
    _check_name(name)
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1) or len(public_key) != 32:
        raise NoteError("only 32-byte Ed25519 keys of type 0x01 or 0x04 are supported")
    encoded = base64.b64encode(bytes([alg]) + public_key).decode()
    return f"{name}+{key_id(name, alg, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> Verifier:
    """Return the verifier in verifier key text; raise NoteError if malformed or inconsistent."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("verifier key must be <name>+<key id>+<key>")
    name, id_hex, key_b64 = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", id_hex):
        raise NoteError("verifier key ID must be 8 lowercase hex digits")
    raw = _b64decode(key_b64)
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("verifier key must be an Ed25519 key of type 0x01 or 0x04")
    verifier = Verifier(name, raw[0], raw[1:])
    if verifier.key_id.hex() != id_hex:
        raise NoteError("verifier key ID does not match its name and key")
    return verifier


# Private keys.


def generate_signer_key(name: str, alg: int = ALG_ED25519) -> tuple[bytes, str]:
    """Return a new private key as PKCS#8 PEM and its verifier key text."""
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, format_verifier_key(name, _raw_public(private_key.public_key()), alg)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """Return the Ed25519 private key in unencrypted PKCS#8 PEM ``pem``."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise NoteError("the private key is not an Ed25519 key")
    return key


def load_private_key_file(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Return the Ed25519 private key stored in the PEM file at ``path``."""
    return load_private_key(Path(path).read_bytes())


def save_private_key_file(path: str | os.PathLike[str], pem: bytes) -> None:
    """Write private key PEM to a new file at ``path`` readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def verifier_for(private_key: Ed25519PrivateKey, name: str, alg: int = ALG_ED25519) -> Verifier:
    """Return the verifier matching ``private_key`` under ``name``."""
    return Verifier(name, alg, _raw_public(private_key.public_key()))


# Signing and opening notes.


def _signature_line(name: str, signature: bytes) -> str:
    return f"{EM_DASH} {name} {base64.b64encode(signature).decode()}\n"


def _check_text(text: str) -> None:
    if _CONTROL.search(text):
        raise NoteError("notes must not contain control characters other than newline")


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return ``body`` as a signed note with one Ed25519 signature by ``name``."""
    _check_name(name)
    _check_text(body)
    if not body.endswith("\n"):
        raise NoteError("note body must end with a newline")
    kid = key_id(name, ALG_ED25519, _raw_public(private_key.public_key()))
    return body + "\n" + _signature_line(name, kid + private_key.sign(body.encode()))


def _cosigned_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + body


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """Return a cosignature/v1 signature line over checkpoint ``body`` at ``timestamp``."""
    _check_name(name)
    parse_checkpoint(body)
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteError("cosignature timestamp out of range")
    kid = key_id(name, ALG_COSIGNATURE_V1, _raw_public(private_key.public_key()))
    signature = private_key.sign(_cosigned_message(body.encode(), timestamp))
    return _signature_line(name, kid + struct.pack(">Q", timestamp) + signature)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes


def split_note(text: str) -> tuple[str, list[NoteSignature]]:
    """Return the body and signature lines of signed note ``text`` without verifying them."""
    _check_text(text)
    if not text.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise NoteError("a signed note needs a blank line before its signatures")
    body, sig_text = text[: cut + 1], text[cut + 2 :]
    lines = sig_text[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures")
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            raise NoteError(f"malformed signature line: {line!r}")
        _check_name(parts[1])
        raw = _b64decode(parts[2])
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(NoteSignature(parts[1], raw[:4], raw[4:]))
    return body, signatures


def open_note(text: str, verifiers: list[Verifier]) -> tuple[str, list[str]]:
    """Return the body of ``text`` and the names whose signatures verified.

    Signatures from unknown keys are ignored; a known key's signature that fails rejects the
    whole note, as does a note with no valid signature from a known key.
    """
    body, signatures = split_note(text)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[str] = []
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(body.encode(), sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        if sig.name not in verified:
            verified.append(sig.name)
    if not verified:
        raise NoteError("no signature from a trusted key")
    return body, verified


def verify_cosignature(text: str, verifier: Verifier) -> int:
    """Return the timestamp of ``verifier``'s valid cosignature on checkpoint note ``text``."""
    if verifier.alg != ALG_COSIGNATURE_V1:
        raise NoteError("not a cosignature/v1 verifier")
    body, signatures = split_note(text)
    parse_checkpoint(body)
    for sig in signatures:
        if (sig.name, sig.key_id) == (verifier.name, verifier.key_id):
            if not verifier.verify(body.encode(), sig.signature):
                raise NoteError(f"cosignature by {sig.name} does not verify")
            return struct.unpack(">Q", sig.signature[:8])[0]
    raise NoteError(f"no cosignature by {verifier.name}")
