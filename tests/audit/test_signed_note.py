import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.core.signed_note import (
    ALG_COSIGNATURE_V1,
    EM_DASH,
    NoteError,
    cosign,
    format_checkpoint,
    format_verifier_key,
    generate_signer_key,
    load_private_key,
    load_private_key_file,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    save_private_key_file,
    sign_note,
    split_note,
    verifier_for,
    verify_cosignature,
)

ORIGIN = "clearroom.example/audit"
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def log_key():
    pem, vkey = generate_signer_key(ORIGIN)
    return load_private_key(pem), parse_verifier_key(vkey)


@pytest.fixture(scope="module")
def witness_key():
    pem, vkey = generate_signer_key("regulator.example/w1", ALG_COSIGNATURE_V1)
    return load_private_key(pem), parse_verifier_key(vkey)


def _flip_char(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_checkpoint_body_format_and_round_trip():
    body = format_checkpoint(ORIGIN, 1234, ROOT)
    assert body == f"{ORIGIN}\n1234\n{base64.b64encode(ROOT).decode()}\n"
    cp = parse_checkpoint(body)
    assert (cp.origin, cp.size, cp.root, cp.extensions) == (ORIGIN, 1234, ROOT, ())


@pytest.mark.parametrize(
    "body",
    [
        "o\n1\n",
        "o\n01\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "o\n1\n" + base64.b64encode(ROOT).decode(),
        "o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",
    ],
)
def test_malformed_checkpoints_are_refused(body):
    with pytest.raises(NoteError):
        parse_checkpoint(body)


def test_verifier_key_text_matches_the_note_key_id_rule(log_key):
    private, verifier = log_key
    public = verifier.public_key
    expected_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    text = format_verifier_key(ORIGIN, public)
    encoded = base64.b64encode(b"\x01" + public).decode()
    assert text == f"{ORIGIN}+{expected_id.hex()}+{encoded}"
    assert parse_verifier_key(text + "\n") == verifier == verifier_for(private, ORIGIN)
    with pytest.raises(NoteError):
        parse_verifier_key(f"other.example+{expected_id.hex()}+{text.split('+')[2]}")


def test_signed_note_round_trip_and_line_format(log_key):
    private, verifier = log_key
    body = format_checkpoint(ORIGIN, 10, ROOT)
    note = sign_note(body, ORIGIN, private)
    sig_line = note[len(body) + 1 :]
    assert note[len(body)] == "\n" and sig_line.startswith(f"{EM_DASH} {ORIGIN} ")
    raw = base64.b64decode(sig_line.split(" ")[2])
    assert raw[:4] == verifier.key_id and len(raw) == 68
    assert open_note(note, [verifier]) == (body, [ORIGIN])


def test_changed_body_byte_fails(log_key):
    private, verifier = log_key
    body = format_checkpoint(ORIGIN, 10, ROOT)
    note = sign_note(body, ORIGIN, private)
    with pytest.raises(NoteError):
        open_note(_flip_char(note, len(ORIGIN) + 5), [verifier])
    with pytest.raises(NoteError):
        open_note(note.replace("\n10\n", "\n11\n"), [verifier])


def test_wrong_key_fails(log_key):
    private, _ = log_key
    _, other_vkey = generate_signer_key(ORIGIN)
    note = sign_note(format_checkpoint(ORIGIN, 10, ROOT), ORIGIN, private)
    with pytest.raises(NoteError, match="no signature from a trusted key"):
        open_note(note, [parse_verifier_key(other_vkey)])


def test_note_signed_by_impostor_key_under_the_same_name_fails(log_key):
    _, verifier = log_key
    impostor = Ed25519PrivateKey.generate()
    note = sign_note(format_checkpoint(ORIGIN, 10, ROOT), ORIGIN, impostor)
    with pytest.raises(NoteError):
        open_note(note, [verifier])


def test_known_key_with_bad_signature_rejects_the_note(log_key):
    private, verifier = log_key
    body = format_checkpoint(ORIGIN, 10, ROOT)
    note = sign_note(body, ORIGIN, private)
    line = note[len(body) + 1 :]
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[10] ^= 1
    forged = f"{EM_DASH} {ORIGIN} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note + forged, [verifier])


def test_cosignature_round_trip_and_recognised_when_appended(log_key, witness_key):
    private, verifier = log_key
    w_private, w_verifier = witness_key
    body = format_checkpoint(ORIGIN, 10, ROOT)
    line = cosign(body, w_verifier.name, w_private, 1_700_000_000)
    raw = base64.b64decode(line.split(" ")[2])
    assert (
        raw[:4]
        == hashlib.sha256(b"regulator.example/w1\n\x04" + w_verifier.public_key).digest()[:4]
    )
    assert raw[4:12] == (1_700_000_000).to_bytes(8, "big") and len(raw) == 4 + 8 + 64
    w_private.public_key().verify(raw[12:], b"cosignature/v1\ntime 1700000000\n" + body.encode())
    cosigned = sign_note(body, ORIGIN, private) + line
    assert verify_cosignature(cosigned, w_verifier) == 1_700_000_000
    assert open_note(cosigned, [verifier]) == (body, [ORIGIN])
    assert open_note(cosigned, [verifier, w_verifier]) == (body, [ORIGIN, "regulator.example/w1"])
    _, [_, cosig] = split_note(cosigned)
    assert cosig.name == "regulator.example/w1"


def test_cosignature_fails_on_changed_body_or_wrong_key(log_key, witness_key):
    private, _ = log_key
    w_private, w_verifier = witness_key
    body = format_checkpoint(ORIGIN, 10, ROOT)
    line = cosign(body, w_verifier.name, w_private, 1_700_000_000)
    moved = sign_note(format_checkpoint(ORIGIN, 11, ROOT), ORIGIN, private) + line
    with pytest.raises(NoteError):
        verify_cosignature(moved, w_verifier)
    _, other = generate_signer_key("regulator.example/w1", ALG_COSIGNATURE_V1)
    with pytest.raises(NoteError):
        verify_cosignature(sign_note(body, ORIGIN, private) + line, parse_verifier_key(other))


def test_private_key_file_round_trip(tmp_path):
    pem, vkey = generate_signer_key(ORIGIN)
    path = tmp_path / "forum.pem"
    save_private_key_file(path, pem)
    assert path.stat().st_mode & 0o777 == 0o600
    key = load_private_key_file(path)
    note = sign_note(format_checkpoint(ORIGIN, 1, ROOT), ORIGIN, key)
    assert open_note(note, [parse_verifier_key(vkey)])[1] == [ORIGIN]
    with pytest.raises(FileExistsError):
        save_private_key_file(path, pem)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n.replace(EM_DASH, "-"),
        lambda n: n.replace("\n\n", "\n"),
        lambda n: n[:-1],
        lambda n: n.replace(ORIGIN, ORIGIN + "\t", 1),
        lambda n: n + f"{EM_DASH} x.example !!!\n",
    ],
)
def test_malformed_notes_are_refused(log_key, mutate):
    private, verifier = log_key
    note = sign_note(format_checkpoint(ORIGIN, 10, ROOT), ORIGIN, private)
    with pytest.raises(NoteError):
        open_note(mutate(note), [verifier])
