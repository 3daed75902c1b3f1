"""RFC 9497 OPRF(ristretto255, SHA-512) against the RFC's vectors, and threshold evaluation."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.core import oprf

VECTORS = json.loads(
    (Path(__file__).parent / "data" / "rfc9497_ristretto255_sha512_oprf.json").read_text()
)
SK = bytes.fromhex(VECTORS["skSm"])


def test_derive_key_pair_gives_the_rfc_key():
    sk, pk = oprf.derive_key_pair(bytes.fromhex(VECTORS["Seed"]), bytes.fromhex(VECTORS["KeyInfo"]))
    assert sk.hex() == VECTORS["skSm"]
    assert len(pk) == oprf.ELEMENT_BYTES


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"input-{v['Input'][:6]}")
def test_rfc_9497_vectors_blind_evaluate_finalize(vector):
    value = bytes.fromhex(vector["Input"])
    blind, blinded = oprf.blind(value, bytes.fromhex(vector["Blind"]))
    assert blinded.hex() == vector["BlindedElement"]
    evaluated = oprf.blind_evaluate(SK, blinded)
    assert evaluated.hex() == vector["EvaluationElement"]
    assert oprf.finalize(value, blind, evaluated).hex() == vector["Output"]
    assert oprf.evaluate(SK, value).hex() == vector["Output"]


@pytest.mark.parametrize("case", VECTORS["expand_message_xmd_sha512"]["cases"])
def test_expand_message_xmd_matches_rfc_9380(case):
    dst = VECTORS["expand_message_xmd_sha512"]["DST"].encode()
    out = oprf.expand_message_xmd(case["msg"].encode(), dst, case["len_in_bytes"])
    assert out.hex() == case["uniform_bytes"]


def test_random_blinds_give_the_same_output():
    value = b"alice@example.com"
    outputs = set()
    blinded_seen = set()
    for _ in range(3):
        blind, blinded = oprf.blind(value)
        blinded_seen.add(blinded)
        outputs.add(oprf.finalize(value, blind, oprf.blind_evaluate(SK, blinded)))
    assert outputs == {oprf.evaluate(SK, value)}
    assert len(blinded_seen) == 3  # the server sees unlinkable requests


@pytest.mark.parametrize("element", [bytes(32), b"\xff" * 32, b"\x01" * 31, b"\x01" * 33], ids=str)
def test_bad_elements_are_refused(element):
    with pytest.raises(oprf.OprfError):
        oprf.blind_evaluate(SK, element)


def test_bad_scalars_are_refused():
    for scalar in (bytes(32), oprf.ORDER.to_bytes(32, "little"), b"\x01" * 31):
        with pytest.raises(oprf.OprfError):
            oprf.deserialize_scalar(scalar)


def _blinded(values):
    pairs = [oprf.blind(v) for v in values]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@pytest.mark.parametrize(("threshold", "holders"), [(2, 3), (3, 5), (1, 1), (3, 3)])
def test_any_threshold_of_shares_evaluates_like_the_whole_key(threshold, holders):
    shares = oprf.split_key(SK, threshold, holders)
    values = [b"alice@example.com", b"+15550100"]
    blinds, blinded = _blinded(values)
    expected = [oprf.evaluate(SK, v) for v in values]
    for subset in itertools.combinations(shares, threshold):
        evaluated = oprf.threshold_blind_evaluate(list(subset), threshold, blinded)
        got = [oprf.finalize(v, r, e) for v, r, e in zip(values, blinds, evaluated, strict=True)]
        assert got == expected
    # More than t shares work too.
    assert oprf.threshold_blind_evaluate(shares, threshold, blinded) == [
        oprf.blind_evaluate(SK, b) for b in blinded
    ]


@pytest.mark.parametrize(("threshold", "holders"), [(2, 3), (3, 5)])
def test_fewer_than_threshold_shares_are_refused(threshold, holders):
    shares = oprf.split_key(SK, threshold, holders)
    _, blinded = _blinded([b"alice@example.com"])
    for subset in itertools.combinations(shares, threshold - 1):
        with pytest.raises(oprf.ThresholdError):
            oprf.threshold_blind_evaluate(list(subset), threshold, blinded)


@pytest.mark.parametrize(("threshold", "holders"), [(2, 3), (3, 5)])
def test_fewer_than_threshold_shares_cannot_compute_the_function(threshold, holders):
    """Combining t-1 holders' answers (a coalition bypassing the check) yields a wrong value."""
    shares = oprf.split_key(SK, threshold, holders)
    value = b"alice@example.com"
    blind, blinded = oprf.blind(value)
    for subset in itertools.combinations(shares, threshold - 1):
        participants = [s.index for s in subset]
        partials = [oprf.partial_evaluate(s, participants, [blinded]) for s in subset]
        forged = oprf.combine(partials, threshold=1)
        assert oprf.finalize(value, blind, forged[0]) != oprf.evaluate(SK, value)
        # A single share alone is no key either.
        for share in subset:
            assert oprf.evaluate(share.scalar, value) != oprf.evaluate(SK, value)


def test_a_share_given_twice_is_refused():
    shares = oprf.split_key(SK, 2, 3)
    with pytest.raises(oprf.OprfError):
        oprf.threshold_blind_evaluate([shares[0], shares[0]], 2, _blinded([b"x"])[1])


@settings(max_examples=25, deadline=None)
@given(
    value=st.binary(min_size=0, max_size=64),
    threshold=st.integers(min_value=1, max_value=4),
    extra=st.integers(min_value=0, max_value=2),
    data=st.data(),
)
def test_threshold_evaluation_is_the_oprf(value, threshold, extra, data):
    holders = threshold + extra
    sk = oprf.random_scalar()
    shares = oprf.split_key(sk, threshold, holders)
    chosen = data.draw(st.permutations(shares))[:threshold]
    blind, blinded = oprf.blind(value)
    evaluated = oprf.threshold_blind_evaluate(chosen, threshold, [blinded])
    assert oprf.finalize(value, blind, evaluated[0]) == oprf.evaluate(sk, value)


def test_batch_finalize_equals_the_rfc_finalize():
    values = [b"", b"a", b"alice@example.com"]
    pairs = [oprf.blind(v) for v in values]
    evaluated = [oprf.blind_evaluate(SK, b) for _, b in pairs]
    assert oprf.finalize_many(values, [r for r, _ in pairs], evaluated) == [
        oprf.finalize(v, r, e) for v, (r, _), e in zip(values, pairs, evaluated, strict=True)
    ]
    assert oprf.invert_scalars([]) == []
