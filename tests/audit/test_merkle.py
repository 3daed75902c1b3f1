import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference vectors; the file names its source.
VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc6962_merkle.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]


def _flip(proof: list[bytes], i: int) -> list[bytes]:
    bad = list(proof)
    bad[i] = bytes([bad[i][0] ^ 0x10]) + bad[i][1:]
    return bad


def test_empty_tree_root_is_sha256_of_empty_string():
    assert root([]).hex() == VECTORS["empty_root"] == EMPTY_ROOT.hex()
    assert Frontier().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_root_matches_reference_for_each_size(size):
    assert root(LEAVES[:size]) == ROOTS[size - 1]
    frontier = Frontier()
    for h in LEAVES[:size]:
        frontier.append(h)
    assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}@{v['size']}")
def test_inclusion_proof_matches_reference(vector):
    index, size = vector["index"], vector["size"]
    proof = [bytes.fromhex(x) for x in vector["proof"]]
    assert inclusion_proof(LEAVES, index, size) == proof
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size - 1])
    assert not verify_inclusion(LEAVES[index], index, size * 2, proof, ROOTS[size - 1])
    assert not verify_inclusion(b"WrongLeaf", index, size, proof, ROOTS[size - 1])
    assert not verify_inclusion(LEAVES[index], index, size, [*proof, ROOTS[0]], ROOTS[size - 1])
    for i in range(len(proof)):
        assert not verify_inclusion(LEAVES[index], index, size, _flip(proof, i), ROOTS[size - 1])
    if proof:
        assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], ROOTS[size - 1])


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"], ids=lambda v: f"{v['old_size']}-{v['new_size']}"
)
def test_consistency_proof_matches_reference(vector):
    old, new = vector["old_size"], vector["new_size"]
    proof = [bytes.fromhex(x) for x in vector["proof"]]
    old_root, new_root = ROOTS[old - 1], ROOTS[new - 1]
    assert consistency_proof(LEAVES, old, new) == proof
    assert verify_consistency(old, new, old_root, new_root, proof)
    if not proof:
        return
    assert not verify_consistency(old, new, new_root, old_root, proof)
    assert not verify_consistency(old + 1, new, old_root, new_root, proof)
    assert not verify_consistency(old, new * 2, old_root, new_root, proof)
    assert not verify_consistency(old, new, old_root, new_root, [])
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, old_root])
    assert not verify_consistency(old, new, old_root, new_root, [proof[0], *proof])
    for i in range(len(proof)):
        assert not verify_consistency(old, new, old_root, new_root, _flip(proof, i))


def test_trivial_consistency_cases():
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [])
    assert not verify_consistency(0, 5, ROOTS[0], ROOTS[4], [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [EMPTY_ROOT])
    assert verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    assert not verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    assert not verify_consistency(4, 3, ROOTS[3], ROOTS[2], [])


def test_node_hash_uses_interior_prefix():
    assert root(LEAVES[:2]) == node_hash(LEAVES[0], LEAVES[1])


def test_frontier_json_round_trip_and_validation():
    frontier = Frontier()
    for h in LEAVES[:7]:
        frontier.append(h)
    stored = json.loads(json.dumps(frontier.to_json()))
    assert stored["size"] == 7 and len(stored["hashes"]) == 3
    restored = Frontier.from_json(stored)
    assert restored == frontier and restored.root() == ROOTS[6]
    assert [height for height, _ in restored.subtrees()] == [2, 1, 0]
    restored.append(LEAVES[7])
    assert restored.root() == ROOTS[7] and frontier.size == 7
    with pytest.raises(ValueError):
        Frontier.from_json({"size": 6, "hashes": stored["hashes"]})
    with pytest.raises(ValueError):
        Frontier.from_json({"size": 7, "hashes": [*stored["hashes"][:2], "AB" * 32]})


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(
    lambda xs: [leaf_hash(x) for x in xs]
)


@settings(max_examples=60)
@given(leaf_lists)
def test_frontier_root_equals_mth_for_every_size(hashes):
    frontier = Frontier()
    for size, h in enumerate(hashes, start=1):
        frontier.append(h)
        assert frontier.root() == root(hashes[:size])
        assert Frontier.from_json(frontier.to_json()).root() == frontier.root()


@settings(max_examples=60)
@given(leaf_lists, st.data())
def test_generated_inclusion_proofs_verify_and_flipped_bytes_fail(hashes, data):
    size = data.draw(st.integers(1, len(hashes)))
    index = data.draw(st.integers(0, size - 1))
    tree_root = root(hashes[:size])
    proof = inclusion_proof(hashes, index, size)
    assert verify_inclusion(hashes[index], index, size, proof, tree_root)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        assert not verify_inclusion(hashes[index], index, size, _flip(proof, i), tree_root)
    bad_leaf = bytes([hashes[index][0] ^ 1]) + hashes[index][1:]
    assert not verify_inclusion(bad_leaf, index, size, proof, tree_root)


@settings(max_examples=60)
@given(leaf_lists, st.data())
def test_generated_consistency_proofs_verify_and_flipped_bytes_fail(hashes, data):
    new = data.draw(st.integers(1, len(hashes)))
    old = data.draw(st.integers(1, new))
    old_root, new_root = root(hashes[:old]), root(hashes[:new])
    proof = consistency_proof(hashes, old, new)
    assert verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        assert not verify_consistency(old, new, old_root, new_root, _flip(proof, i))
        bad_old = bytes([old_root[0] ^ 1]) + old_root[1:]
        assert not verify_consistency(old, new, bad_old, new_root, proof)
