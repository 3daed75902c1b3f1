"""The verifier's fast path per line accepts nothing the complete check would refuse.

`audit.core.verify._fast_entry` proves a leaf's canonical form and shape with two regular
expressions around `data`; any line it does not accept goes through `parse_canonical` and
`entry_problem`. These tests check, on generated leaves and on mutations of them, that whatever
the fast path accepts the complete check accepts with the same seq and prev, and that the leaves
Clearroom writes do take the fast path.
"""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.core.canonical import MAX_SAFE_INTEGER, canonicalize, parse_canonical
from audit.core.verify import _fast_entry, entry_problem

_chars = st.one_of(
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF, codec="utf-8"),
    st.characters(max_codepoint=0x7F),
)
_text = st.text(_chars, max_size=10)
_ints = st.one_of(
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.integers(-(10**16), 10**16),
    st.sampled_from([0, -1, 10**14, 10**15 - 1, 10**15, MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1]),
)
_json = st.recursive(
    st.none() | st.booleans() | _ints | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_hex = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def entries(draw):
    """Entries of the leaf's shape, sometimes with a wrong type or value in one field."""
    entry = {
        "action": draw(st.one_of(_text, st.just("submission.created"))),
        "actor": {
            "org": draw(st.one_of(st.none(), _text)),
            "role": draw(st.one_of(st.none(), _text)),
            "user_id": draw(st.one_of(st.none(), _ints)),
            "username": draw(_text),
        },
        "data": draw(st.one_of(st.dictionaries(_text, _json, max_size=4), _json)),
        "object": {
            "id": draw(st.one_of(st.none(), _text)),
            "type": draw(st.one_of(st.none(), _text)),
        },
        "prev": draw(st.one_of(_hex, _text)),
        "recorded_at": draw(
            st.one_of(
                st.just("2026-11-25T00:11:02.123456Z"), st.just("2026-11-25T00:11:02Z"), _text
            )
        ),
        "seq": draw(st.one_of(st.integers(0, MAX_SAFE_INTEGER), _ints)),
        "v": draw(st.one_of(st.just(1), st.just(2), st.just(True))),
    }
    return entry


def _complete(line: bytes) -> tuple[int, str] | None:
    try:
        entry = parse_canonical(line)
    except ValueError:
        return None
    if entry_problem(entry):
        return None
    return entry["seq"], entry["prev"]


@settings(max_examples=600)
@given(entries())
def test_fast_path_agrees_with_the_complete_check_on_generated_leaves(entry):
    try:
        line = canonicalize(entry)
    except ValueError:  # an integer beyond ±(2**53 - 1): the sorted compact form
        line = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    fast, complete = _fast_entry(line), _complete(line)
    if fast is not None:
        assert fast == complete
    # Every well-formed leaf with small integers must take the fast path.
    small = all(
        value is None or abs(value) < 10**15
        for value in (entry["actor"]["user_id"], entry["seq"])
        if type(value) is not bool
    )
    if complete is not None and small:
        assert fast == complete


_LEAF = canonicalize(
    {
        "action": "submission.created",
        "actor": {
            "org": "north\u00e9",
            "role": "analyst",
            "user_id": 7,
            "username": 'a"b\\c\u0001',
        },
        "data": {"n": [1, -2, "x\u2028y", None, True], "\U0001f600": {"\ufb33": "z"}},
        "object": {"id": "42", "type": "sharing.submission"},
        "prev": hashlib.sha256(b"x").hexdigest(),
        "recorded_at": "2026-11-25T00:11:02.123456Z",
        "seq": 12,
        "v": 1,
    }
)
_PIECES = [
    b"", b" ", b"\n", b'"', b"\\", b"\\u0041", b"\\u001f", b"\\/", b"\\n", b"0", b"01", b"-0",
    b"1.0", b"1e3", b"null", b"true", b",", b":", b"{", b"}", b"[", b"]", b"\xc3", b"\xff", b"\x01",
    b"\x7f",
    b"\xe2\x80\xa8", b"\xf0\x9f\x98\x80", b'"a":1,', b"NaN", b"9007199254740993",
]  # fmt: skip


@settings(max_examples=1500)
@given(
    st.integers(0, len(_LEAF)),
    st.integers(0, 4),
    st.sampled_from(_PIECES),
)
def test_fast_path_never_accepts_a_mutated_leaf_the_complete_check_refuses(at, cut, piece):
    assert _fast_entry(_LEAF) == _complete(_LEAF) == (12, hashlib.sha256(b"x").hexdigest())
    line = _LEAF[:at] + piece + _LEAF[at + cut :]
    fast = _fast_entry(line)
    if fast is not None:
        assert fast == _complete(line)


def test_fast_path_leaves_unusual_but_valid_leaves_to_the_complete_check():
    entry = {
        "action": "a",
        "actor": {"org": None, "role": None, "user_id": 10**15, "username": ""},
        "data": {},
        "object": {"id": None, "type": None},
        "prev": "0" * 64,
        "recorded_at": "2026-11-25T00:11:02.123456Z",
        "seq": MAX_SAFE_INTEGER,
        "v": 1,
    }
    line = canonicalize(entry)
    assert _fast_entry(line) is None
    assert _complete(line) == (MAX_SAFE_INTEGER, "0" * 64)
    entry["seq"], entry["actor"]["user_id"] = 3, -(10**14)
    assert _fast_entry(canonicalize(entry)) == (3, "0" * 64)
