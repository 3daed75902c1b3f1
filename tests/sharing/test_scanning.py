"""Tests of the sensitive-content scanner (pure: no Django, no database)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.scanner_eval import corpus_figures
from sharing.core import scanning
from sharing.core.scanning import (
    CATEGORIES,
    DETECTOR_VERSION,
    Finding,
    Watchlist,
    normalize,
    normalize_term,
    rules,
    scan,
    watchlist_term_hash,
)

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
KEY = b"member-watchlist-key-0123456789ab"
# Measured with the shipped model (docs/scanner.md) and rounded to the next step below (above,
# for the false-positive ceiling): evaluation recall 0.967, lowest category 0.892 (coordination),
# category accuracy 0.916, false-positive rate 0.034; holdout recall 0.925, category accuracy 0.774.
EVAL_RECALL_FLOOR = 0.96
EVAL_CATEGORY_RECALL_FLOOR = 0.89
EVAL_CATEGORY_ACCURACY_FLOOR = 0.91
EVAL_FPR_CEILING = 0.04
HOLDOUT_RECALL_FLOOR = 0.92
HOLDOUT_CATEGORY_ACCURACY_FLOOR = 0.77


def _load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _categories(text: str) -> set[str]:
    return {f.category for f in scan(text)}


# --- quality on the labelled corpora -------------------------------------------------------
# The floors are the figures the shipped model reached when it was trained (see docs/scanner.md);
# they were read off, never tuned towards: the threshold and features come from cross-validation
# on the training corpus alone. A retrained model that falls below them fails here.


def test_evaluation_corpus_recall_and_false_positive_rate_stay_at_the_measured_floors() -> None:
    records = _load("scanner_eval.jsonl")
    figures = corpus_figures(records)
    print(json.dumps(figures, indent=1))
    assert len(records) >= 300
    assert {r["category"] for r in records if r["sensitive"]} == set(CATEGORIES)
    assert figures["recall"] >= EVAL_RECALL_FLOOR
    assert figures["fpr"] <= EVAL_FPR_CEILING
    assert figures["category_accuracy"] >= EVAL_CATEGORY_ACCURACY_FLOOR
    for category, row in figures["per_category"].items():
        assert row["recall"] >= EVAL_CATEGORY_RECALL_FLOOR, category


def test_dev_corpus_recall_and_false_positive_rate() -> None:
    figures = corpus_figures(_load("sensitive_dev_corpus.jsonl"))
    assert figures["recall"] >= 0.95
    assert figures["fpr"] <= 1 / 18


def test_holdout_corpus_recall_and_false_positive_rate() -> None:
    # An older held-out set (eight categories), kept out of the training corpus.
    records = _load("scanner_holdout.jsonl")
    figures = corpus_figures(records)
    assert len(records) >= 60
    assert {r["category"] for r in records if r["sensitive"]} <= set(CATEGORIES)
    assert figures["recall"] >= HOLDOUT_RECALL_FLOOR
    assert figures["fpr"] <= 0.1
    assert figures["category_accuracy"] >= HOLDOUT_CATEGORY_ACCURACY_FLOOR


def test_shipped_model_matches_the_features_and_names_its_version() -> None:
    assert scanning.MODEL_CURRENT
    assert re.fullmatch(r"clf-\d{4}\.\d{2}-[0-9a-f]{8}", DETECTOR_VERSION)
    info = scanning.MODEL_INFO
    assert info["training_lines"] >= 800
    assert 0 < scanning.THRESHOLD < 1
    assert info["cv"]["fpr"] <= 0.05


def test_scanner_runs_without_scikit_learn_or_numpy() -> None:
    code = (
        "import sys; import sharing.core.scanning as s; s.scan('Our list price rises 5% in May.'); "
        "assert not {'numpy', 'sklearn', 'scipy'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- one detection per category ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Our API is priced at $3 per million output tokens.", "price"),
        ("Enterprise customers get a 20% discount on annual commitments.", "price"),
        ("It costs us $0.40 to serve a thousand requests.", "cost"),
        ("Our gross margin on the API fell below 30 percent.", "cost"),
        ("We operate 16,000 H100s for inference.", "capacity"),
        ("Utilisation of our fleet is at 92% during peak hours.", "capacity"),
        ("We serve 3 billion tokens a day.", "volume"),
        ("Abuse was about 2% of our total traffic last month.", "volume"),
        ("Initech, a key enterprise customer, was affected.", "customer"),
        ("We now have 1,400 paying customers in Europe.", "customer"),
        ("Our ARR reached $900M this year.", "revenue"),
        ("Monthly churn rose to 5%.", "customer"),  # churn and seats: customer (docs)
        ("We plan to launch a new coding model in Q2.", "roadmap"),
        ("We intend to enter the Brazilian market next year.", "roadmap"),
        ("Let's all agree to stop serving that hosting company.", "coordination"),
        ("We could agree not to hire each other's red-team staff.", "coordination"),
        ("Our renewal with the bank caps price increases at 3% a year for five years.", "contract"),
        ("We are raising senior engineer salaries by 8% in January.", "workforce"),
    ],
)
def test_each_category_is_detected(text: str, category: str) -> None:
    assert category in _categories(text)


def test_every_rule_has_a_stable_dotted_id_and_an_explanation() -> None:
    assert {rule_id.partition(".")[0] for rule_id, _ in rules()} == set(CATEGORIES)
    for rule_id, explanation in rules():
        category, _, name = rule_id.partition(".")
        assert category in CATEGORIES and name
        assert explanation and "\n" not in explanation


def test_a_finding_explains_itself_to_a_reviewer() -> None:
    (finding,) = scan("Our per-seat fee climbs by a fifth after the holidays.")
    assert finding.rule == f"{finding.category}.classifier"
    assert re.fullmatch(r"Reads as [^:]+: .+ \(score [01]\.\d\d\)\.", finding.explanation)
    assert finding.category == "price"
    assert finding.explanation.startswith("Reads as a statement of the member's own prices: ")


# --- evasion -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("We have ８，０００ A100s in the fleet.", "capacity"),
        ("Our list price is ＄２０ per seat per month.", "price"),
        ("The plan costs ￥3000 per month per seat for our customers.", "price"),
        ("We charge €\u200b2 per million tokens.", "price"),
        ("We pro\u200bcess 900 mil\u00adlion requests a day.", "volume"),
        ("We have twelve thousand GPUs reserved for the API.", "capacity"),
        ("Churn was forty percent last year.", "customer"),
        ("We spend forty million a quarter on compute.", "cost"),
        ("Our  ARR\u2060 is  USD\u00a0600M.", "revenue"),
        ("Our list рrice is $20 per seat.", "price"),  # Cyrillic "р"
        ("We charge $4 per million tokens on the batch tier.", "price"),
    ],
)
def test_evasion_variants_are_detected(text: str, category: str) -> None:
    assert category in _categories(text)


@pytest.mark.parametrize(
    ("spelled", "plain"),
    [
        ("We serve a million requests per hour.", "We serve 1,000,000 requests per hour."),
        ("Our fee climbs by a fifth in Feb.", "Our fee climbs by 20 % in March."),
        ("List goes up twelve pts.", "List goes up 12%."),
        ("We now pay forty bucks per seat.", "We now pay $40 per seat."),
    ],
)
def test_number_words_and_slang_read_as_the_figures_they_spell(spelled: str, plain: str) -> None:
    classes = [[scanning.canonical(w) for w in s] for s in scanning.tokens(spelled)]
    plain_classes = [[scanning.canonical(w) for w in s] for s in scanning.tokens(plain)]
    assert {w for s in classes for w in s} & {"0", "$", "%", "<month>"}
    assert _categories(spelled) == _categories(plain)
    assert len(classes) == len(plain_classes)


@pytest.mark.parametrize(
    "text",
    [
        "We serve 1,000,000 requests.",
        "We serve 1.000.000 requests.",
        "We serve 1'000'000 requests.",
        "We serve a million requests.",
        "We serve a thousand requests.",
    ],
)
def test_a_number_reads_as_one_token_however_its_digits_are_grouped(text: str) -> None:
    (sentence,) = scanning.tokens(text)
    assert [scanning.canonical(w) for w in sentence] == ["we", "serve", "0", "requests"]


def test_an_unseen_token_of_a_known_class_weighs_as_the_class() -> None:
    # A new figure, hash or IP is weighed through its class, never through its raw spelling.
    assert scanning._token_weight("$98765") == scanning._CLASS_WEIGHT[scanning.canonical("$1")]
    assert scanning._signal_bits("$98765") == scanning.signal_bits("$1")


@pytest.mark.parametrize(
    ("words", "number"),
    [
        ("twelve thousand", "12000"),
        ("forty percent", "40 percent"),
        ("a million", "1000000"),
        ("one hundred and twenty-five thousand", "125000"),
        ("two and three", "2 and 3"),
        ("nine hundred million", "900000000"),
    ],
)
def test_number_words_are_read_as_numbers(words: str, number: str) -> None:
    assert normalize(words).text == number


def test_normalisation_folds_zero_width_width_case_and_whitespace() -> None:
    norm = normalize("\ufeffOur\u200b  LIST\t\tprice: ＄２０")
    assert norm.text == "our list price: $20"


@given(st.text(max_size=80))
def test_offset_map_always_points_into_the_original(text: str) -> None:
    norm = normalize(text)
    assert len(norm.spans) == len(norm.text)
    for start, end in norm.spans:
        assert 0 <= start < end <= len(text)
    for finding in scan(text):
        assert 0 <= finding.start < finding.end <= len(text)


# --- attacker-side facts are technical -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The attacker created 4,000 accounts.",
        "The cluster sent 2 million requests in 6 hours.",
        "Requests came from 203.0.113.7 and 198.51.100.22.",
        "The prompt asked the model to reveal its chain of thought step by step.",
        "JA3 fingerprint e7d705a3286e19ea42f587b344ee6865 was seen in every session.",
        "Peak was 400 requests per minute from the proxy.",
        "They paid with prepaid cards.",
        "The reseller charges $5 for a key.",
        "The actor rented 64 GPUs from a bulk host to run the scraper.",
        "We observed 1.5 million requests from the cluster over the weekend.",
        "The operator's accounts consumed 40 million tokens in a week.",
        "The proxy service advertises 10,000 residential IPs.",
        "About 60% of the campaign's requests targeted coding tasks.",
        "The key-selling marketplace lists about 3,000 stolen keys.",
        "We blocked 4,000 accounts tied to the campaign.",
    ],
)
def test_attacker_side_facts_are_not_flagged(text: str) -> None:
    assert scan(text) == []


def test_the_same_figure_said_of_the_member_is_flagged() -> None:
    assert scan("We charge $5 for a key.")
    assert scan("The reseller undercuts our list price of $20 per seat.")


# --- spans ---------------------------------------------------------------------------------


def test_a_finding_spans_its_sentence_of_the_original_text() -> None:
    text = "Seen on Monday. Our list price is \u200b$20 per seat! The bot farm kept going."
    (finding,) = scan(text)
    # Without its final stop: redaction extends a span to its sentence up to the next stop.
    assert text[finding.start : finding.end] == "Our list price is \u200b$20 per seat"


def test_span_maps_back_through_zero_width_and_look_alike_characters() -> None:
    text = "Blocked the\u200b\u200b\u200d proxy range.\nOur l\u0456st рrice is \u200b$20 per seat."
    (finding,) = scan(text)
    assert text[finding.start : finding.end] == "Our l\u0456st рrice is \u200b$20 per seat"


def test_span_of_full_width_digits_is_the_full_width_text() -> None:
    text = "Heads up. We have ８，０００ A100s"
    finding = next(f for f in scan(text) if f.category == "capacity")
    assert text[finding.start : finding.end] == "We have ８，０００ A100s"


def test_lower_casing_folds_every_fast_path_character_as_the_general_fold_does() -> None:
    # The detection form lower-cases runs of these characters instead of folding them one by
    # one; ß and the ellipsis are the two documented exceptions ("ss" and "..." there).
    fast = [chr(i) for i in range(128)] + list(scanning._SIMPLE_EXTRA)
    differ = [c for c in fast if scanning._fold_cluster(c) != c.lower()]
    assert sorted(differ) == ["ß", "\u2026"]


@given(st.text(max_size=60))
def test_detection_form_keeps_offsets_into_the_original(text: str) -> None:
    form, spans = scanning._detection_form(text)
    if spans is None:
        assert len(form) == len(text)
    else:
        assert len(spans) == len(form)
        assert all(0 <= a < b <= len(text) for a, b in spans)


def test_findings_are_sorted_and_do_not_overlap_within_a_category() -> None:
    text = (
        "List price for the pro plan is $20 per seat per month, rising to $25 in January. "
        "We plan to launch the new model in Q3 and intend to enter the EU market."
    )
    findings = scan(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for category in CATEGORIES:
        same = [f for f in findings if f.category == category]
        for a, b in zip(same, same[1:], strict=False):
            assert a.end <= b.start


def test_redaction_markers_are_not_flagged() -> None:
    assert scan("Our [REDACTED:price] and [REDACTED:revenue] were discussed.") == []
    assert scan("Our [removed under policy] and [removed under policy] were discussed.") == []
    assert scan("[REMOVED UNDER POLICY]. [removed under policy]; [Redacted:cost]") == []


def test_finding_to_dict_round_trips() -> None:
    finding = scan("Our ARR is $5M.")[0]
    assert isinstance(finding, Finding)
    assert Finding(**finding.to_dict()) == finding
    assert json.loads(json.dumps(finding.to_dict())) == finding.to_dict()


# --- watchlist -----------------------------------------------------------------------------


def test_watchlist_flags_a_term_without_holding_it() -> None:
    watchlist = Watchlist.from_terms(KEY, ["Hooli Inc.", "Project Bluefin"])
    assert "hooli" not in repr(watchlist).lower()
    assert all("hooli" not in k and "hooli" not in v for k, v in watchlist.entries.items())
    assert KEY.decode() not in repr(watchlist)
    text = "Traffic from H\u200booli, INC. and ＰＲＯＪＥＣＴ   bluefin spiked."
    findings = [f for f in scan(text, watchlist=watchlist) if f.rule.startswith("watchlist.")]
    assert [text[f.start : f.end] for f in findings] == [
        "H\u200booli, INC",
        "ＰＲＯＪＥＣＴ   bluefin",
    ]
    for finding in findings:
        assert finding.rule == "watchlist.customer"
        assert "hooli" not in finding.explanation.lower()
        assert "bluefin" not in finding.explanation.lower()


def test_watchlist_hash_uses_scanning_normalisation() -> None:
    assert normalize_term("  Project\u200b  BLUEFIN. ") == "project bluefin"
    assert watchlist_term_hash("Project Bluefin", KEY) == watchlist_term_hash(
        "ＰＲＯＪＥＣＴ\tbluefin", KEY
    )
    assert watchlist_term_hash("Project Bluefin", KEY) != watchlist_term_hash(
        "Project Bluefin", b"another-key-of-32-bytes-000000000"
    )


def test_watchlist_built_from_hashes_reports_its_category() -> None:
    digest = watchlist_term_hash("Nightjar", KEY)
    watchlist = Watchlist(KEY, {digest: "roadmap"})
    findings = scan("The Nightjar beta went well.", watchlist=watchlist)
    listed = [(f.category, f.rule) for f in findings if f.rule.startswith("watchlist.")]
    assert listed == [("roadmap", "watchlist.roadmap")]


def test_watchlist_defaults_to_customer_and_rejects_bad_entries() -> None:
    digest = watchlist_term_hash("Globex", KEY)
    assert Watchlist(KEY, {digest: ""}).entries[digest] == "customer"
    with pytest.raises(ValueError):
        Watchlist(KEY, {"Globex": "customer"})
    with pytest.raises(ValueError):
        Watchlist(KEY, {digest: "gossip"})


def test_watchlist_matches_windows_of_up_to_four_words_only() -> None:
    watchlist = Watchlist.from_terms(KEY, ["alpha beta gamma delta", "one two three four five"])
    assert scan("x alpha beta gamma delta y", watchlist=watchlist)
    assert not scan("one two three four five", watchlist=watchlist)


# --- CLI -----------------------------------------------------------------------------------


def test_cli_reads_stdin_and_prints_one_json_object_per_line() -> None:
    lines = "Our ARR is $5M.\nThe attacker created 4,000 accounts.\n"
    proc = subprocess.run(
        [sys.executable, "-m", "sharing.core.scanning"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["text"] for r in records] == lines.splitlines()
    assert records[0]["findings"][0]["category"] == "revenue"
    assert records[1]["findings"] == []


def test_cli_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("We have 8,000 A100s.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sharing.core.scanning", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    (record,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {f["rule"] for f in record["findings"]} == {"capacity.classifier"}


@pytest.mark.parametrize(
    "text",
    ["1" * 20000 + " " + "9," * 5000, "a." * 10000, "1." * 10000, "a-b" * 5000, "one " * 5000],
)
@pytest.mark.timeout(30)
def test_pathological_input_does_not_hang_the_scanner(text: str) -> None:
    # A hang guard against catastrophic regex backtracking (ReDoS), not a speed goal: speed is
    # measured by the benchmarks. Linear-time scanning finishes in milliseconds here.
    findings = scan(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)


@given(
    st.lists(
        st.sampled_from(
            list("abcXYZ019 $%.,-\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f") + ["per", " million", "GPU"]
        ),
        max_size=40,
    ).map("".join)
)
def test_the_ascii_fast_path_folds_exactly_as_the_general_loop(text):
    assert text.isascii()
    assert scanning._fold_ascii(text) == scanning._fold_general(text)


def _training_texts() -> list[str]:
    path = REPO / "sharing" / "scanner_corpus" / "train.jsonl"
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def _clear_memos() -> None:
    scanning.clear_memos(seed=False)


def test_the_precomputed_vocabulary_holds_what_the_tokens_compute_to() -> None:
    vocabulary = scanning._VOCAB_WEIGHTS
    assert len(vocabulary) > 1000
    for token, weight in vocabulary.items():
        grams = scanning.token_features(token)
        assert weight == sum(scanning._B_WEIGHTS.get(g, 0.0) for g in grams), token
        rows = [scanning._C_WEIGHTS[g] for g in grams if g in scanning._C_WEIGHTS]
        expected = [sum(column) for column in zip(*rows, strict=True)] if rows else None
        assert scanning._VOCAB_CATEGORIES.get(token) == expected, token
        assert scanning._VOCAB_SIGNALS.get(token, 0) == scanning.signal_bits(token), token


def test_scan_finds_the_same_on_the_training_corpus_with_and_without_the_vocabulary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _training_texts()
    with_vocabulary = [[f.to_dict() for f in scan(text)] for text in texts]
    for name in ("_VOCAB_WEIGHTS", "_VOCAB_CATEGORIES", "_VOCAB_SIGNALS"):
        monkeypatch.setattr(scanning, name, {})
    _clear_memos()
    try:
        computed = [[f.to_dict() for f in scan(text)] for text in texts]
    finally:
        monkeypatch.undo()
        _clear_memos()
        scanning._seed_memos()
    assert sum(map(bool, computed)) > 1000
    assert with_vocabulary == computed
