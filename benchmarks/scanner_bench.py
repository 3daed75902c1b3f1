"""Scanner benchmark: cost of `sharing.core.scanning.scan` per 1,000 characters of free text.

Notes are built the way analysts write them: 3 to 8 lines of the training corpus in one language
(English, French or German, in the corpus's proportions) joined into one text, about one line in
six a sensitive statement, the rest threat-intelligence prose (counts, dates, durations,
illicit-market prices); half the notes also carry a line of fresh observables (a random IP,
domain, SHA-256 and account handles), so the measured text holds tokens that neither the
model's vocabulary nor the memo has seen. Half the notes
warm the per-token memo a long-running process builds up; the figure is measured on the other
half (the target is checked on this one). Beside it: every token already seen (steady
state), a fresh process's memo (cold: only the model's vocabulary), an empty memo without the
vocabulary (every token unseen), and clean notes alone. Apart from the observables, the notes
are made of training lines, whose tokens are in the model's precomputed vocabulary: the unseen
figure bounds what text made only of new words costs.
One thread, CPU time (so other load on the machine does not count); the best of
BENCH_SCANNER_ROUNDS rounds.

    python -m benchmarks scanner      (also part `scanner` of `make bench`)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

from sharing.core import scanning

CORPUS = Path(__file__).resolve().parent.parent / "sharing" / "scanner_corpus" / "train.jsonl"
NOTES = int(os.environ.get("BENCH_SCANNER_NOTES", "2000"))
ROUNDS = int(os.environ.get("BENCH_SCANNER_ROUNDS", "5"))
SEED = 15


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_OBSERVABLE_LINES = (
    "Indicators: {ip}, {domain} and sha256 {sha}.",
    "Seen from {ip} with the handle {handle}; the payload called {domain}.",
    "Les comptes {handle} et {handle2} utilisaient {domain}.",
    "Die Konten {handle} und {handle2} nutzten {ip}.",
)


def _observables(rng: random.Random) -> str:
    """Return one line of fresh observables (IP, domain, hash, handles): new tokens."""

    def word(n: int) -> str:
        return "".join(rng.choice(_LETTERS) for _ in range(n))

    return rng.choice(_OBSERVABLE_LINES).format(
        ip=".".join(str(rng.randint(1, 254)) for _ in range(4)),
        domain=f"{word(rng.randint(4, 9))}-{word(rng.randint(3, 6))}."
        + rng.choice(("xyz", "top", "ru")),
        sha="".join(rng.choice("0123456789abcdef") for _ in range(64)),
        handle=f"{word(rng.randint(3, 6))}_{rng.randint(10, 9999)}",
        handle2=word(rng.randint(5, 10)),
    )


def notes(
    count: int = NOTES, sensitive_share: float = 1 / 6, observables_share: float = 0.5
) -> list[str]:
    """Return `count` realistic notes (deterministic), `sensitive_share` of their lines
    sensitive; `observables_share` of them also carry one line of fresh observables (IPs,
    domains, hashes, account handles), whose tokens are new to the model and to the memo."""
    with open(CORPUS, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    by_lang: dict[str, tuple[list[str], list[str]]] = {}
    for r in records:
        by_lang.setdefault(r.get("lang", "en"), ([], []))[0 if r["sensitive"] else 1].append(
            r["text"]
        )
    langs = sorted(by_lang)
    weights = [sum(map(len, by_lang[lang])) for lang in langs]
    rng = random.Random(SEED)
    out = []
    for _ in range(count):
        sensitive, clean = by_lang[rng.choices(langs, weights)[0]]
        lines = [
            rng.choice(sensitive) if rng.random() < sensitive_share else rng.choice(clean)
            for _ in range(rng.randint(3, 8))
        ]
        if rng.random() < observables_share:
            lines.insert(rng.randrange(len(lines) + 1), _observables(rng))
        out.append(rng.choice((" ", "\n")).join(lines))
    return out


def _clear_memo(seed: bool = True) -> None:
    """Empty the memos as a fresh process has them: seeded with the model's vocabulary (the
    training lines' tokens), or, with seed=False, not even that (every token unseen)."""
    scanning.clear_memos(seed)


def _unseen(texts: list[str]) -> float:
    """Return the CPU time of scanning `texts` with an empty memo and no vocabulary."""
    vocabulary = (scanning._VOCAB_WEIGHTS, scanning._VOCAB_SIGNALS, scanning._VOCAB_CATEGORIES)
    saved = [dict(part) for part in vocabulary]
    for part in vocabulary:
        part.clear()
    try:
        return min(_clear_memo(seed=False) or _timed(texts) for _ in range(ROUNDS))
    finally:
        for part, kept in zip(vocabulary, saved, strict=True):
            part.update(kept)
        _clear_memo()


def _timed(texts: list[str]) -> float:
    """Return the CPU time of scanning `texts` (one thread: the time of one core)."""
    started = time.process_time()
    for text in texts:
        scanning.scan(text)
    return time.process_time() - started


def _per_1000(seconds: float, texts: list[str]) -> float:
    return 1e6 * seconds / (sum(map(len, texts)) / 1000)


def _warm_then_timed(warm: list[str], measured: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        _clear_memo()
        _timed(warm)
        best = min(best, _timed(measured))
    return best


def measure() -> dict[str, tuple[float, str, str]]:
    """Return the figures: µs per 1,000 characters (memo warmed elsewhere, on the same notes,
    empty; clean notes alone), and the share of notes flagged."""
    texts = notes()
    warm, measured = texts[::2], texts[1::2]
    chars = sum(map(len, measured))
    flagged = sum(1 for t in measured if scanning.scan(t))
    cold = min(_clear_memo() or _timed(measured) for _ in range(ROUNDS))
    steady = _warm_then_timed(measured, measured)
    clean = notes(sensitive_share=0.0)
    ascii_share = sum(len(t) for t in measured if t.isascii()) / chars
    return {
        "us_per_1000_chars": (
            _per_1000(_warm_then_timed(warm, measured), measured),
            "scan cost per 1,000 characters (memo warmed on other notes)",
            "µs",
        ),
        "us_per_1000_chars_steady": (
            _per_1000(steady, measured),
            "scan cost per 1,000 characters, every token already in the memo",
            "µs",
        ),
        "us_per_1000_chars_cold": (
            _per_1000(cold, measured),
            "scan cost per 1,000 characters, empty memo",
            "µs",
        ),
        "us_per_1000_chars_unseen": (
            _per_1000(_unseen(measured), measured),
            "scan cost per 1,000 characters, empty memo and no vocabulary (all unseen)",
            "µs",
        ),
        "us_per_1000_chars_clean": (
            _per_1000(_warm_then_timed(clean[::2], clean[1::2]), clean[1::2]),
            "the same for clean notes only (no sensitive line; memo warmed on others)",
            "µs",
        ),
        "notes": (
            len(measured),
            f"notes measured ({chars:,} characters, {ascii_share:.0%} in ASCII-only notes)",
            "",
        ),
        "flagged_share": (flagged / len(measured), "share of notes with at least one finding", ""),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the figures; with a path argument, also write them there as JSON (the suite)."""
    args = argv or []
    print(f"detector {scanning.DETECTOR_VERSION}")
    figures = measure()
    for value, label, unit in figures.values():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        print(f"  {label:<72} {shown:>10} {unit}")
    if args:
        Path(args[0]).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
