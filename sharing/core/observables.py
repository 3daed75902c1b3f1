"""Find observables inside free text: addresses, e-mails, domains, URLs, hashes, keys, phones.

Pure module (no Django). Redaction gives each observable found in a free-text field the action
the type's rules give fields of its datatype (`KIND_DATATYPES`), or removes it when the type has
no such field, so that an IP cut to its /24 in the `ip` field is not published in clear in the
notes next to it.

Defanged forms common in threat-intelligence prose (``203.0.113[.]7``, ``hxxps://``,
``name[at]example[.]com``) are found too; `Observable.value` is the refanged value, which is what
pseudonymisation hashes, so a token in free text equals the token of the same value in a field.
Pseudonym tokens (``oprf:...``, ``hmac:...``) and redaction markers are never read as
observables, so re-redacting redacted text finds only what the first pass left in an allowed form.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from dataclasses import dataclass

# Kind of observable -> the field datatypes whose action it takes. Kinds with no datatype are
# always removed from published free text (there is no field form of them to allow).
KIND_DATATYPES: dict[str, tuple[str, ...]] = {
    "ipv4": ("ipv4", "cidr"),
    "ipv6": ("ipv6", "cidr"),
    "email": ("email",),
    "url": ("url",),
    "domain": ("domain",),
    "hash": ("sha256",),
    "asn": ("asn",),
    "fingerprint": (),
    "secret": (),
    "phone": (),
    "account": (),
}
KINDS = tuple(KIND_DATATYPES)

# What redaction leaves behind and must not be read again: pseudonym tokens and markers.
PROTECTED_RE = re.compile(
    r"oprf:[A-Za-z0-9._-]+:[0-9a-f]{128}|hmac:[A-Za-z0-9._-]+:[0-9a-f]{64}"
    r"|\[removed under policy\]|\[REDACTED:[A-Za-z_]+\]"
)

_DOT = r"(?:\.|\[\.\]|\(\.\)|\[dot\]|\(dot\))"
_AT = r"(?:@|\[@\]|\[at\]|\(at\))"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}{_DOT})+[a-z]{{2,24}}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_TAIL = rf"""(?:[^\s<>"'\]\[)(]|{_DOT})"""

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "url",
        re.compile(
            rf"(?<![\w.])(?:https?|hxxps?|ftp|fxp)(?:://|\[://\]|\[:\]//){_TAIL}+",
            re.IGNORECASE,
        ),
    ),
    (
        "email",
        re.compile(rf"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]{{0,63}}{_AT}{_DOMAIN}(?![\w-])", re.I),
    ),
    (
        "secret",
        re.compile(
            r"(?<![\w-])(?:sk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{16,}"
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}"
            r"|AIza[0-9A-Za-z_-]{35}|(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|cr_[A-Za-z0-9_-]{20,}"
            r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})(?![\w-])"
        ),
    ),
    (
        "fingerprint",
        re.compile(r"(?<!\w)[tqd]\d{2}[di]\d{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}(?!\w)"),
    ),
    (
        "hash",
        re.compile(r"(?<!\w)(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?!\w)", re.I),
    ),
    (
        "ipv4",
        re.compile(
            rf"(?<![\w.]){_OCTET}(?:{_DOT}{_OCTET}){{3}}(?:/(?:3[0-2]|[12]?\d))?(?!\w|{_DOT}\d)"
        ),
    ),
    (
        "ipv6",
        re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?:/\d{1,3})?"),
    ),
    (
        "phone",
        re.compile(
            r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])"
            r"|(?<!\w)\(\d{3}\)[ ]?\d{3}[ .-]\d{4}(?!\w)"
            r"|(?<![\w.-])\d{3}[.-]\d{3}[.-]\d{4}(?![\w-]|\.\d)"
        ),
    ),
    (
        "account",
        re.compile(
            r"(?<![\w-])(?:acct|acc|cus|cust|customer|account|user|usr|uid|org|tenant|client)"
            r"[_-](?=[A-Za-z0-9]*\d)[A-Za-z0-9]{6,}(?![\w-])"
            r"|(?<=\baccount )(?:id|number|no\.?|#)\s*[:#]?\s*(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{4,}"
            r"|(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])",
            re.IGNORECASE,
        ),
    ),
    ("asn", re.compile(r"(?<!\w)AS\d{1,10}(?!\w)")),
    (
        "domain",
        re.compile(rf"(?<![\w.@*-]){_DOMAIN}(?:/{_TAIL}*)?(?![\w-])", re.IGNORECASE),
    ),
)
_GENERIC_SECRET_RE = re.compile(r"(?<![\w+/=-])[A-Za-z0-9_+/=-]{24,}(?![\w+/=-])")
_DEFANG_RE = re.compile(r"\[\.\]|\(\.\)|\[dot\]|\(dot\)|\[@\]|\[at\]|\(at\)|\[://\]|\[:\]//")
_REFANG = {"[.]": ".", "(.)": ".", "[dot]": ".", "(dot)": ".", "[@]": "@", "[at]": "@"}
_TRAILING = ".,;:!?'\""


@dataclass(frozen=True)
class Observable:
    """One observable found in text: its kind, span of the original text and refanged value."""

    kind: str
    start: int
    end: int
    value: str

    @property
    def datatypes(self) -> tuple[str, ...]:
        return KIND_DATATYPES[self.kind]


def refang(text: str) -> str:
    """Return `text` with defanged dots, at-signs and schemes restored."""
    text = _DEFANG_RE.sub(lambda m: _REFANG.get(m.group().lower(), "://"), text)
    return re.sub(r"^hxxp", "http", text, flags=re.IGNORECASE)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _accept(kind: str, raw: str) -> tuple[str | None, str]:
    """Return the kind of the candidate `raw` (None when it is not one) and its value."""
    value = refang(raw)
    if kind == "domain" and "/" in value:
        return "url", value  # a host with a path, written without its scheme
    if kind in ("ipv4", "ipv6"):
        try:
            network = (
                ipaddress.ip_network(value, strict=False)
                if "/" in value
                else ipaddress.ip_address(value)
            )
        except ValueError:
            return None, value
        return (kind if network.version == int(kind[-1]) else None), value
    if kind == "account" and re.fullmatch(r"[\d -]+", value):
        digits = re.sub(r"\D", "", value)
        return (kind if 13 <= len(digits) <= 19 and _luhn(digits) else None), value
    if kind == "phone" and not 8 <= sum(c.isdigit() for c in value) <= 15:
        return None, value
    return kind, value


def _generic_secrets(text: str) -> list[Observable]:
    """Return long high-entropy tokens mixing letters and digits (keys, session tokens)."""
    found = []
    for match in _GENERIC_SECRET_RE.finditer(text):
        token = match.group()
        if (
            re.search(r"[A-Za-z]", token)
            and re.search(r"\d", token)
            and not re.fullmatch(r"[0-9a-fA-F]+", token)
            and _entropy(token) >= 3.5
        ):
            found.append(Observable("secret", match.start(), match.end(), token))
    return found


def find_observables(text: str) -> list[Observable]:
    """Return the non-overlapping observables of `text`, in order; longest match wins."""
    masked = PROTECTED_RE.sub(lambda m: " " * len(m.group()), text)
    # (observable, rank): at one start the longest wins, then the more specific pattern.
    candidates: list[tuple[Observable, int]] = []
    for rank, (kind, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(masked):
            start, end = match.span()
            trailing = _TRAILING.replace(":", "") if kind == "ipv6" else _TRAILING
            while end > start and masked[end - 1] in trailing:
                end -= 1  # the full stop of the sentence, not of the URL
            found, value = _accept(kind, masked[start:end])
            if found and end > start:
                candidates.append((Observable(found, start, end, value), rank))
    candidates.extend((secret, len(_PATTERNS)) for secret in _generic_secrets(masked))
    candidates.sort(key=lambda c: (c[0].start, -(c[0].end - c[0].start), c[1]))
    kept: list[Observable] = []
    for candidate, _rank in candidates:
        if kept and candidate.start < kept[-1].end:
            continue
        kept.append(candidate)
    return kept
