"""Properties of the safety-zone evaluator: each condition withholds when it fails, only then."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.core.safety_zone import (
    BUCKET_LABELS,
    MAX_CONTRIBUTOR_SHARE,
    MIN_AGE_DAYS,
    MIN_CONTRIBUTORS,
    NO_DATA,
    SECRETARIAT,
    AggregateSpec,
    Datum,
    bucket,
    bucket_range,
    default_period,
    evaluate,
    week_start,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SPEC = AggregateSpec.from_rules(
    "weekly-campaign-volume",
    {"min_contributors": 3, "max_contributor_share": 0.4, "min_age_days": 90},
)
START, END = default_period(NOW, 90)


def _data(counts: dict[str, int], *, age_days: int = 120, technique: str = "burst"):
    moment = NOW - timedelta(days=age_days)
    return [Datum(org, moment, technique) for org, n in counts.items() for _ in range(n)]


def _run(data, *, secretariat=True, start=START, end=END, spec=SPEC):
    return evaluate(
        spec, data, period_start=start, period_end=end, now=NOW, compiled_by_secretariat=secretariat
    )


def _failed(evaluation) -> set[str]:
    return {r.condition for r in evaluation.reasons}


def test_published_when_every_condition_holds():
    result = _run(_data({"acme": 2, "globex": 2, "initech": 1}))
    assert result.published and not result.reasons
    series = result.values["series"]["burst"]
    assert series.count("5-9") == 1 and set(series) == {"0", "5-9"}  # one week holds all five


def test_too_few_contributors_withholds():
    result = _run(_data({"acme": 1, "globex": 1}))
    assert not result.published and _failed(result) == {MIN_CONTRIBUTORS, MAX_CONTRIBUTOR_SHARE}
    result = _run(
        _data({"acme": 1, "globex": 1}),
        spec=AggregateSpec("s", 3, Fraction(1, 2), 90),
    )
    assert _failed(result) == {MIN_CONTRIBUTORS}


def test_a_dominant_member_withholds():
    result = _run(_data({"acme": 5, "globex": 2, "initech": 2}))
    assert _failed(result) == {MAX_CONTRIBUTOR_SHARE}


def test_a_share_exactly_at_the_maximum_is_allowed():
    result = _run(_data({"acme": 2, "globex": 2, "initech": 1}))  # 2/5 = 0.4 exactly
    assert result.published


def test_recent_data_withholds():
    recent_end = week_start(NOW) + timedelta(weeks=1)
    data = _data({"acme": 1, "globex": 1, "initech": 1}, age_days=10)
    result = _run(data, start=recent_end - timedelta(weeks=4), end=recent_end)
    assert _failed(result) == {MIN_AGE_DAYS}


def test_only_the_secretariat_compiles():
    result = _run(_data({"acme": 1, "globex": 1, "initech": 1}), secretariat=False)
    assert _failed(result) == {SECRETARIAT}


def test_no_data_is_withheld():
    assert _failed(_run([])) == {NO_DATA}


def test_data_outside_the_period_is_not_counted():
    inside = _data({"acme": 1, "globex": 1, "initech": 1})
    outside = _data({"acme": 50}, age_days=400)
    assert _run(inside + outside).published


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        week_start(datetime(2026, 1, 1))  # noqa: DTZ001


counts_strategy = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(1, 6), max_size=6
)


@given(
    counts_strategy,
    st.integers(2, 6),
    st.fractions(min_value=Fraction(1, 10), max_value=1),
    st.integers(0, 200),
    st.booleans(),
)
def test_published_exactly_when_all_conditions_hold(counts, minimum, share, age, secretariat):
    spec = AggregateSpec("s", minimum, share, 90)
    start, end = (
        week_start(NOW - timedelta(days=age)) - timedelta(weeks=2),
        week_start(NOW) + timedelta(weeks=1),
    )
    data = _data(counts, age_days=age)
    result = _run(data, secretariat=secretariat, start=start, end=end, spec=spec)
    total = sum(counts.values())
    holds = {
        SECRETARIAT: secretariat,
        NO_DATA: total > 0,
        MIN_CONTRIBUTORS: total == 0 or len(counts) >= minimum,
        MAX_CONTRIBUTOR_SHARE: total == 0 or Fraction(max(counts.values()), total) <= share,
        MIN_AGE_DAYS: total == 0 or age >= 90,
    }
    assert _failed(result) == {name for name, ok in holds.items() if not ok}
    assert result.published == all(holds.values())
    if not result.published:
        assert result.values == {}  # a withheld statistic carries no figure


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(91, 300), st.sampled_from("xyz"))))
def test_values_are_buckets_of_the_true_weekly_counts(rows):
    data = [Datum(org, NOW - timedelta(days=age), tech) for org, age, tech in rows]
    spec = AggregateSpec("s", 1, Fraction(1), 90)
    start, end = week_start(NOW - timedelta(days=300)), week_start(NOW - timedelta(days=90))
    result = _run(data, start=start, end=end, spec=spec)
    inside = [d for d in data if start <= d.observed_at < end]
    if not inside:
        assert not result.published
        return
    truth = Counter((week_start(d.observed_at).date().isoformat(), d.technique) for d in inside)
    for technique, labels in result.values["series"].items():
        for week, label in zip(result.values["weeks"], labels, strict=True):
            low, high = bucket_range(label)
            assert low <= truth.get((week, technique), 0) and (
                high is None or truth.get((week, technique), 0) <= high
            )


@given(st.integers(0, 10_000))
def test_bucket_contains_its_count(count):
    low, high = bucket_range(bucket(count))
    assert low <= count and (high is None or count <= high)
    assert bucket(count) in BUCKET_LABELS


# Clock times a server can have: near year 1 the period itself would not be a date.
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 365),
)
def test_default_period_holds_only_old_enough_data(now, age):
    start, end = default_period(now, age)
    assert end <= now - timedelta(days=age)
    assert end - start == timedelta(weeks=12) and end.weekday() == 0
