"""What a value a reader types may look like in the published (redacted) form.

Pure module (no Django). A recipient searching the feed for an e-mail, an IP address, a domain
or a fingerprint must find the indicators that carry it *in the form they may see*: a
pseudonymised field holds the keyed HMAC token of the value, a generalised address its network.
`needles` applies the same transformations the redaction engine applies (the same
`pseudonymize_value` and forum key, the same network cuts) to the query, so the server matches
published forms only and never a value the reader may not see.

Needles are substrings of the JSON text of a redacted payload. Matching JSON text (not a
database's JSON operators) keeps one portable path for PostgreSQL and SQLite.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Sequence

from sharing.core.observables import KIND_DATATYPES, find_observables
from sharing.core.redaction import PseudonymKey, RedactionError, normalize_value, pseudonymize_value

# Text datatypes pseudonymise the normalised text: a fingerprint or an account id in a
# `string` field is found through these.
_TEXT_DATATYPES = ("string",)
# Network cuts a policy may publish (generalize:ipv4/N, generalize:ipv6/N).
_IPV4_PREFIXES = range(8, 33)
_IPV6_PREFIXES = range(16, 129, 4)


def _networks(value: str) -> list[str]:
    """Return every network a policy could publish `value` (an address) as."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return []
    prefixes = _IPV4_PREFIXES if address.version == 4 else _IPV6_PREFIXES
    return [str(ipaddress.ip_network(f"{address}/{n}", strict=False)) for n in prefixes]


def _json_forms(text: str) -> set[str]:
    """Return `text` as it reads inside JSON text (escaped, ASCII-escaped or not)."""
    return {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}


def needles(query: str, keys: Sequence[PseudonymKey]) -> list[str]:
    """Return the substrings of a payload's JSON text that mean it carries `query`.

    The free text itself, plus for each observable in it (and the whole query as a string):
    its pseudonym tokens under each key, its normalised value, and for an address each network
    a generalisation may publish it as (bounded by quotes or a space, so 10.0.0.0/8 does not
    match 110.0.0.0/8).
    """
    query = query.strip()
    if not query:
        return []
    found: set[str] = set(_json_forms(query))
    candidates: list[tuple[str, tuple[str, ...]]] = [(query, _TEXT_DATATYPES)]
    candidates += [
        (o.value, (*KIND_DATATYPES[o.kind], *_TEXT_DATATYPES)) for o in find_observables(query)
    ]
    for value, datatypes in candidates:
        for datatype in datatypes:
            for key in keys:
                found.add(pseudonymize_value(value, datatype, key))
            with contextlib.suppress(RedactionError):
                found |= _json_forms(normalize_value(value, datatype))
        for network in _networks(value):
            found |= {f'"{network}"', f" {network}"}
    return sorted(found)
