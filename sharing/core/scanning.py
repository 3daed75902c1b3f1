"""Sensitive-content scanner: flag competitively sensitive language in free text.

Pure module (no Django, no NumPy or scikit-learn). Each sentence is read through an
evasion-resistant detection form (NFKC, format characters such as zero-width spaces removed,
full-width digits and signs and look-alike letters folded, case-folded, look-alike digits inside
words read as letters) and scored by a linear classifier trained on a labelled corpus
(scripts/train_scanner.py; weights in sharing/core/scanner_model.json): character n-grams and stems
of each token's word class (numbers however grouped, number words, currencies, percent words and
months are classes) and the signals of a small grammar — who speaks (the member, or an attacker
and the illicit market) and what is said (a quantity, an amount, a change, a plan, a date, joint
action). A sentence above the threshold is one finding spanning that sentence of the ORIGINAL
text, with a category and an explanation a reviewer can read. docs/scanner.md gives the design,
corpora and figures.

Decision: an attacker's or reseller's own prices ("the reseller charges $5 for a key") describe
the illicit market, not a member's business, and are not flagged; the same figure said of a
member ("we charge $5 per key", "undercuts our $20 list price") is.

Redaction markers, old (``[REDACTED:price]``) and new (``[removed under policy]``), are inert.
Private watchlists hold only keyed HMAC-SHA-256 hashes of normalised terms (`normalize`: the
form above, number words read as numbers, whitespace collapsed); the scanner hashes every 1- to
4-word window of the text and never learns or stores the clear terms.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import struct
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from itertools import accumulate, compress, count, repeat
from operator import add, and_, eq, gt, itemgetter, mul, or_, rshift, sub, truediv
from pathlib import Path
from types import MappingProxyType
from typing import Any

CATEGORIES = (
    "price",
    "cost",
    "capacity",
    "volume",
    "customer",
    "revenue",
    "roadmap",
    "contract",
    "workforce",
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
    # Look-alikes again after case folding: upper-case Cyrillic and Greek fold to lower case.
    return "".join(folded).casefold().translate(_CONFUSABLES)


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
# The detection form: sentences of raw tokens
#
# Text is lower-cased (where it holds characters that lower-casing and NFKC do not settle, those
# are folded as `normalize` folds them), redaction markers are blanked, sentence ends become
# newlines, look-alike digits inside words are read as letters ("pr1ce"), every digit becomes
# "0" and punctuation becomes space. Every step keeps the length of the text, so an offset in
# the detection form is an offset in the folded text, which maps back to the original.

_MARKER_RE = re.compile(r"\[redacted:[a-z_]+\]|\[removed under policy\]")
_LEET_RE = re.compile(r"[013457@$](?<=[a-z].)(?=[a-z])")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_PUNCTUATION = (
    "\"#&'()*+,-./:<=>@[\\]^_`{|}~\r\t\x0b\x0c"
    "\u00ab\u00bb\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u2022\u00b7\u2192"
)
_ASCII_PUNCTUATION = "".join(c for c in _PUNCTUATION if c.isascii())
_WIDE_PUNCTUATION_RE = re.compile("[" + "".join(c for c in _PUNCTUATION if not c.isascii()) + "]")


def _is_simple(ch: str) -> bool:
    """Return True when lower-casing `ch` folds it as `_fold_general` does, or as well."""
    if ch.isdigit() or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Mc", "Me", "Zl", "Zp"):
        return False
    if ch in "ß\u2026":
        # They keep their length here (the general fold writes "ss" and "..."): German words
        # stay on the fast path, and neither changes a sentence boundary.
        return True
    return (
        unicodedata.normalize("NFKC", ch) == ch
        and ch.translate(_CONFUSABLES) == ch
        and len(ch.lower()) == 1
        and ch.lower() == ch.casefold()
    )


_SIMPLE_EXTRA = "".join(
    ch
    for block in ((0x80, 0x250), (0x2000, 0x2070), (0x20A0, 0x20C0), (0x2190, 0x2300))
    for ch in map(chr, range(*block))
    if _is_simple(ch) and not ch.isspace()
)
_NOT_SIMPLE_RE = re.compile("[^\\x00-\\x7f" + re.escape(_SIMPLE_EXTRA) + "]")


def _fold_detection(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Return the folded text and its offset map (None when it is the identity).

    Runs of simple characters are lower-cased; only the characters around the others go
    through the general fold, so one look-alike letter does not slow a whole note down.
    """
    if text.isascii() or _NOT_SIMPLE_RE.search(text) is None:
        return text.lower(), None
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _NOT_SIMPLE_RE.finditer(text):
        start = match.start()
        if start < pos:
            continue  # a combining mark already folded with the character before it
        parts.append(text[pos:start].lower())
        spans.extend(zip(range(pos, start), range(pos + 1, start + 1), strict=True))
        end = match.end()
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        chars, local = _fold_general(text[start:end])
        parts.append("".join(chars))
        spans.extend((start + a, start + b) for a, b in local)
        pos = end
    parts.append(text[pos:].lower())
    spans.extend(zip(range(pos, len(text)), range(pos + 1, len(text) + 1), strict=True))
    return "".join(parts), spans


def _detection_form(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Return the detection form of `text` and its offset map (None: the identity)."""
    folded, spans = _fold_detection(text)
    if "[" in folded:
        folded = _MARKER_RE.sub(lambda m: " " * len(m.group()), folded)
    folded = folded.replace(". ", " \n")  # "!" and "?" end a sentence wherever they stand
    if "@" in folded or "$" in folded or any(d in folded for d in "013457"):
        folded = _LEET_RE.sub(_leet, folded)
    if not folded.isascii():
        folded = _WIDE_PUNCTUATION_RE.sub(" ", folded)
    form = folded.encode().translate(_DIGIT_TABLE)
    form = _A_NUMBER_RE.sub(_blank, _GROUP_SEPARATOR_RE.sub(b"0", form))
    return form.translate(_PUNCTUATION_TABLE).decode(), spans


# One number reads as one token, however it is written: a separator between digit groups
# ("1,000,000", "1.5", "1'000") reads as a digit, and the "a" of "a million" is blanked, so
# "a million" and "1,000,000" both read as one "0". Both keep the length. (Each pattern
# starts with a character class, which the regular-expression engine scans for in C.)
_DIGIT_TABLE = bytes.maketrans(b"123456789;!?", b"000000000\n\n\n")
_GROUP_SEPARATOR_RE = re.compile(rb"[,.'](?<=0.)(?=0)")
_A_NUMBER_RE = re.compile(rb"a(?<![^\s]a)n? (?=hundred|thousand|million|billion|trillion|dozen)")


def _blank(match: re.Match[bytes]) -> bytes:
    return b" " * len(match.group())


# Byte tables: str.translate is fast on ASCII text only, bytes.translate on any UTF-8.
_PUNCTUATION_TABLE = bytes.maketrans(_ASCII_PUNCTUATION.encode(), b" " * len(_ASCII_PUNCTUATION))


def _leet(match: re.Match[str]) -> str:
    return _LEET[match.group()]


def tokens(text: str) -> list[list[str]]:
    """Return the raw tokens of each sentence of `text` (what the classifier reads)."""
    return [sentence.split() for sentence in _detection_form(text)[0].split("\n")]


# Word classes: every number, currency, percent sign and month reads as one token, so "a fifth",
# "12 pts", "forty bucks" and "Feb" read like "0 %", "$" and "<month>" to the classifier.
_NUMBER_WORDS_ALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty"
    " ninety hundred hundreds thousand thousands million millions billion billions trillion"
    " dozen dozens half third thirds fifth fifths sixth eighth tenth k m mm bn mn b mio mrd"
    " deux trois quatre cinq sept huit neuf dix onze douze quinze vingt trente quarante"
    " cinquante soixante cent cents mille milliard milliards moitié tiers"
    " zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig dreissig vierzig"
    " fünfzig hundert tausend millionen milliarde milliarden hälfte drittel viertel fünftel"
)
_PERCENT_WORDS = "% percent pct prozent pourcent pts bps pp ppt"
_CURRENCY_WORDS = (
    "$ € £ ¥ us$ usd eur gbp jpy chf dollar dollars euro euros bucks buck quid yen yuan rmb"
)
_MONTH_WORDS = (
    "january february march april june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
    " janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    " januar februar märz juni juli oktober dezember"
)
_CANON: dict[str, str] = {
    **{w: "0" for w in _NUMBER_WORDS_ALL.split()},
    **{w: "%" for w in _PERCENT_WORDS.split()},
    **{w: "$" for w in _CURRENCY_WORDS.split()},
    **{w: "<month>" for w in _MONTH_WORDS.split()},
}
_ZERO_RUN_RE = re.compile("0+")
_CURRENCY_SIGNS = frozenset("$€£¥")


LONG_TOKEN = 32  # longer tokens are hashes, keys, URLs and other blobs: one class, "<long>"


def canonical(token: str) -> str:
    """Return the word class of a raw token: runs of digits are one "0", number words "0"..."""
    if len(token) > LONG_TOKEN:
        return "<long>"
    if "0" in token:
        token = _ZERO_RUN_RE.sub("0", token)
    return _CANON.get(token, token)


# Signals of a small grammar: who speaks (the member, or an attacker and the illicit market),
# and what it says (a quantity, an amount, a change, a plan, a date, a comparison, joint action).
# The classifier weighs each signal and each pair of signals present in a sentence.
_SIGNAL_WORDS = {
    "subject": "we our us ours ourselves my i company company's management board leadership"
    " nous notre nos wir unser unsere unserer unseren unserem unseres uns",
    # ("c0" is "C2": digits read as 0 before the lexicon sees a token.)
    "attacker": "attacker attackers actor actors threat adversary adversaries operator operators"
    " reseller resellers resold resell reselling scraper scrapers scraping campaign campaigns"
    " botnet botnets bot bots fraudster fraudsters abuser abusers proxy proxies farm farms"
    " marketplace marketplaces seller sellers criminal criminals forum forums telegram darknet"
    " underground stolen fake captcha vps phishing malware they their them crew group"
    " attaquant attaquants revendeur revendeurs fraudeurs angreifer betrüger täter händler"
    " kit kits gang gangs ring rings scammer scammers victim victims affiliate affiliates loader"
    " c0 ransomware extortion mule mules infected malicious abusive abuse fraud spam spammers"
    " jailbreak ban banned takedown blocklist leaked bulletproof storefront buyers buyer"
    " vendeur vendeurs pirates botnetz bande banden verkäufer",
    "quantity": "0",
    "money": "$",
    "percent": "%",
    "date": "<month> next q h1 h2 fy tomorrow prochain prochaine nächsten nächste nächstes",
    "change": "raise raises raised raising increase increases increased increasing hike hikes"
    " hiked cut cuts cutting lower lowers lowered lowering reduce reduces reduced reducing drop"
    " drops dropped rise rises rising rose climb climbs climbing jump jumps jumped double"
    " doubles doubled triple tripled grow grows grew growing growth up down slash bump"
    " augmenter augmentation hausse baisse baisser réduire erhöhen erhöhung senken steigen"
    " anheben",
    "plan": "will plan plans planning planned intend intends going expect expecting launch"
    " launching roadmap aim aiming target targeting schedule scheduled ll prévoyons prévu"
    " lancer planen geplant werden wird",
    "compare": "than versus vs undercut undercuts cheaper below above beat match compared",
    "joint": "together jointly collectively agree agreed agreement align coordinate everyone"
    " all each let industry ensemble gemeinsam alle",
}
_SIGNAL: dict[str, str] = {w: s for s, words in _SIGNAL_WORDS.items() for w in words.split()}
SIGNALS = tuple(_SIGNAL_WORDS)
NGRAM_SIZES = (2, 3, 4, 5)
PREFIX_SIZES = (6, 8)
SIGNAL_SCALE = 0.3
NORM_FLOOR = 40


def token_signals(token: str) -> frozenset[str]:
    """Return the signals a raw token carries ("$12" is an amount and a quantity)."""
    return class_signals(canonical(token))


def class_signals(word: str) -> frozenset[str]:
    """Return the signals of a word class (see `token_signals`)."""
    found = {_SIGNAL[word]} if word in _SIGNAL else set()
    if len(word) > 1:
        if "0" in word:
            found.add("quantity")
        if not _CURRENCY_SIGNS.isdisjoint(word):
            found.add("money")
        if "%" in word:
            found.add("percent")
    return frozenset(found)


def _signal_names(present: Iterable[str]) -> list[str]:
    """Return the signal features of a set of signals: each signal and each pair of them."""
    ordered = sorted(present)
    names = [f"§{s}" for s in ordered]
    names.extend(f"§{a}&{b}" for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    return names


def signal_features(words: Iterable[str]) -> list[str]:
    """Return the signal features of a sentence of raw tokens."""
    return _signal_names(frozenset().union(*map(token_signals, words)))


def token_features(token: str) -> list[str]:
    """Return the features of one token: its word class ("=class") and the class's character
    n-grams, padded with a space each side."""
    return class_features(canonical(token))


def class_features(word: str) -> list[str]:
    """Return the features of a word class (see `token_features`): its n-grams, the class itself
    ("=class") and, for longer words, their stems ("^" and the first PREFIX_SIZES letters:
    "^increa" is shared by increase, increased, increasing, increasingly)."""
    padded = f" {word} "
    grams = [padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1)]
    grams.append(f"={word}")
    grams.extend(f"^{word[:n]}" for n in PREFIX_SIZES if len(word) > n)
    return grams


def _norm(words: Sequence[str]) -> float:
    """Return the length normaliser of a sentence: the square root of its characters, at least
    of NORM_FLOOR (a fragment such as "Note: done." must not weigh like a whole sentence)."""
    return math.sqrt(max(NORM_FLOOR, sum(map(len, words)) + len(words)))


def features(words: Sequence[str]) -> dict[str, float]:
    """Return the feature vector of a sentence (or of a whole training line) of raw tokens.

    Each token's word class and its character n-grams are counted and divided by the square root of
    the sentence's length (a length normalisation that keeps the score a sum over tokens); each
    signal and pair of signals adds SIGNAL_SCALE. The training script multiplies by inverse
    document frequencies and folds them into the weights, so `scan` computes this dot product
    as a sum of per-token weights memoised once per distinct token.
    """
    counts: dict[str, float] = {}
    for token in words:
        for gram in token_features(token):
            counts[gram] = counts.get(gram, 0.0) + 1.0
    scale = 1 / _norm(words) if words else 0.0
    out = {gram: count * scale for gram, count in counts.items()}
    for signal in signal_features(words):
        out[signal] = SIGNAL_SCALE
    return out


# --------------------------------------------------------------------------------------------
# The classifier
#
# A logistic regression over the features above, trained by scripts/train_scanner.py on
# sharing/scanner_corpus/train.jsonl, decides whether a sentence is competitively sensitive; a
# second (multinomial) one names its category. Both are scored here in pure Python from
# sharing/core/scanner_model.json.

_MODEL_PATH = Path(__file__).with_name("scanner_model.json")
_MODEL_BYTES = _MODEL_PATH.read_bytes()
_MODEL: dict[str, Any] = json.loads(_MODEL_BYTES)
FEATURES_VERSION = 6  # bump when tokens or features change: the model must then be retrained
# A model trained on other features must not score: `scan` refuses until it is retrained (the
# training script still imports this module for its features).
MODEL_CURRENT: bool = (
    _MODEL.get("features_version") == FEATURES_VERSION
    and tuple(_MODEL["categories"]) == CATEGORIES
    and tuple(_MODEL["ngram_sizes"]) == NGRAM_SIZES
    and tuple(_MODEL.get("prefix_sizes", ())) == PREFIX_SIZES
    and _MODEL["signal_scale"] == SIGNAL_SCALE
    and _MODEL.get("norm_floor") == NORM_FLOOR
)
# The grammar rule next to the classifier (see `scan`); bump when it changes.
GRAMMAR_VERSION = 1
_VERSIONED = _MODEL_BYTES + f"|features={FEATURES_VERSION}|grammar={GRAMMAR_VERSION}".encode()
DETECTOR_VERSION: str = f"clf-{_MODEL['series']}-{hashlib.sha256(_VERSIONED).hexdigest()[:8]}"
THRESHOLD: float = _MODEL["threshold"]
MODEL_INFO: Mapping[str, Any] = MappingProxyType(
    {k: v for k, v in _MODEL.items() if k not in ("binary", "category", "vocabulary")}
)
_LOGIT_THRESHOLD = math.log(THRESHOLD / (1 - THRESHOLD))
_B_BIAS: float = _MODEL["binary"]["bias"]
_B_WEIGHTS: dict[str, float] = _MODEL["binary"]["weights"]
_C_BIAS: list[float] = _MODEL["category"]["bias"]
_C_WEIGHTS: dict[str, list[float]] = _MODEL["category"]["weights"]
# Every raw token of the training lines with its summed n-gram weight and its signal bits,
# computed by the training script exactly as `_token_weight` and `signal_bits` compute them: a
# known token costs one dict look-up, even on an empty memo.
_VOCABULARY: dict[str, Any] = _MODEL.get("vocabulary", {}) if MODEL_CURRENT else {}
_VOCAB_WEIGHTS: dict[str, float] = _VOCABULARY.get("weights", {})
_VOCAB_SIGNALS: dict[str, int] = _VOCABULARY.get("signals", {})
_VOCAB_CATEGORIES: dict[str, list[float]] = _VOCABULARY.get("categories", {})
_MEMO_LIMIT = 200_000  # distinct tokens remembered; past it, weights are computed each time
_NO_CATEGORY = [0.0] * len(CATEGORIES)


class _Memo(dict):
    """Key -> value computed once by `compute` (at most _MEMO_LIMIT keys are kept)."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self.compute(key)
        if len(self) < _MEMO_LIMIT:
            self[key] = value
        return value


# A token's weights and signals depend on its word class only ("$20" and "$35" are both "$0"):
# a raw token not in the vocabulary whose class has been seen costs a class look-up, not a pass
# over its n-grams.


def _class_weight(word: str) -> float:
    return sum(map(_B_WEIGHTS.get, class_features(word), repeat(0.0)))


def _class_category(word: str) -> list[float]:
    rows = [row for row in map(_C_WEIGHTS.get, class_features(word)) if row is not None]
    return [sum(column) for column in zip(*rows, strict=True)] if rows else _NO_CATEGORY


def _class_bits(word: str) -> int:
    return sum(1 << SIGNALS.index(signal) for signal in class_signals(word))


_CLASS_WEIGHT = _Memo(_class_weight)
_CLASS_CATEGORY = _Memo(_class_category)
_CLASS_BITS = _Memo(_class_bits)


def _token_weight(token: str) -> float:
    weight = _VOCAB_WEIGHTS.get(token)
    if weight is not None:
        return weight
    return _CLASS_WEIGHT[canonical(token)]


def _token_category(token: str) -> list[float]:
    if token in _VOCAB_WEIGHTS:
        return _VOCAB_CATEGORIES.get(token, _NO_CATEGORY)
    return _CLASS_CATEGORY[canonical(token)]


def signal_bits(token: str) -> int:
    """Return the bit set of a raw token's signals (bit i: SIGNALS[i])."""
    return sum(1 << SIGNALS.index(signal) for signal in token_signals(token))


def _signal_bits(token: str) -> int:
    if token in _VOCAB_WEIGHTS:
        return _VOCAB_SIGNALS.get(token, 0)
    return _CLASS_BITS[canonical(token)]


def _signals_of(bits: int) -> list[str]:
    return [signal for i, signal in enumerate(SIGNALS) if bits >> i & 1]


def _signals_weight(bits: int) -> float:
    present = _signals_of(bits)
    return SIGNAL_SCALE * sum(_B_WEIGHTS.get(name, 0.0) for name in _signal_names(present))


_TOKEN_WEIGHT = _Memo(_token_weight)
_TOKEN_CATEGORY = _Memo(_token_category)
_TOKEN_SIGNALS = _Memo(_signal_bits)  # token -> bit set of its signals (bit i: SIGNALS[i])
_GRAMMAR_NEEDS = 1 << SIGNALS.index("subject") | 1 << SIGNALS.index("money")
_GRAMMAR_MASK = _GRAMMAR_NEEDS | 1 << SIGNALS.index("attacker")
_SIGNALS_WEIGHT = _Memo(_signals_weight)


# Packed token values. A sentence's score needs the sum of its tokens' weights, its length and
# which signals it holds; each token's three are packed into one integer, so one C-level
# `sum` per sentence yields them all. Model weights are rounded to 4 decimals, so a token's
# weight is an exact multiple of 1/_FIX and the fixed-point sum is exact. Every field gets
# _OFFSET per token (subtracted afterwards) so that no field goes negative and borrows.
_FIX = 10_000
_OFFSET = 1 << 40
_FIELD = 96  # bits per field: room for 2**56 tokens in one sentence
_FIELD_MASK = (1 << _FIELD) - 1
_LEN_SHIFT = _FIELD  # field 1: characters + 1 per token (a sentence's " ".join length + 1)
_SIG_SHIFT = 2 * _FIELD  # above: one 32-bit count per signal
_SIG_WIDTH = 32
_SIG_MASK = (1 << _SIG_WIDTH) - 1
_SPREAD = tuple(
    sum(1 << (_SIG_WIDTH * i) for i in range(len(SIGNALS)) if bits >> i & 1)
    for bits in range(1 << len(SIGNALS))
)


def _packed(token: str) -> int:
    return (
        round(_TOKEN_WEIGHT[token] * _FIX)
        + _OFFSET
        + ((len(token) + 1) << _LEN_SHIFT)
        + (_SPREAD[_TOKEN_SIGNALS[token]] << _SIG_SHIFT)
    )


# The category head's ten per-token sums pack the same way, into 64-bit fields that one
# struct.unpack splits. _CAT_OFFSET bounds a token's weight (|w| < 1,677: real ones are < 50) and
# leaves room for 2**39 tokens in one sentence.
_CAT_OFFSET = 1 << 24
_CAT_BYTES = 8 * len(CATEGORIES)
_CAT_UNPACK = struct.Struct(f"<{len(CATEGORIES)}Q").unpack
_CAT_LIMIT = _CAT_OFFSET - 1


def _packed_category(token: str) -> int:
    return sum(
        (max(-_CAT_LIMIT, min(_CAT_LIMIT, round(value * _FIX))) + _CAT_OFFSET) << (64 * i)
        for i, value in enumerate(_TOKEN_CATEGORY[token])
    )


def _counts_bits(counts: int) -> int:
    """Return the bit set of signals present in packed per-signal counts."""
    return sum(1 << i for i in range(len(SIGNALS)) if counts >> (_SIG_WIDTH * i) & _SIG_MASK)


_TOKEN_PACKED = _Memo(_packed)
_TOKEN_CATEGORY_PACKED = _Memo(_packed_category)
_COUNTS_BITS = _Memo(_counts_bits)
_MEMOS = (
    _CLASS_WEIGHT,
    _CLASS_CATEGORY,
    _CLASS_BITS,
    _TOKEN_WEIGHT,
    _TOKEN_CATEGORY,
    _TOKEN_SIGNALS,
    _SIGNALS_WEIGHT,
    _TOKEN_PACKED,
    _TOKEN_CATEGORY_PACKED,
    _COUNTS_BITS,
)


def _seed_memos() -> None:
    """Fill the per-token memos with the precomputed vocabulary (also after they are cleared)."""
    _TOKEN_WEIGHT.update(_VOCAB_WEIGHTS)
    _TOKEN_SIGNALS.update(dict.fromkeys(_VOCAB_WEIGHTS, 0))
    _TOKEN_SIGNALS.update(_VOCAB_SIGNALS)
    _TOKEN_CATEGORY.update(dict.fromkeys(_VOCAB_WEIGHTS, _NO_CATEGORY))
    _TOKEN_CATEGORY.update(_VOCAB_CATEGORIES)
    _TOKEN_PACKED.update(zip(_VOCAB_WEIGHTS, map(_packed, _VOCAB_WEIGHTS), strict=True))


def clear_memos(seed: bool = True) -> None:
    """Empty every memo (a fresh process's state); with `seed`, refill the vocabulary's part."""
    for memo in _MEMOS:
        memo.clear()
    _SIGNALS_CATEGORY.clear()
    if seed:
        _seed_memos()


_seed_memos()


def sentence_score(words: Sequence[str]) -> float:
    """Return the sensitive-vs-not logit of one sentence of raw tokens."""
    if not words:
        return _B_BIAS
    return (
        _B_BIAS
        + sum(map(_TOKEN_WEIGHT.__getitem__, words)) / _norm(words)
        + _SIGNALS_WEIGHT[reduce(or_, map(_TOKEN_SIGNALS.__getitem__, words), 0)]
    )


def _signals_category(bits: int) -> list[float]:
    names = _signal_names(_signals_of(bits))
    rows = [row for row in map(_C_WEIGHTS.get, names) if row is not None]
    return (
        [SIGNAL_SCALE * sum(column) for column in zip(*rows, strict=True)] if rows else _NO_CATEGORY
    )


_SIGNALS_CATEGORY = _Memo(_signals_category)


def _category(words: Sequence[str], bits: int, scale: float) -> str:
    """Return the most likely category of a sensitive sentence."""
    total = sum(map(_TOKEN_CATEGORY_PACKED.__getitem__, words))
    fields = _CAT_UNPACK(total.to_bytes(_CAT_BYTES, "little"))
    tokens = map(sub, fields, repeat(len(words) * _CAT_OFFSET))
    scale /= _FIX
    scores = list(map(add, _C_BIAS, map(add, map(scale.__mul__, tokens), _SIGNALS_CATEGORY[bits])))
    return CATEGORIES[scores.index(max(scores))]


# --------------------------------------------------------------------------------------------
# Explanations a reviewer can read

_SIGNAL_LABELS = {
    "subject": "the member as subject (we/our)",
    "attacker": "attacker-side context",
    "quantity": "a quantity",
    "money": "a money amount",
    "percent": "a percentage",
    "date": "a date",
    "change": "a change",
    "plan": "a plan or future tense",
    "compare": "a comparison",
    "joint": "joint-action language",
}
_READS_AS = {
    "price": "a statement of the member's own prices",
    "cost": "a statement of the member's own costs or supplier terms",
    "capacity": "a statement of the member's own compute capacity",
    "volume": "a statement of the member's own traffic or usage",
    "customer": "a statement about the member's customers",
    "revenue": "a statement of the member's own revenue or growth",
    "roadmap": "a statement of the member's plans or roadmap",
    "contract": "a statement of the member's contract terms or bids",
    "workforce": "a statement of the member's wages, hiring or staff",
    "coordination": "a proposal of joint action between competitors",
}
_TOKEN_LABELS = {
    "0": "a quantity",
    "$": "a money amount",
    "%": "a percentage",
    "<month>": "a month",
}


def _label(token: str) -> str:
    return _TOKEN_LABELS.get(canonical(token), f"'{token}'")


_TOKEN_LABEL = _Memo(_label)


def _signal_reasons(bits: int) -> dict[str, float]:
    """Return the readable signal features of a bit set of signals that weigh towards flagging."""
    reasons: dict[str, float] = {}
    for name in _signal_names(_signals_of(bits)):
        value = _B_WEIGHTS.get(name, 0.0)
        if value > 0:
            label = " with ".join(_SIGNAL_LABELS[s] for s in name[1:].split("&"))
            reasons[label] = reasons.get(label, 0.0) + SIGNAL_SCALE * value
    return reasons


_SIGNAL_REASONS = _Memo(_signal_reasons)


def _explain(words: Sequence[str], bits: int, scale: float, category: str, score: float) -> str:
    """Return why a sentence was flagged: its category and what weighed most towards it."""
    labels = list(map(_TOKEN_LABEL.__getitem__, words))
    values = map(scale.__mul__, map(_TOKEN_WEIGHT.__getitem__, words))
    weight = dict(zip(labels, values, strict=True))
    if len(weight) < len(labels):  # a label repeats ("a quantity" twice): add them up
        weight = dict.fromkeys(labels, 0.0)
        for label, value in zip(labels, map(_TOKEN_WEIGHT.__getitem__, words), strict=True):
            weight[label] += value * scale
    signals = _SIGNAL_REASONS[bits]
    if signals.keys().isdisjoint(weight):
        weight.update(signals)
    else:  # a token's class and a signal read alike ("a quantity"): add them up
        for label, value in signals.items():
            weight[label] = weight.get(label, 0.0) + value
    # The three heaviest of those that weigh towards flagging.
    ranked = sorted(weight.items(), key=itemgetter(1), reverse=True)[:3]
    reasons = ", ".join(label for label, value in ranked if value > 0)
    return f"Reads as {_READS_AS[category]}: {reasons} (score {_probability(score):.2f})."


def _probability(score: float) -> float:
    return 1 / (1 + math.exp(-score))


# --------------------------------------------------------------------------------------------
# Scanning


def _non_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Keep, per category, the earliest-longest findings that do not overlap each other."""
    kept: list[Finding] = []
    last_end: dict[str, int] = {}
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start), f.rule)):
        if f.start >= last_end.get(f.category, -1):
            kept.append(f)
            last_end[f.category] = f.end
    return sorted(kept, key=lambda f: (f.start, f.end, f.category, f.rule))


def _sentence_finding(
    text: str,
    form: str,
    spans: list[tuple[int, int]] | None,
    bounds: tuple[int, int],
    words: Sequence[str],
    signal: tuple[float, int, bool],
) -> Finding | None:
    """Return the finding of a flagged sentence spanning `bounds` of the detection form.

    `signal` is the sentence's classifier logit, its bit set of signals, and whether only the
    grammar rule flagged it.
    """
    score, bits, by_grammar = signal
    start, end = bounds
    piece = form[start:end]
    stripped = piece.strip()  # str.strip removes exactly the characters str.isspace accepts
    if not stripped:
        return None
    start += len(piece) - len(piece.lstrip())
    end = start + len(stripped)
    if spans is not None:
        start, end = spans[start][0], spans[end - 1][1]
    scale = 1 / _norm(words)
    category = _category(words, bits, scale)
    if by_grammar:
        explanation = (
            f"Reads as {_READS_AS[category]}: the member as subject (we/our) with a money amount,"
            " and no attacker-side context (grammar rule; classifier score"
            f" {_probability(score):.2f})."
        )
        return Finding(category, start, end, f"{category}.grammar", explanation)
    explanation = _explain(words, bits, scale, category, score)
    return Finding(category, start, end, f"{category}.classifier", explanation)


def scan(text: str, *, watchlist: Watchlist | None = None) -> list[Finding]:
    """Return the findings of `text`, sorted by start, non-overlapping within a category.

    Every sentence the classifier scores above the threshold is one finding spanning that
    sentence of the original text; watchlist terms are findings of their own.
    """
    if not MODEL_CURRENT:
        raise RuntimeError(f"{_MODEL_PATH} was trained on other features: retrain it")
    form, spans = _detection_form(text)
    findings: list[Finding] = []
    pieces = form.split("\n")
    sentences = list(map(str.split, pieces))
    # Every quantity is one C-level pass over all sentences, and so is the choice of the flagged
    # ones: Python bytecode runs only for them. score - bias = weight / norm + signal weight.
    # One integer sum per sentence packs its weight, length and signal counts (see _packed).
    totals = [sum(map(_TOKEN_PACKED.__getitem__, words)) for words in sentences]
    bases = list(map(mul, map(len, sentences), repeat(_OFFSET)))
    weights = map(sub, map(and_, totals, repeat(_FIELD_MASK)), bases)
    lengths = map(and_, map(rshift, totals, repeat(_LEN_SHIFT)), repeat(_FIELD_MASK))
    norms = map(mul, map(math.sqrt, map(max, repeat(NORM_FLOOR), lengths)), repeat(_FIX))
    bits = list(map(_COUNTS_BITS.__getitem__, map(rshift, totals, repeat(_SIG_SHIFT))))
    scores = list(map(add, map(truediv, weights, norms), map(_SIGNALS_WEIGHT.__getitem__, bits)))
    cut = _LOGIT_THRESHOLD - _B_BIAS
    above = list(map(gt, scores, repeat(cut)))
    # The grammar rule: the member speaks (we/our/us ...) of a money amount, and no attacker or
    # illicit-market term is in the sentence. On the training corpus it adds 0.3 points of
    # cross-validated recall for 0.1 point of false positives (docs/scanner.md).
    grammar = map(eq, map(and_, bits, repeat(_GRAMMAR_MASK)), repeat(_GRAMMAR_NEEDS))
    flagged = list(compress(count(), map(or_, above, grammar)))
    if flagged:
        # Sentence i starts after the i-th newline of the form (every boundary is one by now).
        starts = [0, *accumulate(length + 1 for length in map(len, pieces))]
        for index in flagged:
            bounds = (starts[index], starts[index + 1] - 1)
            signal = (scores[index] + _B_BIAS, bits[index], not above[index])
            found = _sentence_finding(text, form, spans, bounds, sentences[index], signal)
            if found is not None:
                findings.append(found)
    if watchlist is None or not watchlist.entries:
        # One finding per sentence, in order: already sorted and apart from each other.
        return findings
    norm = normalize(text)
    detect = _MARKER_RE.sub(lambda m: "#" * len(m.group()), norm.text)
    findings.extend(_watchlist_findings(detect, norm, watchlist))
    return _non_overlapping(findings)


def rules() -> Sequence[tuple[str, str]]:
    """Return (rule id, explanation) for every built-in detector: per category, the classifier
    and the grammar rule (whose category the classifier's category head names)."""
    out = []
    for c in CATEGORIES:
        out.append(
            (f"{c}.classifier", f"The trained classifier reads the sentence as {_READS_AS[c]}.")
        )
        out.append(
            (
                f"{c}.grammar",
                f"The member speaks of a money amount, with no attacker-side context ({c}).",
            )
        )
    return tuple(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Scan each line of FILE (or stdin) and print one JSON object per line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m sharing.core.scanning [FILE]", file=sys.stderr)
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
