"""Hypothesis on what the feature tests do not fuzz yet: the offline verifier and the signed-note
parser meet hostile bytes from a bundle or an upload. They must answer FAIL (or raise their one
documented error), never crash, and never call a changed bundle OK.

Already covered elsewhere (Hypothesis): redaction (tests/sharing/test_redaction.py), scanning
(test_scanning.py), policy language (tests/governance/test_policy_language.py), indicator
schemas, Merkle proofs and canonical JSON (tests/audit/test_merkle.py, test_canonical.py).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.core.bundle import ENTRIES, MANIFEST
from audit.core.signed_note import (
    NoteError,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    split_note,
)
from audit.core.verify import entry_problem, verify_bundle
from tests.audit.test_verify import (
    build,
    generate_signer_key,
    load_private_key,
    make_leaves,
    rewrite,
)

FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ORIGIN = "clearroom.example/audit"


@pytest.fixture(scope="module")
def signed():
    pem, verifier = generate_signer_key(ORIGIN)
    directory = Path(tempfile.mkdtemp())
    leaves = make_leaves(24)
    path = build(directory / "bundle.zip", leaves, load_private_key(pem), sizes=(12, 24))
    assert verify_bundle(path, verifier).ok
    return path, verifier, directory


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    """Flip bits at distinct positions (two flips of one byte could cancel out)."""
    out = bytearray(data)
    positions = {position % len(out): value for position, value in edits}
    for position, value in positions.items():
        out[position] ^= value
    assert bytes(out) != data
    return bytes(out)


@FAST
@given(
    edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), min_size=1, max_size=4)
)
def test_flipped_bytes_in_the_entries_never_verify_and_never_crash(signed, edits):
    path, verifier, directory = signed
    target = directory / "flipped.zip"

    def tamper(lines):
        return _mutate(b"\n".join(lines), edits).split(b"\n")

    report = verify_bundle(rewrite(path, target, entries=tamper), verifier)
    assert not report.ok
    assert report.summary().startswith("FAIL")


@FAST
@given(
    name=st.sampled_from([ENTRIES, MANIFEST, "prefix.json", "proofs.json", "checkpoints/0024.txt"]),
    junk=st.binary(max_size=300),
)
def test_random_bytes_in_any_member_only_ever_fail(signed, name, junk):
    path, verifier, directory = signed
    import zipfile

    with zipfile.ZipFile(path) as bundle:
        members = {n: bundle.read(n) for n in bundle.namelist()}
    if name not in members:
        name = next(n for n in members if n.startswith("checkpoints/"))
    members[name] = junk
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for member, data in members.items():
            out.writestr(member, data)
    buffer.seek(0)
    report = verify_bundle(buffer, verifier)
    assert not report.ok and report.reason


@FAST
@given(junk=st.binary(max_size=2000))
def test_a_file_that_is_not_a_zip_is_refused_with_the_documented_error(signed, junk):
    import zipfile

    _, verifier, _ = signed
    try:
        report = verify_bundle(io.BytesIO(junk), verifier)
    except (zipfile.BadZipFile, OSError):
        return
    assert not report.ok


@FAST
@given(
    entry=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=6)
        ),
        max_leaves=20,
    )
)
def test_entry_shape_check_answers_for_any_json(entry):
    problem = entry_problem(entry)
    assert problem is None or isinstance(problem, str)


@FAST
@given(text=st.text(max_size=400))
def test_note_and_key_parsers_raise_only_note_errors(text):
    for parse in (parse_checkpoint, parse_verifier_key, split_note):
        try:
            parse(text)
        except NoteError:
            continue


@FAST
@given(text=st.text(max_size=400))
def test_a_random_note_never_opens_under_the_forum_key(signed, text):
    _, verifier, _ = signed
    with pytest.raises(NoteError):
        open_note(text, [parse_verifier_key(verifier)])
