import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from audit.core.bundle import ENTRIES, MANIFEST, ZERO_HASH, BundleError, build_bundle
from audit.core.canonical import canonicalize
from audit.core.merkle import Frontier, consistency_proof, leaf_hash, root
from audit.core.signed_note import (
    ALG_COSIGNATURE_V1,
    cosign,
    format_checkpoint,
    generate_signer_key,
    load_private_key,
    sign_note,
)
from audit.core.verify import entry_problem, verify_bundle

ORIGIN = "clearroom.example/audit"
N = 200
CHECKPOINT_SIZES = (50, 100, 150, 200)
REPO = Path(__file__).resolve().parents[2]


def make_leaves(n: int, *, rewrite_at: int | None = None) -> list[bytes]:
    """Return a valid chained log of ``n`` leaves; ``rewrite_at`` alters that entry's data."""
    leaves, prev = [], ZERO_HASH
    for seq in range(n):
        entry = {
            "v": 1,
            "seq": seq,
            "prev": prev,
            "recorded_at": f"2025-03-01T12:{seq // 60 % 60:02d}:{seq % 60:02d}.{seq:06d}Z",
            "actor": {"user_id": seq % 7 or None, "username": f"user{seq % 7}", "org": "lab-a",
                      "role": "analyst"},
            "action": "submission.create" if seq % 3 else "review.decide",
            "object": {"type": "submission", "id": str(1000 + seq)},
            "data": {"n": seq, "sha256": hashlib.sha256(str(seq).encode()).hexdigest(),
                     "note": "réseau 😀" if seq % 11 == 0 else "plain",
                     "rewritten": seq == rewrite_at},
        }  # fmt: skip
        leaf = canonicalize(entry)
        leaves.append(leaf)
        prev = leaf_hash(leaf).hex()
    return leaves


@pytest.fixture(scope="module")
def key():
    pem, vkey = generate_signer_key(ORIGIN)
    return load_private_key(pem), vkey


@pytest.fixture(scope="module")
def leaves():
    return make_leaves(N)


def checkpoint(leaves: list[bytes], size: int, private_key) -> str:
    body = format_checkpoint(ORIGIN, size, root([leaf_hash(x) for x in leaves[:size]]))
    return sign_note(body, ORIGIN, private_key)


def build(path: Path, leaves: list[bytes], private_key, *, from_seq: int = 0, sizes=None,
          proof_from=(), extra_files=None, **format_options) -> Path:  # fmt: skip
    hashes = [leaf_hash(x) for x in leaves]
    frontier = Frontier()
    for h in hashes[:from_seq]:
        frontier.append(h)
    sizes = [s for s in (sizes or CHECKPOINT_SIZES) if from_seq < s <= len(leaves)]
    proofs = [
        {"old_size": m, "new_size": len(leaves),
         "proof": [p.hex() for p in consistency_proof(hashes, m, len(leaves))]}
        for m in proof_from
    ]  # fmt: skip
    build_bundle(
        path,
        origin=ORIGIN,
        leaves=(leaf for leaf in leaves[from_seq:]),
        from_seq=from_seq,
        prefix_frontier=frontier,
        prefix_prev=hashes[from_seq - 1].hex() if from_seq else ZERO_HASH,
        checkpoints=[checkpoint(leaves, s, private_key) for s in sizes],
        proofs=proofs,
        extra_files=extra_files or {},
        created_at="2025-03-02T00:00:00.000000Z",
        **format_options,
    )
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, key, leaves):
    return build(tmp_path_factory.mktemp("b") / "bundle.zip", leaves, key[0])


def rewrite(src: Path, dst: Path, *, entries=None, files=None) -> Path:
    """Copy a bundle, transforming entry lines or files and re-hashing the manifest as a
    careful forger would."""
    with zipfile.ZipFile(src) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    if entries is not None:
        members[ENTRIES] = b"".join(x + b"\n" for x in entries(members[ENTRIES].splitlines()))
    for name, data in (files or {}).items():
        members[name] = data
    manifest = json.loads(members[MANIFEST])
    manifest["files"] = {
        name: hashlib.sha256(data).hexdigest() for name, data in members.items() if name != MANIFEST
    }
    members[MANIFEST] = canonicalize(manifest)
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst


def test_untouched_bundle_verifies(bundle, key):
    report = verify_bundle(bundle, key[1])
    assert report.ok, report.reason
    assert (report.entries, report.from_seq, report.to_seq) == (N, 0, N - 1)
    assert report.checkpoints_checked == len(CHECKPOINT_SIZES)
    assert report.summary() == f"OK: {N} entries seq 0..{N - 1}, 4 checkpoints verified"


def test_bundle_contents_follow_the_format(bundle, leaves):
    with zipfile.ZipFile(bundle) as zf:
        assert zf.read(ENTRIES) == b"".join(x + b"\n" for x in leaves)
        manifest = json.loads(zf.read(MANIFEST))
        assert manifest["format"] == "clearroom-audit-bundle/1"
        assert (manifest["from_seq"], manifest["to_seq"], manifest["origin"]) == (0, N - 1, ORIGIN)
        assert set(manifest["files"]) == set(zf.namelist()) - {MANIFEST}
        assert {f"checkpoints/{s}.txt" for s in CHECKPOINT_SIZES} <= set(manifest["files"])
        assert json.loads(zf.read("prefix.json")) == {"size": 0, "frontier": [], "prev": ZERO_HASH}
        assert "python -m audit.core.verify" in zf.read("README.md").decode()


def _edit_byte(line: bytes) -> bytes:
    i = line.index(b'"username":"user') + len(b'"username":"u')
    return line[:i] + b"S" + line[i + 1 :]


def _edit_prev(line: bytes) -> bytes:
    i = line.index(b'"prev":"') + len(b'"prev":"')
    return line[:i] + (b"e" if line[i : i + 1] == b"f" else b"f") + line[i + 1 :]


_LEAF_EDITS = [
        ("edit a byte", lambda ls: [*ls[:57], _edit_byte(ls[57]), *ls[58:]], 57),
        ("edit a prev digit", lambda ls: [*ls[:57], _edit_prev(ls[57]), *ls[58:]], 57),
        ("break the JSON", lambda ls: [*ls[:57], ls[57][:-1], *ls[58:]], 57),
        ("delete a line", lambda ls: [*ls[:57], *ls[58:]], 57),
        ("swap two lines", lambda ls: [*ls[:57], ls[58], ls[57], *ls[59:]], 57),
        ("insert a copy", lambda ls: [*ls[:58], ls[57], *ls[58:]], 58),
        ("insert junk", lambda ls: [*ls[:57], b'{"x":1}', *ls[57:]], 57),
        ("truncate the tail", lambda ls: ls[:180], 180),
        ("append past the checkpoint", lambda ls: [*ls, ls[-1]], N),
]  # fmt: skip


@pytest.mark.parametrize(("name", "transform", "bad_seq"), _LEAF_EDITS)
def test_tampered_entries_fail_at_the_right_seq(tmp_path, bundle, key, name, transform, bad_seq):
    report = verify_bundle(rewrite(bundle, tmp_path / "t.zip", entries=transform), key[1])
    assert not report.ok and report.first_bad_seq == bad_seq, report.summary()
    assert report.summary().startswith(f"FAIL at seq {bad_seq}: ")


def test_inserted_forged_entry_with_a_valid_chain_link_fails_at_its_seq(tmp_path, bundle, key):
    with zipfile.ZipFile(bundle) as zf:
        lines = zf.read(ENTRIES).splitlines()
    forged = json.loads(lines[57])
    forged["action"] = "policy.approve"
    report = verify_bundle(
        rewrite(bundle, tmp_path / "t.zip",
                entries=lambda ls: [*ls[:57], canonicalize(forged), *ls[57:]]),
        key[1],
    )  # fmt: skip
    assert (report.ok, report.first_bad_seq) == (False, 57), report.summary()


def test_rewritten_history_with_a_consistent_chain_fails_at_the_merkle_check(tmp_path, key):
    original, forged = make_leaves(N), make_leaves(N, rewrite_at=120)
    genuine = build(tmp_path / "genuine.zip", original, key[0])
    with zipfile.ZipFile(genuine) as zf:
        checkpoints = {n: zf.read(n) for n in zf.namelist() if n.startswith("checkpoints/")}
    # The forger rehashes every later entry but cannot sign, so keeps the genuine checkpoints.
    tampered = rewrite(build(tmp_path / "forged.zip", forged, key[0]), tmp_path / "t.zip",
                       files=checkpoints)  # fmt: skip
    report = verify_bundle(tampered, key[1])
    assert (report.ok, report.first_bad_seq) == (False, 100), report.summary()
    assert "Merkle root" in report.reason


def test_bundle_signed_by_another_key_fails(tmp_path, leaves, key):
    other_pem, _ = generate_signer_key(ORIGIN)
    path = build(tmp_path / "other.zip", leaves, load_private_key(other_pem))
    report = verify_bundle(path, key[1])
    assert not report.ok and report.first_bad_seq is None
    assert report.summary().startswith("FAIL: checkpoints/") and "trusted key" in report.reason


def test_forged_checkpoint_root_fails(tmp_path, bundle, key):
    with zipfile.ZipFile(bundle) as zf:
        note = zf.read("checkpoints/200.txt").decode()
    lines = note.split("\n")
    lines[2] = format_checkpoint(ORIGIN, 200, hashlib.sha256(b"forged").digest()).split("\n")[2]
    tampered = rewrite(bundle, tmp_path / "t.zip",
                       files={"checkpoints/200.txt": "\n".join(lines).encode()})  # fmt: skip
    report = verify_bundle(tampered, key[1])
    assert not report.ok and report.first_bad_seq is None
    assert "does not verify" in report.reason


def test_manifest_mismatch_fails(tmp_path, bundle, key):
    with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(tmp_path / "t.zip", "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, data + b"\n" if name == "README.md" else data)
    report = verify_bundle(tmp_path / "t.zip", key[1])
    assert not report.ok and "README.md does not match" in report.reason


def test_cosigned_checkpoint_in_the_bundle_is_accepted(tmp_path, leaves, key):
    w_pem, _ = generate_signer_key("regulator.example/w1", ALG_COSIGNATURE_V1)
    note = checkpoint(leaves, N, key[0])
    body = note[: note.index("\n\n") + 1]
    cosigned = note + cosign(body, "regulator.example/w1", load_private_key(w_pem), 1_700_000_000)
    path = rewrite(build(tmp_path / "b.zip", leaves, key[0]), tmp_path / "c.zip",
                   files={"checkpoints/200.txt": cosigned.encode()})  # fmt: skip
    assert verify_bundle(path, key[1]).ok


def test_range_export_verifies_and_detects_tampering(tmp_path, leaves, key):
    path = build(tmp_path / "range.zip", leaves, key[0], from_seq=80,
                 extra_files={"policies/baseline-v3.json": b'{"rules":[]}'})  # fmt: skip
    report = verify_bundle(path, key[1])
    assert report.ok, report.reason
    assert report.summary() == "OK: 120 entries seq 80..199, 3 checkpoints verified"
    swapped = rewrite(
        path, tmp_path / "t.zip", entries=lambda ls: [*ls[:10], ls[11], ls[10], *ls[12:]]
    )
    assert verify_bundle(swapped, key[1]).first_bad_seq == 90
    with zipfile.ZipFile(path) as zf:
        prefix = json.loads(zf.read("prefix.json"))
    prefix["frontier"][0] = "00" * 32
    bad_prefix = rewrite(path, tmp_path / "p.zip", files={"prefix.json": canonicalize(prefix)})
    report = verify_bundle(bad_prefix, key[1])
    assert not report.ok and "Merkle root" in report.reason


def test_since_checkpoint_is_proven_consistent(tmp_path, leaves, key):
    held = checkpoint(leaves, 100, key[0])
    full = build(tmp_path / "full.zip", leaves, key[0], sizes=(150, 200))
    report = verify_bundle(full, key[1], held)
    assert report.ok and report.consistent_with == 100, report.reason
    assert report.summary().endswith(", consistent with checkpoint of size 100")
    ranged = build(tmp_path / "range.zip", leaves, key[0], from_seq=150, proof_from=(100,))
    assert verify_bundle(ranged, key[1], held).consistent_with == 100
    no_proof = build(tmp_path / "noproof.zip", leaves, key[0], from_seq=150)
    report = verify_bundle(no_proof, key[1], held)
    assert not report.ok and "no consistency proof" in report.reason


def test_rewritten_history_is_not_consistent_with_the_held_checkpoint(tmp_path, leaves, key):
    held = checkpoint(leaves, 100, key[0])
    # A dishonest operator rewrites seq 10 and re-signs everything with the real key.
    rewritten = make_leaves(N, rewrite_at=10)
    full = build(tmp_path / "full.zip", rewritten, key[0])
    report = verify_bundle(full, key[1], held)
    assert not report.ok and "history rewritten" in report.reason
    ranged = build(tmp_path / "range.zip", rewritten, key[0], from_seq=150, proof_from=(100,))
    report = verify_bundle(ranged, key[1], held)
    assert not report.ok and "history rewritten" in report.reason


def test_since_checkpoint_signed_by_another_key_fails(tmp_path, bundle, leaves, key):
    other_pem, _ = generate_signer_key(ORIGIN)
    report = verify_bundle(bundle, key[1], checkpoint(leaves, 100, load_private_key(other_pem)))
    assert not report.ok and "--since" in report.reason


def test_builder_refuses_bad_input_and_leaves_no_file(tmp_path, leaves, key):
    path = tmp_path / "bad.zip"
    with pytest.raises(BundleError):
        build_bundle(
            path, origin=ORIGIN, leaves=iter(leaves), from_seq=0, prefix_frontier=Frontier(),
            prefix_prev=ZERO_HASH, checkpoints=[checkpoint(leaves, 100, key[0])], proofs=[],
            extra_files={}, created_at="2025-03-02T00:00:00.000000Z",
        )  # fmt: skip
    assert not path.exists()
    with pytest.raises(BundleError):
        build_bundle(
            io.BytesIO(), origin=ORIGIN, leaves=iter(leaves), from_seq=0,
            prefix_frontier=Frontier(), prefix_prev=ZERO_HASH,
            checkpoints=[checkpoint(leaves, N, key[0])], proofs=[],
            extra_files={"../evil.json": b"{}"}, created_at="2025-03-02T00:00:00.000000Z",
        )  # fmt: skip


def test_entry_shape_is_checked():
    entry = json.loads(make_leaves(1)[0])
    assert entry_problem(entry) is None
    assert "version" in entry_problem({**entry, "v": True})
    assert "recorded_at" in entry_problem({**entry, "recorded_at": "2025-03-01T12:00:00Z"})
    assert "actor" in entry_problem({**entry, "actor": {**entry["actor"], "user_id": "1"}})


def test_verifier_imports_no_django():
    code = (
        "import sys, audit.core.verify; assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audit.core.verify", *args], cwd=REPO, capture_output=True, text=True
    )


def test_cli_exit_codes(tmp_path, bundle, key):
    key_file = tmp_path / "forum.pub"
    key_file.write_text(key[1] + "\n")
    ok = _cli(str(bundle), "--key", str(key_file))
    assert (ok.returncode, ok.stdout) == (
        0,
        f"OK: {N} entries seq 0..{N - 1}, 4 checkpoints verified\n",
    )
    tampered = rewrite(bundle, tmp_path / "t.zip", entries=lambda ls: [*ls[:57], *ls[58:]])
    fail = _cli(str(tampered), "--key", str(key_file))
    assert fail.returncode == 1 and fail.stdout.startswith("FAIL at seq 57: ")
    assert _cli(str(tmp_path / "missing.zip"), "--key", str(key_file)).returncode == 2
    assert _cli(str(bundle)).returncode == 2
    bad_key = tmp_path / "bad.pub"
    bad_key.write_text("not a key")
    assert _cli(str(bundle), "--key", str(bad_key)).returncode == 2
    not_zip = tmp_path / "notzip.zip"
    not_zip.write_bytes(b"hello")
    assert _cli(str(not_zip), "--key", str(key_file)).returncode == 2
