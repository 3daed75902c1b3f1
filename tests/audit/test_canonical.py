import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.core.canonical import (
    MAX_SAFE_INTEGER,
    canonicalize,
    canonicalize_checked,
    parse_canonical,
)

# Keys and strings drawn from every plane (surrogates excluded: they are not UTF-8), with the
# astral plane and the U+E000..U+FFFF block over-represented because that is where UTF-16
# code-unit order and code-point order disagree.
_chars = st.one_of(
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF, codec="utf-8"),
    st.characters(max_codepoint=0x20),
)
_text = st.text(_chars, max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | _text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=400)
@given(json_values)
def test_canonicalize_equals_rfc8785_package(value):
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(json_values)
def test_parse_canonical_accepts_exactly_the_canonical_bytes(value):
    data = canonicalize(value)
    assert parse_canonical(data) == value
    loose = json.dumps(value, ensure_ascii=True, indent=1).encode()
    if loose != data:
        with pytest.raises(ValueError):
            parse_canonical(loose)


def test_keys_sort_by_utf16_code_units_as_in_rfc8785_example():
    # RFC 8785 §3.2.3: the astral U+1F600 sorts before U+FB33 because its high surrogate is
    # 0xD83D.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    out = canonicalize({k: 0 for k in keys}).decode()
    assert list(json.loads(out)) == [
        "\r",
        "1",
        "\u0080",
        "\u00f6",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]


def test_string_escapes_follow_es6_json_stringify():
    value = '"\\\b\t\n\f\r\x00\x1f\x7f\u2028é😀'
    assert canonicalize(value) == '"\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f\x7f\u2028é😀"'.encode()


def test_integers_and_literals():
    assert canonicalize([0, -1, MAX_SAFE_INTEGER, True, False, None]) == (
        b"[0,-1,9007199254740991,true,false,null]"
    )


@pytest.mark.parametrize(
    "bad",
    [1.0, {"a": 0.5}, {1: "x"}, {("a",): 1}, MAX_SAFE_INTEGER + 1, -(2**60), "\ud800", {1.5}],
)
def test_canonicalize_rejects_what_has_no_canonical_form(bad):
    with pytest.raises(ValueError):
        canonicalize(bad)


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',
        b'{"a": 1}',
        b'{"a":1.0}',
        b'{"a":1e3}',
        b'{"a":NaN}',
        b'{"a":-0}',
        b'{"a":01}',
        b'"\\u00e9"',
        b'"\\/"',
        b'"\\u000a"',
        b'"\\ud800"',
        b'"\xff"',
        b"9007199254740992",
        b"[9007199254740992]",
        b'{"a":-9007199254740992}',
        b'"a"\n',
        b"",
        b"[" * 100000 + b"]" * 100000,
    ],
)
def test_parse_canonical_rejects_non_canonical_bytes(data):
    with pytest.raises(ValueError):
        parse_canonical(data)


def test_parse_canonical_accepts_long_digit_strings_and_safe_integers():
    assert parse_canonical(b'{"a":"12345678901234567890","b":9007199254740991}') == {
        "a": "12345678901234567890",
        "b": MAX_SAFE_INTEGER,
    }
    assert parse_canonical('{"😀":2,"\ufb33":1}'.encode()) == {"\ufb33": 1, "😀": 2}
    with pytest.raises(ValueError):
        parse_canonical('{"\ufb33":1,"😀":2}'.encode())


@settings(max_examples=400)
@given(json_values)
def test_canonicalize_checked_equals_rfc8785_package(value):
    assert canonicalize_checked(value) == rfc8785.dumps(value)


def test_canonicalize_checked_refuses_lone_surrogates():
    with pytest.raises(ValueError):
        canonicalize_checked({"a": "\ud800"})
