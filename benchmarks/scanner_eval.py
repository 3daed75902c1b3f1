"""Print the scanner's quality figures: cross-validated on the training corpus, and on the
evaluation corpus.

    python -m benchmarks.scanner_eval

The cross-validated figures are those the training script measured and wrote into
sharing/core/scanner_model.json (5 folds, stratified by category; retrain with
`python scripts/train_scanner.py`). The evaluation figures are computed here by scanning each
line of tests/sharing/data/scanner_eval.jsonl, a corpus written apart from the training lines
and from the detector: only aggregate figures are printed, never lines. A sensitive line is
caught when the scanner returns any finding for it; its category is right when one of the
findings carries the labelled category; a clean line with any finding is a false positive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from sharing.core import scanning

ROOT = Path(__file__).resolve().parent.parent
EVAL_CORPUS = ROOT / "tests" / "sharing" / "data" / "scanner_eval.jsonl"


def load(path: Path) -> list[dict]:
    """Return the records of a JSON-lines corpus."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def corpus_figures(records: list[dict], scan: Callable = scanning.scan) -> dict:
    """Return recall, category accuracy and false-positive rate, overall and per category."""
    return tally(records, ({f.category for f in scan(r["text"])} for r in records))


def tally(records: list[dict], flagged: Iterable[set[str]]) -> dict:
    """Return the figures of `records` given, per record, the categories flagged in it."""
    per: dict[str, list[int]] = {c: [0, 0, 0] for c in scanning.CATEGORIES}
    fp = negatives = 0
    for record, categories in zip(records, flagged, strict=True):
        if not record["sensitive"]:
            negatives += 1
            fp += bool(categories)
            continue
        row = per[record["category"]]
        row[0] += 1
        row[1] += bool(categories)
        row[2] += record["category"] in categories
    total = sum(r[0] for r in per.values())
    return {
        "recall": sum(r[1] for r in per.values()) / total,
        "category_accuracy": sum(r[2] for r in per.values()) / total,
        "fpr": fp / negatives,
        "sensitive": total,
        "negatives": negatives,
        "per_category": {
            c: {
                "n": r[0],
                "recall": r[1] / r[0] if r[0] else 0.0,
                "category_accuracy": r[2] / r[0] if r[0] else 0.0,
            }
            for c, r in per.items()
        },
    }


def print_figures(title: str, result: dict) -> None:
    """Print a figures dict as corpus_figures returns it."""
    print(
        f"{title}: recall {result['recall']:.3f} (n={result['sensitive']}), category accuracy "
        f"{result['category_accuracy']:.3f}, false-positive rate {result['fpr']:.3f} "
        f"(n={result['negatives']})"
    )
    for category in scanning.CATEGORIES:
        row = result["per_category"][category]
        print(
            f"  {category:<13} n={row['n']:<4} recall {row['recall']:.3f}  "
            f"category accuracy {row['category_accuracy']:.3f}"
        )


def main() -> None:
    model = scanning.MODEL_INFO
    print(f"detector {scanning.DETECTOR_VERSION}, threshold {scanning.THRESHOLD}")
    print_figures(f"training corpus, {model['cv']['folds']}-fold cross-validation", model["cv"])
    print_figures("evaluation corpus", corpus_figures(load(EVAL_CORPUS)))


if __name__ == "__main__":
    main()
