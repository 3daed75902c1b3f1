"""Sensitive-content scanner: flag competitively sensitive language in free text.

Pure module (no Django). Text is normalised first (NFKC, format characters such as zero-width
spaces removed, digits and currency signs folded, look-alike letters folded, number words read as
numbers, whitespace collapsed, case-folded) while an offset map is kept, so every finding's
``start``/``end`` index the ORIGINAL text.

Detectors are regular expressions over the normalised text with a sentence context:

* ``own`` rules fire unless the sentence speaks only of the attacker side (it names an attacker,
  reseller, campaign, cluster, proxy ... and has no first-person business language).
* ``first_person`` rules need "we/our/us" in the sentence.
* ``first_person_only`` rules need first-person language and no attacker-side term.
* ``any`` rules always fire (coordination language, key-customer phrases, ...).

Decision: an attacker's or reseller's own prices ("the reseller charges $5 for a key") describe
the illicit market, not a member's business, and are not flagged; the same figure said of a
member ("we charge $5 per key", "undercuts our $20 list price") is.

Private watchlists hold only keyed HMAC-SHA-256 hashes of normalised terms; the scanner hashes
every 1- to 4-word window of the text and never learns or stores the clear terms.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DETECTOR_VERSION = "rules-1"
CATEGORIES = (
    "price",
    "cost",
    "capacity",
    "volume",
    "customer",
    "revenue",
    "roadmap",
    "coordination",
)
WATCHLIST_MAX_WORDS = 4

# --------------------------------------------------------------------------------------------
# Findings


@dataclass(frozen=True)
class Finding:
    """One flagged span of the original text."""

    category: str
    start: int
    end: int
    rule: str
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict."""
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "explanation": self.explanation,
        }


# --------------------------------------------------------------------------------------------
# Normalisation with an offset map

# Look-alike letters from Cyrillic and Greek that evade ASCII keyword matching.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "τ": "t",
        "υ": "u",
        "ρ": "p",
        "₠": "€",
        "₤": "£",
        "＄": "$",
        "﹩": "$",
        "￥": "¥",
        "￡": "£",
    }
)

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_WORDS = {**_UNITS, **_TEENS, **_TENS, "hundred": 100, **_SCALES}
_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_NUMBER_RUN_RE = re.compile(
    rf"\b(?:(?:a|an)\s(?=(?:hundred|{'|'.join(_SCALES)})\b))?(?:{_WORD})"
    rf"(?:(?:\s|-|\sand\s)(?:{_WORD}))*\b"
)
_RUN_TOKEN_RE = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, for each of its characters, the original span it came from."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to the original text."""
        return self.spans[start][0], self.spans[end - 1][1]


def _fold_cluster(cluster: str) -> str:
    """Return the matching form of one grapheme cluster (NFKC, digits, look-alikes, casefold)."""
    out = unicodedata.normalize("NFKC", cluster.translate(_CONFUSABLES))
    out = out.translate(_CONFUSABLES)
    folded = []
    for ch in out:
        if ch.isdigit() and not ch.isascii():
            digit = unicodedata.decimal(ch, None)
            folded.append(str(digit) if digit is not None else ch)
        else:
            folded.append(ch)
    return "".join(folded).casefold()


def _parse_number_run(tokens: list[tuple[str, int, int]]) -> list[tuple[int, int, int]]:
    """Split a run of number-word tokens into (value, start, end) numbers."""
    numbers: list[tuple[int, int, int]] = []
    i = 0
    while i < len(tokens):
        total, current, last, prev_scale = 0, 0, None, None
        start, end, j = tokens[i][1], tokens[i][2], i
        while j < len(tokens):
            word = tokens[j][0]
            nxt = tokens[j + 1][0] if j + 1 < len(tokens) else ""
            if word in ("a", "an"):
                if j != i or (nxt != "hundred" and nxt not in _SCALES):
                    break
                current, last = 1, "unit"
            elif word == "and":
                if last not in ("hundred", "scale") or nxt not in {**_UNITS, **_TEENS, **_TENS}:
                    break
                j += 1
                continue
            elif word in _UNITS:
                if last not in (None, "tens", "hundred", "scale"):
                    break
                current, last = current + _UNITS[word], "unit"
            elif word in _TEENS or word in _TENS:
                if last not in (None, "hundred", "scale"):
                    break
                current += _TEENS.get(word, _TENS.get(word, 0))
                last = "tens" if word in _TENS else "teen"
            elif word == "hundred":
                if last not in ("unit", "teen", "tens") or current >= 100:
                    break
                current, last = current * 100, "hundred"
            elif word in _SCALES:
                scale = _SCALES[word]
                if last not in ("unit", "teen", "tens", "hundred"):
                    break
                if prev_scale is not None and scale >= prev_scale:
                    break
                total, current, last, prev_scale = total + current * scale, 0, "scale", scale
            else:
                break
            end = tokens[j][2]
            j += 1
        if j == i:
            i += 1
            continue
        numbers.append((total + current, start, end))
        i = j
    return numbers


_ASCII_SPACE_RUN_RE = re.compile(r"[ \t\n\r\x0b\x0c\x1c-\x1f]+")
_ASCII_NEWLINES = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e")


def _fold_ascii(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Stage 1 of `normalize` for ASCII text: each character is its own cluster, NFKC and the
    look-alike table leave it as it is, casefold is lower, and a run of white space becomes
    one space or, when it holds a line break, one newline. About 10x faster than the general
    loop on the short notes intake scans; a property test keeps the two equal."""
    lowered = text.lower()
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for run in _ASCII_SPACE_RUN_RE.finditer(lowered):
        start, end = run.span()
        chars.extend(lowered[pos:start])
        spans.extend((i, i + 1) for i in range(pos, start))
        chars.append("\n" if _ASCII_NEWLINES.intersection(run.group()) else " ")
        spans.append((start, end))
        pos = end
    chars.extend(lowered[pos:])
    spans.extend((i, i + 1) for i in range(pos, len(lowered)))
    return chars, spans


def _fold_general(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if unicodedata.category(ch) == "Cf":  # zero-width, soft hyphen, BOM, bidi marks
            i += 1
            continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        for out in _fold_cluster(text[i:j]):
            if out.isspace():
                ws = "\n" if out in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else " "
                if chars and chars[-1] in (" ", "\n"):
                    if ws == "\n":
                        chars[-1] = "\n"
                    spans[-1] = (spans[-1][0], j)
                    continue
                out = ws
            chars.append(out)
            spans.append((i, j))
        i = j
    return chars, spans


def normalize(text: str) -> NormalizedText:
    """Return the matching form of `text` with an offset map back to the original."""
    chars, spans = _fold_ascii(text) if text.isascii() else _fold_general(text)
    stage1 = "".join(chars)
    replacements: list[tuple[int, int, str]] = []
    for run in _NUMBER_RUN_RE.finditer(stage1):
        tokens = [
            (m.group(), run.start() + m.start(), run.start() + m.end())
            for m in _RUN_TOKEN_RE.finditer(run.group())
        ]
        for value, start, end in _parse_number_run(tokens):
            replacements.append((start, end, str(value)))
    if not replacements:
        return NormalizedText(stage1, tuple(spans))
    out_chars: list[str] = []
    out_spans: list[tuple[int, int]] = []
    pos = 0
    for start, end, digits in replacements:
        out_chars.extend(chars[pos:start])
        out_spans.extend(spans[pos:start])
        whole = (spans[start][0], spans[end - 1][1])
        out_chars.extend(digits)
        out_spans.extend([whole] * len(digits))
        pos = end
    out_chars.extend(chars[pos:])
    out_spans.extend(spans[pos:])
    return NormalizedText("".join(out_chars), tuple(out_spans))


# --------------------------------------------------------------------------------------------
# Private watchlists

_TERM_WORD_RE = re.compile(r"[^\W_]+")


def normalize_term(term: str) -> str:
    """Return the watchlist form of `term`: normalised words joined by single spaces."""
    return " ".join(_TERM_WORD_RE.findall(normalize(term).text))


def watchlist_term_hash(term: str, key: bytes) -> str:
    """Return the hex HMAC-SHA-256 under `key` of the normalised `term`."""
    return hmac.new(key, normalize_term(term).encode("utf-8"), hashlib.sha256).hexdigest()


_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Watchlist:
    """A member's private watchlist: term hash -> category; the clear terms are never held."""

    key: bytes = field(repr=False)
    entries: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checked: dict[str, str] = {}
        for term_hash, category in self.entries.items():
            if not _HASH_RE.match(term_hash):
                raise ValueError("watchlist entries must be keyed by lower-case hex SHA-256")
            category = category or "customer"
            if category not in CATEGORIES:
                raise ValueError(f"unknown watchlist category {category!r}")
            checked[term_hash] = category
        object.__setattr__(self, "entries", MappingProxyType(checked))

    @classmethod
    def from_terms(
        cls, key: bytes, terms: Iterable[str] | Mapping[str, str], category: str = "customer"
    ) -> Watchlist:
        """Build a watchlist by hashing `terms` (or a term -> category mapping) under `key`."""
        pairs = terms.items() if isinstance(terms, Mapping) else ((t, category) for t in terms)
        return cls(key, {watchlist_term_hash(t, key): c or category for t, c in pairs})


def _watchlist_findings(detect: str, norm: NormalizedText, watchlist: Watchlist) -> list[Finding]:
    """Return findings for every 1- to 4-word window whose hash is on the watchlist."""
    words = list(_TERM_WORD_RE.finditer(detect))
    findings = []
    for i in range(len(words)):
        for width in range(1, WATCHLIST_MAX_WORDS + 1):
            if i + width > len(words):
                break
            window = " ".join(w.group() for w in words[i : i + width])
            digest = hmac.new(watchlist.key, window.encode("utf-8"), hashlib.sha256).hexdigest()
            category = watchlist.entries.get(digest)
            if category:
                start, end = norm.to_original(words[i].start(), words[i + width - 1].end())
                findings.append(
                    Finding(
                        category,
                        start,
                        end,
                        f"watchlist.{category}",
                        f"Matches a term on the member's private watchlist ({category}).",
                    )
                )
    return findings


# --------------------------------------------------------------------------------------------
# Detectors

# The lookbehind anchors numbers at their first digit, keeping long digit runs linear.
_NUM = r"(?<![\d,.])\d[\d,]*+(?:\.\d+)?"
_SCALE = r"(?:\s?(?:k|m|mm|bn|b|thousand|million|billion|trillion)\b)?"
_NUMBER = rf"(?:{_NUM}{_SCALE})"
_MONEY = (
    rf"(?:(?:us\$|\$|€|£|¥|usd|eur|gbp|jpy|cny|rmb)\s?{_NUM}{_SCALE}"
    rf"|{_NUM}{_SCALE}\s?(?:dollars?|euros?|usd|eur|gbp|pounds?|yen|yuan|rmb|cents?)\b)"
)
_PERCENT = rf"(?:{_NUM}\s?(?:%|percent\b|per cent\b|pct\b))"
_UNIT = (
    r"(?:(?:input |output )?tokens?|seats?|users?|months?|mo|year|yr|requests?|calls?|api calls"
    r"|quer(?:y|ies)|keys?|licen[cs]es?|hours?|hr|gpu[- ]hours?|images?|minutes?|characters)"
)
_PER_UNIT = (
    rf"(?:\s?(?:per|/|a|an|each|for (?:a|an|each|one|1)|for every)\s?"
    rf"(?:(?:{_NUM}\s?(?:k|m|mm|thousand|million)?|k|m|mm|thousand|million|mtok)\s?)?{_UNIT}?\b"
    rf"(?:\s?(?:per|/|a)\s(?:month|year|seat|user)\b)?)"
)
_COMPUTE = (
    r"\b(?:compute|gpus?|cloud|hardware|infrastructure|inference|electricity|power|training"
    r"|data cent(?:re|er)s?|serving|h100s?|a100s?|suppliers?|vendors?|hosting)\b"
)
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_WHEN = (
    rf"(?:next (?:week|month|quarter|year|spring|summer|autumn|fall|winter)|(?:in |by )?q[1-4]\b"
    rf"|in {_MONTHS}|by (?:the )?end of|(?:the )?(?:first|second) half of|early|late|mid-?)"
)
_COLLECTIVE = (
    r"\b(?:let's|let us|we (?:should|could|must|would)? ?all|all of us|everyone|every lab"
    r"|each of us|together|jointly|collectively|all (?:members|labs|providers|companies|firms)"
    r"|the industry|as an industry|all the labs)\b"
)

_FIRST_PERSON_RE = re.compile(
    r"\b(?:we|we're|we've|we'll|we'd|our|ours|ourselves|my|mine)\b|(?<!the )\bus\b"
)
_ATTACKER_RE = re.compile(
    r"\b(?:attackers?|attacker's|actors?|actor's|adversar(?:y|ies)|operators?|operator's"
    r"|resellers?|reseller's|resold|reselling|scrapers?|scraping|campaigns?|campaign's"
    r"|(?<!serving )(?<!gpu )(?<!compute )(?<!inference )(?<!training )clusters?|cluster's"
    r"|botnets?|bots?|fraudsters?|abusers?|proxy|proxies|farms?|fake"
    r"|marketplaces?|sellers?|they|their|them|criminals?|distillers?|vendor's|seller's)\b"
)
_SENTENCE_END_RE = re.compile(r"[.!?;](?=\s|$)|\n")
_MARKER_RE = re.compile(r"\[redacted:[a-z_]+\]")


@dataclass(frozen=True)
class _Rule:
    rule: str
    pattern: re.Pattern[str]
    explanation: str
    context: str = "own"  # any | own | first_person | first_person_only
    requires: re.Pattern[str] | None = None  # the sentence must also match this
    unless: re.Pattern[str] | None = None  # ... and must not match this

    @property
    def category(self) -> str:
        return self.rule.split(".", 1)[0]


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_COST_CONTEXT = _r(
    r"\bcosts? us\b|\bcost to serve\b|\b(?:spend|spent|spending)\b|\binference costs?\b"
    r"|\bsupplier\b|\bcloud (?:contract|bill)"
)

_RULES: tuple[_Rule, ...] = (
    # price
    _Rule(
        "price.per_unit_rate",
        _r(rf"{_MONEY}{_PER_UNIT}"),
        "A per-unit price or rate card figure (money per token, seat, request or period).",
        unless=_COST_CONTEXT,
    ),
    _Rule(
        "price.list_price",
        _r(
            r"\b(?:list|contract|retail|wholesale|enterprise|per[- ]token|per[- ]seat|public"
            r"|standard|discounted|sticker|street|api|subscription|plan) pric(?:e|es|ing)\b"
            r"|\brate cards?\b|\bprice (?:list|point|sheet)s?\b"
            r"|\bpricing (?:for|of|is|tiers?|sheet|will|goes)\b"
        ),
        "Refers to list, contract or tier pricing.",
    ),
    _Rule(
        "price.discount",
        _r(
            rf"\b{_PERCENT}\s?(?:off|discount|rebate)\b|\bdiscounts? of\s{_PERCENT}"
            r"|\b(?:volume|enterprise|annual|committed[- ]use|partner|loyalty)"
            r" (?:discount|rebate)s?\b"
        ),
        "Describes a discount or rebate on prices.",
    ),
    _Rule(
        "price.change",
        _r(
            r"\b(?:cut|cutting|raise[ds]?|raising|increas(?:e|es|ed|ing)|lower(?:s|ed|ing)?"
            r"|reduc(?:e|es|ed|ing)|drop(?:s|ped|ping)?|hik(?:e|es|ed|ing)|doubl(?:e|es|ed|ing)"
            r"|slash(?:es|ed|ing)?)\s(?:the\s|our\s|its\s)?(?:\w+\s){0,3}?"
            r"(?:prices?|pricing|fees?|subscription costs?)\b"
            rf"|\bprice (?:cuts?|increases?|hikes?|changes?|rises?|drops?|reductions?|war)\b"
            rf"|\b(?:rising|falling|going up|going down|moving) to {_MONEY}"
        ),
        "Describes a past or planned change of prices.",
    ),
    _Rule(
        "price.bid",
        _r(rf"\b(?:bid|tender|quote|quotation|offer|proposal)\b[^.;\n]{{0,60}}?{_MONEY}"),
        "States the amount of a bid, quote or offer.",
    ),
    _Rule(
        "price.amount",
        _r(
            r"\b(?:pric(?:e|es|ed|ing)|charg(?:e|es|ed|ing)"
            r"|sell(?:s|ing)? (?:it |access )?(?:at|for))"
            rf"\b[^.;\n]{{0,40}}?{_MONEY}"
        ),
        "States a price or a charge in money.",
        unless=_COST_CONTEXT,
    ),
    # cost
    _Rule(
        "cost.cost_to_serve",
        _r(
            rf"\bcost(?:s|ing)? us\b(?:[^.;\n]{{0,30}}?{_MONEY}(?:{_PER_UNIT})?)?"
            r"|\bcosts? to serve\b|\b(?:serving|inference|unit|per-request|per-token) costs?\b"
            r"|\bcost per (?:token|request|query|call|1k|1m|million|thousand)\b|\bunit economics\b"
            r"|\b(?:compute|gpu|cloud|infrastructure|power|energy) (?:spend|bill|budget|costs?)\b"
        ),
        "Refers to the member's cost to serve or compute spend.",
    ),
    _Rule(
        "cost.spend",
        _r(rf"\b(?:spend|spent|spending|pay|paid|paying)\b[^.;\n]{{0,30}}?(?:{_MONEY}|{_NUMBER})"),
        "States how much the member spends on compute or suppliers.",
        context="first_person",
        requires=_r(_COMPUTE),
    ),
    _Rule(
        "cost.supplier_rate",
        _r(
            r"\b(?:negotiated|committed|reserved|discounted|contracted) (?:rates?|pric(?:e|es|ing)"
            r"|capacity|discounts?)\b|\b(?:cloud|supplier|vendor|hosting|colo|power|hardware|gpu)"
            r" (?:contract|deal|agreement|rate)s?\b|\bbelow on[- ]demand\b"
            r"|\bon[- ]demand (?:rates?|prices?)\b"
        ),
        "Refers to negotiated supplier or cloud rates.",
    ),
    _Rule(
        "cost.margin",
        _r(
            r"\b(?:gross|operating|net|profit|ebitda|ebit|contribution) margins?\b"
            r"|\bour margins?\b|\bmargins? (?:on|of)\b|\bbreak[- ]even\b|\bloss[- ]making\b"
        ),
        "Refers to the member's margins or profitability.",
    ),
    # capacity
    _Rule(
        "capacity.accelerator_count",
        _r(
            rf"\b{_NUMBER}\s?(?:\w+\s)?(?:gpus?|tpus?|accelerators?|(?:nvidia\s)?(?:h100|a100|h200"
            r"|b200|gb200|l40|mi300x?|v100|a10g?)s?|gpu nodes|inference nodes|servers|racks)\b"
        ),
        "States a count of GPUs, accelerators or servers.",
    ),
    _Rule(
        "capacity.utilisation",
        _r(
            rf"(?:\b{_PERCENT}\s)?\butili[sz](?:ation|ed)\b|\bheadroom\b|\bspare capacity\b"
            r"|\b(?:at|near|over) (?:full )?capacity\b|\bcapacity (?:constraints?|crunch"
            r"|shortages?|limits?|is|was|of)\b|\boccupancy\b"
        ),
        "Refers to utilisation, headroom or capacity limits.",
    ),
    _Rule(
        "capacity.fleet",
        _r(
            r"\b(?:our|the company's) (?:\w+ ){0,2}?(?:fleet|capacity|data cent(?:re|er)s?"
            r"|(?:gpu|compute|serving|inference|training) clusters?|compute|gpus|accelerators)\b"
            r"|\b(?:serving|inference|gpu|compute|training) (?:fleet|capacity)\b"
        ),
        "Refers to the member's serving fleet or compute capacity.",
    ),
    _Rule(
        "capacity.expansion",
        _r(
            r"\b(?:expand|doubl|tripl|grow|add|build|increas|scal|quadrupl)\w*\b[^.;\n]{0,30}?"
            r"\b(?:fleet|capacity|data cent(?:re|er)s?|gpus?|accelerators|compute)\b"
        ),
        "Describes an expansion of compute capacity.",
    ),
    # volume
    _Rule(
        "volume.own_traffic",
        _r(
            r"\b(?:our|my) (?:(?:api|total|daily|weekly|monthly|overall|global|production|platform"
            r"|inference|paid|public|own|serving|peak|average|normal|legitimate|organic|customer"
            r"|user|model)\s){0,2}(?:traffic|volumes?|requests|tokens|api calls|queries|usage"
            r"|load|throughput|qps|rps)\b"
        ),
        "Refers to the member's own traffic or usage volume.",
    ),
    _Rule(
        "volume.served",
        _r(
            r"\b(?:serve[sd]?|serving|process(?:es|ed|ing)?|handl(?:e|es|ed|ing)|run|runs)\s"
            r"(?:about |around |roughly |approximately |over |nearly |almost |some |up to "
            rf"|more than |~)?{_NUMBER}\s(?:\w+\s)?(?:requests|tokens|queries|calls|completions"
            r"|conversations|messages|sessions|users)\b"
        ),
        "States how much traffic the member serves.",
        context="first_person",
    ),
    _Rule(
        "volume.received",
        _r(
            r"\b(?:see|saw|seen|receive[sd]?|get|got|had|have|has|hit|reach(?:ed)?)\s"
            r"(?:about |around |roughly |approximately |over |nearly |almost |some |up to "
            rf"|more than |~)?{_NUMBER}\s(?:\w+\s)?(?:requests|tokens|queries|calls|completions"
            r"|conversations|messages|sessions)\b"
        ),
        "States a traffic volume of the member's own service.",
        context="first_person_only",
    ),
    _Rule(
        "volume.share",
        _r(
            rf"\b{_PERCENT}\s(?:of\s)(?:all\s)?(?:our|total|global|overall|the platform's|platform)"
            r"\b(?:\s[\w-]+){0,3}|\bshare of (?:our |the |total )?(?:traffic|volume|requests"
            r"|tokens|usage)\b|\bmarket share\b"
        ),
        "States a share of the member's traffic or of a market.",
    ),
    _Rule(
        "volume.active_users",
        _r(
            rf"\b{_NUMBER}\s(?:\w+\s)?(?:(?:daily|weekly|monthly) )?(?:active users|paying users"
            r"|paid users|subscribers|registered users|active developers)\b|\b(?:dau|mau|wau)s?\b"
        ),
        "States a number of active or paying users.",
    ),
    # customer
    _Rule(
        "customer.key_account",
        _r(
            r"\b(?:key|biggest|largest|top(?: \d+)?|major|anchor|flagship|strategic|marquee"
            r"|important|main|top-\d+) (?:enterprise |corporate |government |paying |business )?"
            r"(?:customers?|clients?)\b|\b(?:biggest|largest|top(?: \d+)?|strategic|enterprise)"
            r" accounts\b"
        ),
        "Identifies an important customer or account.",
        context="any",
    ),
    _Rule(
        "customer.named",
        _r(
            r"(?<![\w&.-])[\w&.-]++(?:,| is) (?:a|an|one of our|our) "
            r"(?:(?:key|big|large|major|new|paying|long-standing|longtime|existing|enterprise|government|corporate|strategic"
            r"|important|biggest|largest) ){0,2}(?:customers?|clients?)\b"
            r"|\b(?:customers?|clients?) (?:named|called|such as|including|like)\b"
        ),
        "Names a customer or client.",
        context="any",
    ),
    _Rule(
        "customer.deal",
        _r(
            r"\b(?:customers?|clients?|deals?|contracts?|rfps?)\b[^.;\n]{0,40}?\b(?:renew\w*"
            r"|signed|won|lost|churn\w*|switch\w*|cancel\w*|chose|moved|migrat\w*|defect\w*)\b"
            r"|\b(?:won|lost|signed|closed|renewed)\b (?:the |a |an |our |their )?(?:\w+ ){0,2}?"
            r"(?:deal|contract|account|customer|client|rfp|tender)s?\b"
        ),
        "Refers to deals or contracts won, lost or renewed.",
    ),
    _Rule(
        "customer.count",
        _r(
            rf"\b{_NUMBER}\s(?:\w+\s){{0,2}}(?:customers|clients|enterprise accounts"
            r"|paying accounts)\b"
        ),
        "States a number of customers.",
    ),
    _Rule(
        "customer.concentration",
        _r(
            r"\b(?:customer|revenue|client) concentration\b"
            rf"|\b{_PERCENT} of (?:our )?(?:revenue|sales|business|bookings) (?:comes? )?from\b"
        ),
        "Describes customer concentration.",
    ),
    _Rule(
        "customer.list",
        _r(r"\b(?:customer|client) (?:list|base|names|roster|pipeline)s?\b"),
        "Refers to the member's customer list or base.",
    ),
    # revenue
    _Rule(
        "revenue.figure",
        _r(
            r"\b(?:revenues?|arr|mrr|run[- ]rate|bookings|turnover|sales|income|earnings|ebitda"
            r"|profits?|gmv)\b"
            rf"(?:[^.;\n]{{0,40}}?(?:{_MONEY}|{_PERCENT})(?:\s(?:annuali[sz]ed|a year|per year"
            r"|per month|a month|arr|run[- ]rate))?)?"
        ),
        "Refers to revenue, ARR or sales figures.",
        requires=_r(
            rf"{_MONEY}|\d|\b(?:grow|grew|growth|rose|fell|declin\w*|doubl\w*|forecast\w*"
            r"|project\w*|target\w*|guidance|reach\w*|annuali[sz]ed|record|our)\b"
        ),
    ),
    _Rule(
        "revenue.churn",
        _r(
            r"\bchurn(?:ed|ing)?(?: rate)?\b|\bnet (?:revenue |dollar )?retention\b|\bnrr\b"
            r"|\bndr\b|\bgross retention\b|\brenewal rates?\b"
        ),
        "Refers to churn or retention.",
    ),
    _Rule(
        "revenue.forecast",
        _r(
            r"\b(?:revenue|sales|subscriber|user|customer|arr|business|top-line) (?:growth"
            r"|forecasts?|projections?|guidance|targets?)\b|\b(?:our|we) (?:\w+ )?(?:forecast"
            r"|projections?|guidance|outlook)\b"
        ),
        "Refers to growth, forecasts or financial guidance.",
    ),
    # roadmap
    _Rule(
        "roadmap.plan",
        _r(
            r"\b(?:plan|plans|planning|intend|intends|intending)\s(?:to|on)\b(?:\s[\w-]+){0,4}"
            r"|\b(?:expect|expecting|aim|aiming|going|about|hope|hoping|set|preparing|prepare"
            r"|scheduled|due)\sto\s(?:\w+\s)?(?:launch|release|ship|enter|expand|introduce|open"
            r"|announce|unveil|roll out|debut|deprecate|sunset|retire|acquire|raise|cut|lower"
            r"|increase|double|triple|offer|exit|charge|reprice|build)\b(?:\s[\w-]+){0,3}"
        ),
        "States a business plan or intention of the member.",
        context="first_person",
    ),
    _Rule(
        "roadmap.release",
        _r(
            r"\b(?:next|upcoming|unreleased|unannounced|future|forthcoming|planned|secret)\s"
            r"(?:[\w-]+\s){0,2}?(?:models?|version|release|product|launch|features?|tier|region"
            r"|sku)\b[^.;\n]{0,40}?\b(?:planned|scheduled|slated|targeted|due|expected|coming"
            r"|launch\w*|ship\w*|go(?:es)? live)\b"
            r"|\b(?:release|launch|ship|rollout|roll-out|ga|general availability|go-live|debut)"
            r"\s(?:date|window|(?:is |are )?(?:planned|scheduled|slated|targeted|due|set)\b)"
            r"|\b(?:release|launch|rollout|debut)\b[^.;\n]{0,40}?\b(?:is|are|was) (?:planned"
            r"|scheduled|slated|targeted|set|due)\b"
            r"|\bcode ?named?\b|\bunreleased (?:model|product|feature)s?\b"
        ),
        "Refers to an unreleased product or a launch schedule.",
    ),
    _Rule(
        "roadmap.market_entry",
        _r(
            r"\b(?:enter|entering|entry into|expand(?:ing)? into|launch(?:ing)? in|exit(?:ing)?)"
            r"\s(?:the\s)?(?:[\w-]+\s){0,2}?(?:markets?|regions?|segments?|verticals?)\b"
            r"|\bmarket[- ]entry\b|\bgo[- ]to[- ]market\b"
        ),
        "Describes a plan to enter or leave a market.",
    ),
    _Rule(
        "roadmap.timeline",
        _r(rf"\b(?:launch|releas|ship|unveil|announc|debut)\w*\b[^.;\n]{{0,30}}?\b{_WHEN}\w*"),
        "Gives the timing of a launch or release.",
    ),
    # coordination
    _Rule(
        "coordination.collective_action",
        _r(
            rf"{_COLLECTIVE}[^.;\n]{{0,40}}?\b(?:agree\w*|refus\w*|stop\w*|boycott\w*|ban\w*"
            r"|block\w*|cut off|raise\w*|lower\w*|charge\w*|set\w*|match\w*|align\w*|deny\w*"
            r"|blacklist\w*|drop\w*|not (?:serve|sell|hire|work|supply))"
            r"|\b(?:can|could|should|shall) we (?:all )?(?:agree|align|coordinate|commit|jointly)\b"
            r"|\bagree(?:d|ing|ment)? (?:not to|to not|on (?:a |the )?(?:common|minimum|maximum"
            r"|floor|same|uniform|joint|shared|single))\b"
        ),
        "Proposes joint action between competitors.",
        context="any",
    ),
    _Rule(
        "coordination.common_terms",
        _r(
            r"\b(?:common|joint|shared|uniform|coordinated|industry[- ]wide|collective|minimum"
            r"|floor|same)\s(?:\w+\s)?(?:price|prices|pricing|fees?|boycott|ban ?lists?"
            r"|block ?lists?|blacklists?|embargo|terms of sale)\b"
        ),
        "Proposes common prices, terms or ban lists.",
        context="any",
    ),
    _Rule(
        "coordination.boycott",
        _r(
            r"\b(?:boycott\w*|refus\w* (?:service|to serve|to sell|to supply|to deal)"
            r"|stop (?:serving|selling to|supplying|working with)|not to (?:serve|sell to|supply"
            r"|work with|deal with)|cut off|blacklist)\b[^.;\n]{0,30}?\b(?:any|all|every)\b"
            r"(?:\s\w+)?"
        ),
        "Proposes refusing to deal with a class of companies.",
        context="any",
        requires=_r(rf"{_COLLECTIVE}|\bshould\b|\bmust\b|\bagree"),
    ),
    _Rule(
        "coordination.no_poach",
        _r(
            r"\bno[- ]poach\w*|\bnon[- ]solicit\w*|\bnot (?:to )?(?:poach|hire|recruit)\w* "
            r"(?:from )?(?:each other|one another)\w*|\b(?:wage|salary) (?:caps?|fixing)\b"
        ),
        "Proposes a no-poach or wage-fixing arrangement.",
        context="any",
    ),
    _Rule(
        "coordination.market_allocation",
        _r(
            r"\b(?:divid|split|allocat|carv)\w* (?:up )?(?:the )?(?:markets?|customers|regions"
            r"|territories)\b|\bstay out of (?:each other's|their|our) (?:markets?|regions)\b"
        ),
        "Proposes dividing markets or customers.",
        context="any",
    ),
)


def _sentence_bounds(text: str) -> list[int]:
    """Return the start offsets of the sentences of `text`."""
    return [0] + [m.end() for m in _SENTENCE_END_RE.finditer(text)]


def _context_allows(rule: _Rule, sentence: str) -> bool:
    """Return True when the sentence context lets `rule` fire."""
    if rule.requires is not None and not rule.requires.search(sentence):
        return False
    if rule.unless is not None and rule.unless.search(sentence):
        return False
    if rule.context == "any":
        return True
    first_person = bool(_FIRST_PERSON_RE.search(sentence))
    attacker = bool(_ATTACKER_RE.search(sentence))
    if rule.context == "own":
        return first_person or not attacker
    if rule.context == "first_person":
        return first_person
    return first_person and not attacker


def _non_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Keep, per category, the earliest-longest findings that do not overlap each other."""
    kept: list[Finding] = []
    last_end: dict[str, int] = {}
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start), f.rule)):
        if f.start >= last_end.get(f.category, -1):
            kept.append(f)
            last_end[f.category] = f.end
    return sorted(kept, key=lambda f: (f.start, f.end, f.category, f.rule))


def scan(text: str, *, watchlist: Watchlist | None = None) -> list[Finding]:
    """Return the findings of `text`, sorted by start, non-overlapping within a category."""
    norm = normalize(text)
    # Redaction markers left by an earlier pass must not be read as sensitive words.
    detect = _MARKER_RE.sub(lambda m: "#" * len(m.group()), norm.text)
    bounds = _sentence_bounds(detect)
    findings: list[Finding] = []
    for rule in _RULES:
        for match in rule.pattern.finditer(detect):
            start, end = match.span()
            while end > start and detect[end - 1].isspace():
                end -= 1
            if end <= start:
                continue
            idx = bisect.bisect_right(bounds, start) - 1
            s_start = bounds[idx]
            s_end = bounds[idx + 1] if idx + 1 < len(bounds) else len(detect)
            if not _context_allows(rule, detect[s_start:s_end]):
                continue
            o_start, o_end = norm.to_original(start, end)
            findings.append(Finding(rule.category, o_start, o_end, rule.rule, rule.explanation))
    if watchlist is not None and watchlist.entries:
        findings.extend(_watchlist_findings(detect, norm, watchlist))
    return _non_overlapping(findings)


def rules() -> Sequence[tuple[str, str]]:
    """Return (rule id, explanation) for every built-in detector."""
    return tuple((r.rule, r.explanation) for r in _RULES)


def main(argv: Sequence[str] | None = None) -> int:
    """Scan each line of FILE (or stdin) and print one JSON object per line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m sharing.scanning [FILE]", file=sys.stderr)
        return 2
    if args and args[0] != "-":
        with open(args[0], encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    else:
        lines = sys.stdin.read().splitlines()
    for line in lines:
        record = {"text": line, "findings": [f.to_dict() for f in scan(line)]}
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
