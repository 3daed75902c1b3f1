"""RFC 8785 (JSON Canonicalization Scheme) for JSON without floats.

Pure module: standard library only, so the offline verifier can use it.
"""

from __future__ import annotations

import json
from json.encoder import c_encode_basestring, c_make_encoder, encode_basestring
from typing import Any

# RFC 8785 numbers are IEEE 754 doubles; beyond this an integer has no exact canonical form.
MAX_SAFE_INTEGER = 2**53 - 1

# For text whose characters all lie below U+E000, code point order equals UTF-16 code unit order,
# so the standard library's C encoder with sort_keys produces exactly the RFC 8785 bytes.
_FAST_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _not_json(value: object) -> Any:
    raise TypeError(f"not a JSON value: {type(value).__name__}")


# The same encoder's C core, built once: `JSONEncoder.encode` builds it again on every call,
# which costs more than encoding a small object. No cycle check (markers=None): it encodes
# decoded JSON and values `_check_json`-style walks already visited.
_C_ENCODER = (
    c_make_encoder(None, _not_json, c_encode_basestring, None, ":", ",", True, False, True)
    if c_make_encoder is not None and c_encode_basestring is not None
    else None
)


def _fast_encode(obj: object) -> str:
    if _C_ENCODER is None:
        return _FAST_ENCODER.encode(obj)
    return "".join(_C_ENCODER(obj, 0))


def _reject_float(text: str) -> Any:
    raise ValueError(f"floats are not allowed: {text}")


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not allowed")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"integer {text} is outside the JSON safe range")
    return value


_DECODER = json.JSONDecoder(
    parse_float=_reject_float, parse_int=_safe_int, parse_constant=_reject_constant
)


def canonicalize(obj: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``obj``.

    Raise ValueError for a float, a non-string key, an integer outside ±(2**53 - 1), a lone
    surrogate, or any value that is not JSON.
    """
    parts: list[str] = []
    try:
        _encode(obj, parts.append)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("strings must not contain lone surrogates") from exc


def canonicalize_checked(obj: object) -> bytes:
    """Return ``canonicalize(obj)`` for a value already checked to hold only JSON types.

    The caller guarantees no floats, only string keys and integers within ±(2**53 - 1) (the
    audit service checks its data with ``_check_json``). Then the standard library's C encoder
    gives the RFC 8785 bytes whenever every character is below U+E000 (code point order equals
    UTF-16 order); otherwise, or for a lone surrogate, this falls back to ``canonicalize``.
    """
    text = _fast_encode(obj)
    if text.isascii():
        return text.encode("ascii")
    if max(text) < "\ue000":
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass
    return canonicalize(obj)


def _encode(obj: object, emit: Any) -> None:
    if obj is None:
        emit("null")
    elif obj is True:
        emit("true")
    elif obj is False:
        emit("false")
    elif isinstance(obj, str):
        emit(encode_basestring(obj))
    elif isinstance(obj, int):
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise ValueError(f"integer {obj} is outside the JSON safe range")
        emit(int.__repr__(obj))
    elif isinstance(obj, float):
        raise ValueError(f"floats are not allowed: {obj!r}")
    elif isinstance(obj, list | tuple):
        emit("[")
        for i, item in enumerate(obj):
            if i:
                emit(",")
            _encode(item, emit)
        emit("]")
    elif isinstance(obj, dict):
        if not all(isinstance(key, str) for key in obj):
            raise ValueError("object keys must be strings")
        emit("{")
        for i, key in enumerate(sorted(obj, key=_utf16_key)):
            if i:
                emit(",")
            emit(encode_basestring(key))
            emit(":")
            _encode(obj[key], emit)
        emit("}")
    else:
        raise ValueError(f"not a JSON value: {type(obj).__name__}")


def _utf16_key(key: str) -> bytes:
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError as exc:
        raise ValueError("keys must not contain lone surrogates") from exc


def parse_canonical_at(text: str, pos: int) -> tuple[Any, int]:
    """Decode the JSON value starting at ``text[pos]``; return it and where it ends.

    Raise ValueError unless ``text[pos:end]`` is exactly its RFC 8785 form (the rules of
    ``parse_canonical``, for one value inside a larger text).
    """
    try:
        obj, end = _DECODER.raw_decode(text, pos)
        part = text[pos:end]
        if part.isascii() or max(part) < "\ue000":
            canonical = _fast_encode(obj) == part
        else:
            canonical = canonicalize(obj) == part.encode("utf-8")
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if not canonical:
        raise ValueError("not in RFC 8785 canonical form")
    return obj, end


def parse_canonical(data: bytes) -> Any:
    """Return the JSON value of ``data`` if it is exactly RFC 8785 form, else raise ValueError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("not valid UTF-8") from exc
    obj, end = parse_canonical_at(text, 0)
    if end != len(text):
        raise ValueError("not in RFC 8785 canonical form")
    return obj
