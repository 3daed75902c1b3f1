"""The forum's pseudonymisation keys, read from files outside the repository and database.

Personal identifiers are pseudonymised with a threshold OPRF (``sharing.core.oprf``): the key
is split t-of-n among share holders (the secretariat and volunteer members), each behind its
own service credential, and nobody holds the whole key. A key id names a folder
``<CLEARROOM_PSEUDONYM_KEY_DIR>/<key id>/`` holding the manifest (threshold, holders), one
``<holder>.share`` per holder (what the holder's service keeps: its share and the digest of the
credential it accepts) and one ``<holder>.credential`` (what the forum presents to it). In the
demo and the tests every holder runs in this process from those files; in production each
``.share`` file lives only with its holder (docs/security.md, "Pseudonyms").

HMAC keys (``<key id>.key``) made the pseudonyms before #20; their tokens stay readable (and are
re-pseudonymised from originals while those are held), and the watchlist key derives from one.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.secrets import read_or_create_secret
from sharing.core import oprf
from sharing.core.oprf import KeyShare, OprfPseudonymKey
from sharing.core.redaction import Pseudonymizer, PseudonymKey
from sharing.core.share_holder import HolderUnavailable, remote_partial_evaluate

SCHEME_OPRF = "oprf"
SCHEME_HMAC = "hmac"
_MANIFEST = "manifest.json"
logger = logging.getLogger(__name__)


def current_scheme() -> str:
    """Return the scheme intake pseudonymises with (``oprf``; ``hmac`` only before #20)."""
    return settings.CLEARROOM_PSEUDONYM_SCHEME


def current_key_ref() -> str:
    """Return ``<scheme>:<key id>`` of the key intake uses now (as `token_key` names keys)."""
    return f"{current_scheme()}:{settings.CLEARROOM_PSEUDONYM_KEY_ID}"


def pseudonym_key(key_id: str | None = None) -> Pseudonymizer:
    """Return the pseudonymisation key `key_id` of the current scheme (default: the current key)."""
    key_id = key_id or settings.CLEARROOM_PSEUDONYM_KEY_ID
    if current_scheme() == SCHEME_OPRF:
        return oprf_key(key_id)
    return hmac_key(key_id)


def key_exists(key_ref: str) -> bool:
    """Return whether the key files of ``<scheme>:<key id>`` are present (never creates them)."""
    scheme, _, key_id = key_ref.partition(":")
    base = settings.CLEARROOM_PSEUDONYM_KEY_DIR
    if scheme == SCHEME_OPRF:
        return (base / key_id / _MANIFEST).exists()
    return (base / f"{key_id}.key").exists()


def key_for_ref(key_ref: str) -> Pseudonymizer | None:
    """Return the key ``<scheme>:<key id>`` names; None when its files are absent.

    Only the current key may be generated (in a demo or test installation): a missing old key
    must not be replaced by a fresh random one.
    """
    scheme, _, key_id = key_ref.partition(":")
    if key_ref != current_key_ref() and not key_exists(key_ref):
        return None
    return oprf_key(key_id) if scheme == SCHEME_OPRF else hmac_key(key_id)


# --------------------------------------------------------------------------------------------
# HMAC keys (before #20) and the watchlist key


def hmac_key(key_id: str) -> PseudonymKey:
    """Return the HMAC pseudonymisation key `key_id`."""
    path = settings.CLEARROOM_PSEUDONYM_KEY_DIR / f"{key_id}.key"
    return _load_hmac(path, key_id, settings.GENERATE_SECRETS)


@functools.lru_cache(maxsize=16)
def _load_hmac(path: Path, key_id: str, allow_generate: bool) -> PseudonymKey:
    # A key file never changes once written (rotation adds a new key id), so one read per
    # process is enough; intake asks for the key on every submission.
    secret = read_or_create_secret(path, allow_generate=allow_generate)
    return PseudonymKey(key_id=key_id, secret=base64.urlsafe_b64decode(secret + "=="))


def watchlist_key() -> bytes:
    """Return the key for watchlist term hashes, derived from the forum's HMAC key.

    Kept on the HMAC key of before #20 (CLEARROOM_WATCHLIST_KEY_ID), so stored term hashes stay
    valid: a watchlist hashes the forum's own terms, no member's identifiers.
    """
    base = hmac_key(settings.CLEARROOM_WATCHLIST_KEY_ID)
    return hmac.new(base.secret, b"clearroom watchlist v1", hashlib.sha256).digest()


# --------------------------------------------------------------------------------------------
# OPRF key shares and their holders


class CredentialRefused(PermissionError):
    """Raised by a share holder's service for a credential it does not accept."""


@dataclass(frozen=True)
class ShareHolder:
    """One share holder's evaluation service: answers only to its own credential."""

    name: str
    share: KeyShare = field(repr=False)
    credential_sha256: str = field(repr=False)

    @property
    def index(self) -> int:
        return self.share.index

    def evaluate(
        self, *, credential: str, participants: Sequence[int], blinded_elements: Sequence[bytes]
    ) -> list[bytes]:
        """Return this holder's partial evaluations, after checking the caller's credential."""
        presented = hashlib.sha256(credential.encode("utf-8")).hexdigest()
        if not hmac.compare_digest(presented, self.credential_sha256):
            raise CredentialRefused(f"share holder {self.name} refused the credential")
        return oprf.partial_evaluate(self.share, participants, blinded_elements)


@dataclass(frozen=True)
class RemoteShareHolder:
    """A share holder whose service runs elsewhere (``clearroom-share-holder``): only its
    index, its address and the forum's credential for it are known here, never its share."""

    name: str
    index: int
    url: str

    def evaluate(
        self, *, credential: str, participants: Sequence[int], blinded_elements: Sequence[bytes]
    ) -> list[bytes]:
        return remote_partial_evaluate(self.url, credential, participants, blinded_elements)


@dataclass(frozen=True)
class ThresholdEvaluator:
    """The forum's side of a threshold evaluation: asks holders until `threshold` answered."""

    key_id: str
    threshold: int
    holders: tuple[ShareHolder | RemoteShareHolder, ...] = field(repr=False)
    credentials: dict[str, str] = field(repr=False)

    def __call__(self, blinded_elements: Sequence[bytes]) -> list[bytes]:
        """Return k·B for each blinded element; raise ThresholdError below the threshold.

        The Lagrange coefficients depend on which holders take part, so when a holder does not
        answer, the set is chosen again without it and every member of the set is asked anew.
        """
        candidates = [h for h in self.holders if h.name in self.credentials]
        while True:
            chosen = candidates[: self.threshold]
            if len(chosen) < self.threshold:
                raise oprf.ThresholdError(
                    f"{len(chosen)} share holders reachable; {self.threshold} are needed"
                )
            participants = [h.index for h in chosen]
            partials, silent = [], None
            for holder in chosen:
                try:
                    partials.append(
                        holder.evaluate(
                            credential=self.credentials[holder.name],
                            participants=participants,
                            blinded_elements=blinded_elements,
                        )
                    )
                # A refusal (CredentialRefused, HolderRefused) is a PermissionError.
                except (HolderUnavailable, PermissionError) as exc:
                    logger.warning("OPRF share holder %s did not evaluate: %s", holder.name, exc)
                    silent = holder
                    break
            if silent is None:
                return oprf.combine(partials, self.threshold)
            candidates.remove(silent)


def oprf_key(key_id: str) -> OprfPseudonymKey:
    """Return the OPRF pseudonymisation key `key_id`, evaluated by its share holders."""
    return OprfPseudonymKey(key_id=key_id, evaluate=threshold_evaluator(key_id))


def threshold_evaluator(key_id: str) -> ThresholdEvaluator:
    """Return the evaluator of OPRF key `key_id` (its shares generated where allowed)."""
    folder = settings.CLEARROOM_PSEUDONYM_KEY_DIR / key_id
    if not (folder / _MANIFEST).exists():
        if not settings.GENERATE_SECRETS:
            raise ImproperlyConfigured(
                f"OPRF key {key_id} is missing ({folder}); deal its shares (docs/security.md) or "
                "set CLEARROOM_GENERATE_SECRETS=1 for a demo or test installation"
            )
        deal_shares(
            folder,
            key_id=key_id,
            threshold=settings.CLEARROOM_OPRF_THRESHOLD,
            holders=settings.CLEARROOM_OPRF_HOLDERS,
        )
    return _load_evaluator(folder, (folder / _MANIFEST).stat().st_mtime)


@functools.lru_cache(maxsize=16)
def _load_evaluator(folder: Path, _mtime: float) -> ThresholdEvaluator:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
        holders, credentials = [], {}
        remote = remote_holders()
        for name in manifest["holders"]:
            share_path = folder / f"{name}.share"
            if share_path.exists():
                data = json.loads(share_path.read_text())
                share = KeyShare(index=int(data["index"]), scalar=bytes.fromhex(data["share"]))
                holders.append(ShareHolder(name, share, data["credential_sha256"]))
            elif name in remote and name in manifest.get("indices", {}):
                # A holder whose service is elsewhere: its share file was handed to it.
                index = int(manifest["indices"][name])
                holders.append(RemoteShareHolder(name, index, remote[name]))
            credential_path = folder / f"{name}.credential"
            if credential_path.exists():
                credentials[name] = credential_path.read_text().strip()
        return ThresholdEvaluator(
            key_id=manifest["key_id"],
            threshold=int(manifest["threshold"]),
            holders=tuple(holders),
            credentials=credentials,
        )
    except (OSError, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"OPRF key folder {folder} is unusable: {exc}") from exc


def remote_holders() -> dict[str, str]:
    """Return {holder name: service URL} from CLEARROOM_OPRF_REMOTE_HOLDERS (name=url,...)."""
    holders = {}
    for item in settings.CLEARROOM_OPRF_REMOTE_HOLDERS:
        name, sep, url = item.partition("=")
        if not sep or not name.strip() or not url.strip().startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                f"CLEARROOM_OPRF_REMOTE_HOLDERS: {item!r} is not name=http(s)://host:port"
            )
        holders[name.strip()] = url.strip()
    return holders


def deal_shares(folder: Path, *, key_id: str, threshold: int, holders: Sequence[str]) -> None:
    """Create OPRF key `key_id`: a random key split t-of-n into `holders`' share files.

    The whole key exists only in this function's memory. The folder is written under a
    temporary name and renamed into place, so a concurrent dealer's key wins whole or not at all.
    """
    if not 1 <= threshold <= len(holders):
        raise ImproperlyConfigured("CLEARROOM_OPRF_THRESHOLD must be 1..number of holders")
    folder.parent.mkdir(parents=True, exist_ok=True)
    shares = oprf.split_key(oprf.random_scalar(), threshold, len(holders))
    staging = Path(tempfile.mkdtemp(prefix=f".{key_id}-", dir=folder.parent))
    try:
        for name, share in zip(holders, shares, strict=True):
            credential = secrets.token_urlsafe(32)
            _write_private(staging / f"{name}.credential", credential + "\n")
            record = {
                "holder": name,
                "index": share.index,
                "share": share.scalar.hex(),
                "credential_sha256": hashlib.sha256(credential.encode("utf-8")).hexdigest(),
            }
            _write_private(staging / f"{name}.share", json.dumps(record) + "\n")
        manifest = {
            "key_id": key_id,
            "suite": "OPRF(ristretto255, SHA-512)",
            "threshold": threshold,
            "holders": list(holders),
            # Public: which x each holder's share sits at (the Lagrange coefficients need it
            # when a holder's share file has moved to its own service).
            "indices": {name: share.index for name, share in zip(holders, shares, strict=True)},
        }
        _write_private(staging / _MANIFEST, json.dumps(manifest, indent=2) + "\n")
        with contextlib.suppress(OSError):  # another process dealt this key first: keep theirs
            os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
