"""RFC 9162 §2.1 Merkle tree hashing, proofs and an appendable compact range.

Pure module: standard library only. Hashes are 32-byte ``bytes``; a tree is given as the list of
its leaf hashes (``leaf_hash(leaf)`` of each entry), never as the raw entries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
_HEX64 = re.compile(r"[0-9a-f]{64}")


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 hash of a leaf: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash (MTH) of a tree given by its leaf hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def _check_size(leaf_hashes: Sequence[bytes], size: int) -> None:
    if not 0 <= size <= len(leaf_hashes):
        raise ValueError(f"tree size {size} outside 0..{len(leaf_hashes)}")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """Return the audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
    _check_size(leaf_hashes, size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside 0..{size - 1}")
    return _path(index, leaf_hashes[:size])


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, d[:k]), root(d[k:])]
    return [*_path(m - k, d[k:]), root(d[:k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Return whether ``proof`` shows leaf hash ``leaf`` at ``index`` of the tree ``root_hash``.

    The algorithm of RFC 9162 §2.1.3.2.
    """
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """Return the proof that the tree of ``old_size`` leaves is a prefix of ``new_size``."""
    _check_size(leaf_hashes, new_size)
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} outside 0..{new_size}")
    if old_size in (0, new_size):
        return []
    return _subproof(old_size, leaf_hashes[:new_size], True)


def _subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [root(d)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, d[:k], b), root(d[k:])]
    return [*_subproof(m - k, d[k:], False), root(d[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether ``proof`` shows tree ``old_root`` is a prefix of tree ``new_root``.

    The algorithm of RFC 9162 §2.1.4.2, with the trivial cases (empty old tree, equal sizes)
    requiring an empty proof and, for an empty old tree, the empty-tree root.
    """
    if not 0 <= old_size <= new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class Frontier:
    """The compact range [0, size): roots of the perfect subtrees that cover it, left to right.

    Subtree heights are the set bits of ``size``, highest first, so the hashes and the size are
    the whole state. Appending is amortised O(1) node hashes and ``root()`` is O(log n), which is
    what lets the database keep the frontier on one head row and sign a new root cheaply.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError("frontier hashes must be 32 bytes")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """Return the number of leaves covered."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """Return a copy of the subtree hashes, largest subtree first."""
        return list(self._hashes)

    def subtrees(self) -> list[tuple[int, bytes]]:
        """Return ``(height, hash)`` of each covering perfect subtree, largest first."""
        heights = [h for h in range(self._size.bit_length() - 1, -1, -1) if self._size >> h & 1]
        return list(zip(heights, self._hashes, strict=True))

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash, merging equal-height subtrees."""
        hashes = self._hashes
        hashes.append(leaf)
        n = self._size
        while n & 1:
            right = hashes.pop()
            hashes[-1] = _sha256(b"\x01" + hashes[-1] + right).digest()
            n >>= 1
        self._size += 1

    def append_subtree(self, height: int, node: bytes) -> None:
        """Add the root of a perfect subtree of ``2**height`` leaves starting at ``size``."""
        if self._size & ((1 << height) - 1):
            raise ValueError(f"a subtree of height {height} cannot start at {self._size}")
        hashes = self._hashes
        hashes.append(node)
        n = self._size >> height
        while n & 1:
            right = hashes.pop()
            hashes[-1] = _sha256(b"\x01" + hashes[-1] + right).digest()
            n >>= 1
        self._size += 1 << height

    def root(self) -> bytes:
        """Return the Merkle Tree Hash of the leaves covered."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT
        r = hashes[-1]
        for h in reversed(hashes[:-1]):
            r = _sha256(b"\x01" + h + r).digest()
        return r

    def copy(self) -> Frontier:
        """Return an independent copy."""
        return Frontier(self._size, self._hashes)

    def to_json(self) -> dict[str, object]:
        """Return ``{"size": n, "hashes": [hex, ...]}`` for storage."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Frontier:
        """Return the frontier stored by ``to_json``; raise ValueError on a malformed value."""
        size, hashes = data.get("size"), data.get("hashes")
        if type(size) is not int or not isinstance(hashes, list):
            raise ValueError("frontier needs an integer size and a list of hashes")
        return cls(size, [_unhex32(h) for h in hashes])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"


def subtree_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Return the node hashes of every perfect subtree aligned at 0, level by level.

    ``levels[h][i]`` is the root of leaves ``[i * 2**h, (i + 1) * 2**h)``; n - 1 node hashes in
    all, without the per-leaf bookkeeping of ``Frontier.append``.
    """
    levels = [list(leaf_hashes)]
    sha256 = _sha256
    while len(levels[-1]) > 1:
        below = iter(levels[-1])
        pairs = zip(below, below, strict=False)
        levels.append([sha256(b"\x01" + a + b).digest() for a, b in pairs])
    return levels


def subtrees_at(levels: list[list[bytes]], size: int) -> list[tuple[int, bytes]]:
    """Return ``(height, hash)`` of the compact range [0, size) from ``subtree_levels``."""
    found, start = [], 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size >> height & 1:
            found.append((height, levels[height][start >> height]))
            start += 1 << height
    return found


def _unhex32(value: object) -> bytes:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError(f"not a lowercase 64-digit hex hash: {value!r}")
    return bytes.fromhex(value)
