"""Bundle format 2: entries in stored chunks, checked by worker processes; format 1 still reads.

The chunk check (`audit.core.verify._check_chunk`) only says whether a chunk holds; when any
chunk does not, the verifier reads the whole bundle in order, as for format 1, so a tampered
format 2 bundle fails at the same seq with the same reason.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.core.bundle import FORMAT_V2, MANIFEST
from audit.core.canonical import canonicalize
from audit.core.signed_note import generate_signer_key, load_private_key
from audit.core.verify import _CHUNK_LINE, _data_keys_increase, verify_bundle
from tests.audit.test_verify import (
    _LEAF_EDITS,
    CHECKPOINT_SIZES,
    ORIGIN,
    N,
    build,
    checkpoint,
    make_leaves,
)
from tests.audit.test_verify_fast import _PIECES, _complete, entries

CHUNK = 64  # 200 leaves: chunks at 0, 64, 128, 192


@pytest.fixture(scope="module")
def key():
    pem, vkey = generate_signer_key(ORIGIN)
    return load_private_key(pem), vkey


@pytest.fixture(scope="module")
def leaves():
    return make_leaves(N)


def build_v2(path: Path, leaves, private_key, **options) -> Path:
    return build(path, leaves, private_key, version=2, chunk_leaves=CHUNK, **options)


def rewrite_chunks(src: Path, dst: Path, transform) -> Path:
    """Copy a format 2 bundle with its entry lines transformed, cut again at the same chunk
    starts and the manifest re-hashed, as a careful forger would."""
    with zipfile.ZipFile(src) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    names = sorted((n for n in members if n.startswith("entries/")),
                   key=lambda n: int(n.split("/")[1].split(".")[0]))  # fmt: skip
    starts = [int(n.split("/")[1].split(".")[0]) for n in names]
    first = starts[0]
    lines = transform(b"".join(members.pop(n) for n in names).splitlines())
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        part = lines[start - first : None if end is None else end - first]
        members[f"entries/{start}.jsonl"] = b"".join(x + b"\n" for x in part)
    manifest = json.loads(members[MANIFEST])
    manifest["files"] = {
        name: hashlib.sha256(data).hexdigest() for name, data in members.items() if name != MANIFEST
    }
    members[MANIFEST] = canonicalize(manifest)
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst


@pytest.mark.parametrize("processes", [1, 2])
def test_format_2_bundle_verifies_in_worker_processes_and_in_one(tmp_path, key, leaves, processes):
    path = build_v2(tmp_path / "v2.zip", leaves, key[0])
    report = verify_bundle(path, key[1], processes=processes)
    assert report.ok, report.reason
    assert report.summary() == f"OK: {N} entries seq 0..{N - 1}, 4 checkpoints verified"


def test_format_2_chunks_are_stored_uncompressed_at_multiples_of_the_chunk(tmp_path, key, leaves):
    path = build_v2(tmp_path / "v2.zip", leaves, key[0])
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert (manifest["format"], manifest["chunk_leaves"]) == (FORMAT_V2, CHUNK)
        chunks = [i for i in zf.infolist() if i.filename.startswith("entries/")]
        assert [i.filename for i in chunks] == [f"entries/{s}.jsonl" for s in (0, 64, 128, 192)]
        assert {i.compress_type for i in chunks} == {zipfile.ZIP_STORED}
        assert b"".join(zf.read(i.filename) for i in chunks) == b"".join(x + b"\n" for x in leaves)
        assert "entries.jsonl" not in zf.namelist()


def test_format_2_range_from_an_unaligned_seq_with_a_since_checkpoint(tmp_path, key, leaves):
    path = build_v2(tmp_path / "v2.zip", leaves, key[0], from_seq=30, proof_from=(20,))
    with zipfile.ZipFile(path) as zf:
        assert sorted(n for n in zf.namelist() if n.startswith("entries/")) == [
            "entries/128.jsonl", "entries/192.jsonl", "entries/30.jsonl", "entries/64.jsonl"
        ]  # fmt: skip
    since = checkpoint(leaves, 20, key[0])
    for processes in (1, 2):
        report = verify_bundle(path, key[1], since, processes=processes)
        assert report.ok, report.reason
        assert (report.from_seq, report.consistent_with) == (30, 20)
    other = checkpoint(make_leaves(N, rewrite_at=5), 20, key[0])
    report = verify_bundle(path, key[1], other, processes=2)
    assert not report.ok and "history rewritten" in report.reason


def test_format_1_bundles_still_verify(tmp_path, key, leaves):
    path = build(tmp_path / "v1.zip", leaves, key[0])
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read(MANIFEST))["format"] == "clearroom-audit-bundle/1"
    assert verify_bundle(path, key[1], processes=2).ok


@pytest.mark.parametrize(("name", "transform", "bad_seq"), _LEAF_EDITS)
def test_tampered_format_2_entries_fail_at_the_right_seq(
    tmp_path, key, leaves, name, transform, bad_seq
):
    genuine = build_v2(tmp_path / "v2.zip", leaves, key[0])
    report = verify_bundle(rewrite_chunks(genuine, tmp_path / "t.zip", transform), key[1],
                           processes=2)  # fmt: skip
    assert not report.ok and report.first_bad_seq == bad_seq, report.summary()


def test_rewritten_format_2_history_fails_at_the_merkle_check(tmp_path, key):
    original, forged = make_leaves(N), make_leaves(N, rewrite_at=120)
    genuine = build_v2(tmp_path / "genuine.zip", original, key[0])
    with zipfile.ZipFile(genuine) as zf:
        signed = {n: zf.read(n) for n in zf.namelist() if n.startswith("checkpoints/")}
    tampered = build_v2(tmp_path / "forged.zip", forged, key[0])
    with zipfile.ZipFile(tampered) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members.update(signed)
    manifest = json.loads(members[MANIFEST])
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in members.items()
                         if n != MANIFEST}  # fmt: skip
    members[MANIFEST] = canonicalize(manifest)
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    report = verify_bundle(tmp_path / "t.zip", key[1], processes=2)
    assert (report.ok, report.first_bad_seq) == (False, 100), report.summary()
    assert "Merkle root" in report.reason


def test_a_chunk_not_matching_the_manifest_fails(tmp_path, key, leaves):
    genuine = build_v2(tmp_path / "v2.zip", leaves, key[0])
    with zipfile.ZipFile(genuine) as zin, zipfile.ZipFile(tmp_path / "t.zip", "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == MANIFEST:
                manifest = json.loads(data)
                manifest["files"]["entries/64.jsonl"] = "0" * 64
                data = canonicalize(manifest)
            zout.writestr(name, data)
    report = verify_bundle(tmp_path / "t.zip", key[1], processes=2)
    assert not report.ok and "entries/64.jsonl does not match its SHA-256" in report.reason


def test_checkpoints_inside_chunks_are_checked(tmp_path, key, leaves):
    path = build_v2(tmp_path / "v2.zip", leaves, key[0], sizes=(1, 63, 64, 65, 130, 199, 200))
    assert verify_bundle(path, key[1], processes=2).checkpoints_checked == 7
    assert CHECKPOINT_SIZES  # the default sizes are also inside chunks (50, 100, 150)


# --- the chunk check's one-line expression accepts nothing the complete check refuses ----------


def _chunk_line(line: bytes) -> tuple[int, str] | None:
    if b"\n" in line:  # two lines of a chunk, each checked on its own
        return None
    try:
        text = (line + b"\n").decode("utf-8")
    except UnicodeDecodeError:
        return None
    rows = _CHUNK_LINE.findall(text)
    if len(rows) != 1 or not _data_keys_increase([rows[0][0]]):
        return None
    return int(rows[0][2]), rows[0][1]


_names = st.text("abzAZ09_.-", min_size=1, max_size=4)
_scalars = st.none() | st.booleans() | st.integers(-(10**16), 10**16) | st.text(max_size=6)
_flat = st.dictionaries(_names, _scalars | st.lists(_scalars, max_size=3), max_size=4)


@settings(max_examples=600)
@given(entries(), _flat)
def test_chunk_line_agrees_with_the_complete_check(entry, flat):
    for data in (entry["data"], flat):
        entry = {**entry, "data": data}
        try:
            line = canonicalize(entry)
        except ValueError:
            line = json.dumps(entry, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()  # fmt: skip
        fast = _chunk_line(line)
        if fast is not None:
            assert fast == _complete(line)


_FLAT_LEAF = canonicalize(
    {
        "action": "submission.created",
        "actor": {"org": "north", "role": "analyst", "user_id": 7, "username": 'a"b'},
        "data": {"a": [1, "x", None], "b": "y\u2028", "c": -3, "d": True},
        "object": {"id": "42", "type": "sharing.submission"},
        "prev": hashlib.sha256(b"x").hexdigest(),
        "recorded_at": "2026-11-25T00:11:02.123456Z",
        "seq": 12,
        "v": 1,
    }
)


@settings(max_examples=1500)
@given(st.integers(0, len(_FLAT_LEAF)), st.integers(0, 4), st.sampled_from(_PIECES))
def test_chunk_line_never_accepts_a_mutated_leaf_the_complete_check_refuses(at, cut, piece):
    assert (
        _chunk_line(_FLAT_LEAF) == _complete(_FLAT_LEAF) == (12, hashlib.sha256(b"x").hexdigest())
    )
    line = _FLAT_LEAF[:at] + piece + _FLAT_LEAF[at + cut :]
    fast = _chunk_line(line)
    if fast is not None:
        assert fast == _complete(line)


def test_unsorted_or_repeated_data_keys_are_left_to_the_complete_check():
    for data in (b'{"b":1,"a":2}', b'{"a":1,"a":2}'):
        line = _FLAT_LEAF.replace(b'{"a":[1,"x",null],"b":"y\xe2\x80\xa8","c":-3,"d":true}', data)
        assert line != _FLAT_LEAF
        assert _chunk_line(line) is None and _complete(line) is None
