"""RFC 9497 OPRF(ristretto255, SHA-512) in OPRF mode, and its t-of-n threshold evaluation.

Pure module (no Django). The group arithmetic is libsodium's ristretto255 (through `rbcl`, which
bundles libsodium); this module only hashes (RFC 9380 ``expand_message_xmd`` with SHA-512),
encodes and does scalar arithmetic modulo the group order for Shamir sharing.

The protocol (RFC 9497 section 3.3.1): a client blinds its input, ``B = r·H(x)``; the server
answers ``k·B`` without learning ``x``; the client unblinds ``N = r⁻¹·k·B = k·H(x)`` and hashes
it with ``x`` into the 64-byte output. With the key split t-of-n (Shamir over the scalar field),
each share holder i of a set S answers ``(λ_i·k_i)·B`` and the sum over S equals ``k·B`` exactly
when |S| ≥ t; fewer shares interpolate another polynomial and give an unrelated value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import rbcl

IDENTIFIER = b"ristretto255-SHA512"
MODE_OPRF = 0x00
CONTEXT_STRING = b"OPRFV1-" + bytes([MODE_OPRF]) + b"-" + IDENTIFIER
ELEMENT_BYTES = 32
SCALAR_BYTES = 32
OUTPUT_BYTES = 64
# The prime order of the ristretto255 group (RFC 9496).
ORDER = 2**252 + 27742317777372353535851937790883648493
_IDENTITY = bytes(ELEMENT_BYTES)
_HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT_STRING
_HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT_STRING
_DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT_STRING


class OprfError(ValueError):
    """Raised for an input, element or scalar the protocol refuses (never names an input)."""


class ThresholdError(OprfError):
    """Raised when fewer share holders than the threshold take part in an evaluation."""


# --------------------------------------------------------------------------------------------
# RFC 9380 hashing


def i2osp(value: int, length: int) -> bytes:
    """Return `value` as a big-endian string of `length` bytes (RFC 8017 I2OSP)."""
    if value < 0 or value >= 1 << (8 * length):
        raise OprfError("integer too large to encode")
    return value.to_bytes(length, "big")


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """Return RFC 9380 section 5.3.1 expand_message_xmd(msg, DST, len) with SHA-512."""
    b_in_bytes, s_in_bytes = 64, 128
    ell = -(-length // b_in_bytes)
    if ell > 255 or length > 65535 or len(dst) > 255:
        raise OprfError("expand_message_xmd length or DST too long")
    dst_prime = dst + i2osp(len(dst), 1)
    msg_prime = bytes(s_in_bytes) + msg + i2osp(length, 2) + b"\x00" + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + i2osp(i, 1) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(msg: bytes) -> bytes:
    """Return the ristretto255 element RFC 9497 maps `msg` to (HashToGroup)."""
    return rbcl.crypto_core_ristretto255_from_hash(expand_message_xmd(msg, _HASH_TO_GROUP_DST, 64))


def hash_to_scalar(msg: bytes, dst: bytes = _HASH_TO_SCALAR_DST) -> bytes:
    """Return the scalar RFC 9497 maps `msg` to (HashToScalar), little-endian."""
    return rbcl.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(msg, dst, 64))


# --------------------------------------------------------------------------------------------
# Encodings


def scalar_to_int(scalar: bytes) -> int:
    """Return the integer of a little-endian scalar encoding."""
    return int.from_bytes(scalar, "little")


def int_to_scalar(value: int) -> bytes:
    """Return the little-endian encoding of `value` modulo the group order."""
    return (value % ORDER).to_bytes(SCALAR_BYTES, "little")


def deserialize_scalar(data: bytes) -> bytes:
    """Return `data` when it is a canonical non-zero scalar; raise OprfError otherwise."""
    if len(data) != SCALAR_BYTES or not 0 < scalar_to_int(data) < ORDER:
        raise OprfError("not a canonical non-zero scalar")
    return data


def deserialize_element(data: bytes) -> bytes:
    """Return `data` when it encodes a ristretto255 element other than the identity."""
    if (
        len(data) != ELEMENT_BYTES
        or data == _IDENTITY
        or not rbcl.crypto_core_ristretto255_is_valid_point(data)
    ):
        raise OprfError("not a valid group element")
    return data


def random_scalar() -> bytes:
    """Return a uniformly random non-zero scalar."""
    return rbcl.crypto_core_ristretto255_scalar_random()


# --------------------------------------------------------------------------------------------
# The protocol (RFC 9497 sections 3.2 and 3.3.1)


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """Return (skS, pkS) derived from a 32-byte `seed` and public `info` (DeriveKeyPair)."""
    derive_input = seed + i2osp(len(info), 2) + info
    for counter in range(256):
        sk = hash_to_scalar(derive_input + i2osp(counter, 1), _DERIVE_KEY_PAIR_DST)
        if scalar_to_int(sk) != 0:
            return sk, rbcl.crypto_scalarmult_ristretto255_base(sk)
    raise OprfError("DeriveKeyPairError")


def blind(value: bytes, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """Return (blind, blindedElement) for the client's `value`; a random blind by default."""
    r = deserialize_scalar(blind_scalar) if blind_scalar is not None else random_scalar()
    element = hash_to_group(value)
    if element == _IDENTITY:
        raise OprfError("InvalidInputError")
    return r, rbcl.crypto_scalarmult_ristretto255(r, element)


def blind_evaluate(sk: bytes, blinded_element: bytes) -> bytes:
    """Return the server's evaluatedElement k·B for a client's blindedElement B."""
    return rbcl.crypto_scalarmult_ristretto255(
        deserialize_scalar(sk), deserialize_element(blinded_element)
    )


def finalize(value: bytes, blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """Return the 64-byte OPRF output of `value` from the server's evaluatedElement."""
    inverse = rbcl.crypto_core_ristretto255_scalar_invert(blind_scalar)
    unblinded = rbcl.crypto_scalarmult_ristretto255(inverse, deserialize_element(evaluated_element))
    hash_input = i2osp(len(value), 2) + value + i2osp(len(unblinded), 2) + unblinded + b"Finalize"
    return hashlib.sha512(hash_input).digest()


def invert_scalars(scalars: Sequence[bytes]) -> list[bytes]:
    """Return the inverse of each non-zero scalar, with one modular inversion for the batch.

    Montgomery's trick: invert the product once, then peel each inverse off with two
    multiplications. The client's blinds are random and never leave its machine.
    """
    values = [scalar_to_int(deserialize_scalar(s)) for s in scalars]
    prefix, running = [], 1
    for value in values:
        prefix.append(running)
        running = running * value % ORDER
    inverse = pow(running, -1, ORDER) if values else 1
    out = [b""] * len(values)
    for index in range(len(values) - 1, -1, -1):
        out[index] = int_to_scalar(inverse * prefix[index])
        inverse = inverse * values[index] % ORDER
    return out


def finalize_many(
    values: Sequence[bytes], blinds: Sequence[bytes], evaluated_elements: Sequence[bytes]
) -> list[bytes]:
    """Return `finalize` of each (value, blind, evaluatedElement), inverting the blinds at once."""
    outputs = []
    for value, inverse, element in zip(
        values, invert_scalars(blinds), evaluated_elements, strict=True
    ):
        unblinded = rbcl.crypto_scalarmult_ristretto255(inverse, deserialize_element(element))
        outputs.append(
            hashlib.sha512(
                i2osp(len(value), 2) + value + i2osp(len(unblinded), 2) + unblinded + b"Finalize"
            ).digest()
        )
    return outputs


def evaluate(sk: bytes, value: bytes) -> bytes:
    """Return the OPRF output of `value` computed by the key holder itself (no blinding)."""
    element = hash_to_group(value)
    if element == _IDENTITY:
        raise OprfError("InvalidInputError")
    issued = rbcl.crypto_scalarmult_ristretto255(deserialize_scalar(sk), element)
    hash_input = i2osp(len(value), 2) + value + i2osp(len(issued), 2) + issued + b"Finalize"
    return hashlib.sha512(hash_input).digest()


# --------------------------------------------------------------------------------------------
# Threshold evaluation (Shamir t-of-n over the scalar field)


@dataclass(frozen=True)
class KeyShare:
    """Share `index` (1..n) of an OPRF key: the polynomial's value at x = index."""

    index: int
    scalar: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.index < 256:
            raise OprfError("share index must be 1..255")
        deserialize_scalar(self.scalar)


def split_key(sk: bytes, threshold: int, holders: int) -> list[KeyShare]:
    """Return `holders` shares of `sk`, any `threshold` of which reconstruct its evaluations."""
    if not 1 <= threshold <= holders < 256:
        raise OprfError("need 1 <= threshold <= holders < 256")
    coefficients = [scalar_to_int(deserialize_scalar(sk))]
    coefficients += [scalar_to_int(random_scalar()) for _ in range(threshold - 1)]
    shares = []
    for x in range(1, holders + 1):
        y = 0
        for coefficient in reversed(coefficients):  # Horner
            y = (y * x + coefficient) % ORDER
        if y == 0:  # probability ~2^-252; a zero share could not evaluate
            return split_key(sk, threshold, holders)
        shares.append(KeyShare(index=x, scalar=int_to_scalar(y)))
    return shares


def lagrange_coefficient(index: int, participants: Iterable[int]) -> int:
    """Return λ_index at x = 0 for the interpolation set `participants`."""
    others = [j for j in set(participants) if j != index]
    numerator, denominator = 1, 1
    for j in others:
        numerator = numerator * j % ORDER
        denominator = denominator * (j - index) % ORDER
    return numerator * pow(denominator, -1, ORDER) % ORDER


def partial_evaluate(
    share: KeyShare, participants: Sequence[int], blinded_elements: Sequence[bytes]
) -> list[bytes]:
    """Return one holder's (λ_i·k_i)·B for each blinded element, for the set `participants`.

    Folding the public Lagrange coefficient into the share costs the holder nothing and saves
    the combiner a scalar multiplication per element and holder.
    """
    if share.index not in participants:
        raise OprfError("share holder is not among the participants")
    weighted = int_to_scalar(
        lagrange_coefficient(share.index, participants) * scalar_to_int(share.scalar)
    )
    return [
        rbcl.crypto_scalarmult_ristretto255(weighted, deserialize_element(element))
        for element in blinded_elements
    ]


def combine(partials: Sequence[Sequence[bytes]], threshold: int) -> list[bytes]:
    """Return the evaluated elements Σ_i (λ_i·k_i)·B from at least `threshold` holders' answers."""
    if len(partials) < threshold:
        raise ThresholdError(f"{len(partials)} share holders answered; {threshold} are needed")
    combined = list(partials[0])
    for answer in partials[1:]:
        if len(answer) != len(combined):
            raise OprfError("share holders answered different batch sizes")
        combined = [
            rbcl.crypto_core_ristretto255_add(total, part)
            for total, part in zip(combined, answer, strict=True)
        ]
    return combined


def threshold_blind_evaluate(
    shares: Sequence[KeyShare], threshold: int, blinded_elements: Sequence[bytes]
) -> list[bytes]:
    """Return k·B for each blinded element from `shares` (refused below `threshold`)."""
    participants = sorted({share.index for share in shares})
    if len(participants) != len(shares):
        raise OprfError("a share index is given twice")
    if len(participants) < threshold:
        raise ThresholdError(f"{len(shares)} shares given; {threshold} are needed")
    return combine(
        [partial_evaluate(share, participants, blinded_elements) for share in shares], threshold
    )


# --------------------------------------------------------------------------------------------
# Pseudonym tokens

TOKEN_PREFIX = "oprf"


def token_text(key_id: str, output: bytes) -> str:
    """Return the pseudonym token ``oprf:<key id>:<128 hex>`` of an OPRF output."""
    return f"{TOKEN_PREFIX}:{key_id}:{output.hex()}"


@dataclass(frozen=True)
class OprfPseudonymKey:
    """A pseudonymisation key whose secret nobody holds whole: `evaluate` asks the share holders.

    `evaluate` takes blinded elements and returns k·B for each (`threshold_blind_evaluate`
    behind the holders' credentials); the caller's values never leave this object unblinded.
    """

    key_id: str
    evaluate: Callable[[Sequence[bytes]], list[bytes]] = field(repr=False, compare=False)

    def token(self, canonical: str) -> str:
        """Return the token of one canonical value."""
        return self.tokens([canonical])[0]

    def tokens(self, canonicals: Sequence[str]) -> list[str]:
        """Return the tokens of canonical values, evaluated in one batch."""
        values = [c.encode("utf-8") for c in canonicals]
        blinded = [blind(value) for value in values]
        evaluated = self.evaluate([element for _, element in blinded])
        if len(evaluated) != len(values):
            raise OprfError("the evaluation answered a different batch size")
        outputs = finalize_many(values, [r for r, _ in blinded], evaluated)
        return [token_text(self.key_id, output) for output in outputs]
