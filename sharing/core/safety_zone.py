"""Safety-zone statistics: decide whether an aggregate may be published, and compute it.

Pure module (no Django). A statistic from the policy's `aggregates` section is published only
inside the safety zone that competition law draws around information exchange between
competitors (EU Horizontal Guidelines 2023, chapter 6): enough contributors that no member's
figure can be inferred, no member dominating the aggregate, only historic data, and compiled
by the neutral secretariat. Anything else is withheld with the reasons, for counsel.

Counts are published in buckets, never exactly, and a withheld statistic carries no values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

DEFAULT_PERIOD_WEEKS = 12
# (lowest count, label): a count is published as the label of the last bucket it reaches.
BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "0"),
    (1, "1-4"),
    (5, "5-9"),
    (10, "10-24"),
    (25, "25-49"),
    (50, "50-99"),
    (100, "100+"),
)
BUCKET_LABELS = tuple(label for _, label in BUCKETS)

MIN_CONTRIBUTORS = "min_contributors"
MAX_CONTRIBUTOR_SHARE = "max_contributor_share"
MIN_AGE_DAYS = "min_age_days"
SECRETARIAT = "secretariat"
NO_DATA = "no_data"
CONDITIONS = (NO_DATA, MIN_CONTRIBUTORS, MAX_CONTRIBUTOR_SHARE, MIN_AGE_DAYS, SECRETARIAT)


@dataclass(frozen=True)
class AggregateSpec:
    """One statistic of the policy's `aggregates` section."""

    name: str
    min_contributors: int
    max_contributor_share: Fraction
    min_age_days: int
    type: str | None = None
    technique_field: str | None = None

    @classmethod
    def from_rules(cls, name: str, spec: Mapping[str, Any]) -> AggregateSpec:
        """Build the spec of `name` from its entry in a rules document."""
        return cls(
            name=name,
            min_contributors=int(spec["min_contributors"]),
            # Through str() so that 0.25 is exactly one quarter, not the nearest binary float.
            max_contributor_share=Fraction(str(spec["max_contributor_share"])),
            min_age_days=int(spec["min_age_days"]),
            type=spec.get("type"),
            technique_field=spec.get("technique_field"),
        )


@dataclass(frozen=True)
class Datum:
    """One published indicator as a statistic counts it."""

    contributor: Hashable
    observed_at: datetime
    technique: str


@dataclass(frozen=True)
class Reason:
    """Why a statistic is withheld: the failed condition and a sentence for counsel."""

    condition: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the reason as a JSON-ready dict."""
        return {"condition": self.condition, "message": self.message}


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one statistic for one period."""

    published: bool
    reasons: tuple[Reason, ...]
    values: dict[str, Any] = field(default_factory=dict)
    data_count: int = 0
    contributor_count: int = 0


def week_start(moment: datetime) -> datetime:
    """Return the Monday 00:00 UTC of the week holding `moment`."""
    moment = _utc(moment)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def default_period(
    now: datetime, min_age_days: int, weeks: int = DEFAULT_PERIOD_WEEKS
) -> tuple[datetime, datetime]:
    """Return the `weeks` full weeks that end before data becomes `min_age_days` old."""
    end = week_start(_utc(now) - timedelta(days=min_age_days))
    return end - timedelta(weeks=weeks), end


def bucket(count: int) -> str:
    """Return the bucket label a count is published as."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    label = BUCKETS[0][1]
    for low, name in BUCKETS:
        if count >= low:
            label = name
    return label


def bucket_range(label: str) -> tuple[int, int | None]:
    """Return the (lowest, highest or None) counts a bucket label stands for."""
    index = BUCKET_LABELS.index(label)
    low = BUCKETS[index][0]
    high = BUCKETS[index + 1][0] - 1 if index + 1 < len(BUCKETS) else None
    return low, high


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC)


def _percent(share: Fraction) -> str:
    return f"{float(share) * 100:.0f}%"


def _values(data: list[Datum], start: datetime, end: datetime) -> dict[str, Any]:
    weeks: list[datetime] = []
    cursor = week_start(start)
    while cursor < end:
        weeks.append(cursor)
        cursor += timedelta(weeks=1)
    counts = Counter((week_start(d.observed_at), d.technique) for d in data)
    techniques = sorted({d.technique for d in data})
    return {
        "weeks": [w.date().isoformat() for w in weeks],
        "series": {
            technique: [bucket(counts.get((w, technique), 0)) for w in weeks]
            for technique in techniques
        },
    }


def evaluate(
    spec: AggregateSpec,
    data: Iterable[Datum],
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    compiled_by_secretariat: bool,
) -> Evaluation:
    """Decide whether `spec` may be published for [period_start, period_end) and compute it.

    Every condition is checked and every failure reported; the values are computed only when
    all conditions hold, so a withheld statistic never carries a figure.
    """
    start, end, now = _utc(period_start), _utc(period_end), _utc(now)
    if end <= start:
        raise ValueError("the period must end after it starts")
    inside = [d for d in data if start <= _utc(d.observed_at) < end]
    per_member = Counter(d.contributor for d in inside)
    total = len(inside)
    reasons: list[Reason] = []
    if not compiled_by_secretariat:
        reasons.append(Reason(SECRETARIAT, "Only the forum secretariat may compile a statistic."))
    if total == 0:
        reasons.append(Reason(NO_DATA, "No published indicator falls in the period."))
    else:
        if len(per_member) < spec.min_contributors:
            reasons.append(
                Reason(
                    MIN_CONTRIBUTORS,
                    f"{len(per_member)} member(s) contributed; at least "
                    f"{spec.min_contributors} are required.",
                )
            )
        largest = max(per_member.values())
        if Fraction(largest, total) > spec.max_contributor_share:
            reasons.append(
                Reason(
                    MAX_CONTRIBUTOR_SHARE,
                    f"One member contributes {_percent(Fraction(largest, total))} of the data; "
                    f"no member may contribute more than {_percent(spec.max_contributor_share)}.",
                )
            )
        cutoff = now - timedelta(days=spec.min_age_days)
        recent = sum(1 for d in inside if _utc(d.observed_at) > cutoff)
        if recent:
            reasons.append(
                Reason(
                    MIN_AGE_DAYS,
                    f"{recent} of {total} data point(s) are less than {spec.min_age_days} "
                    "days old.",
                )
            )
    if reasons:
        return Evaluation(
            published=False,
            reasons=tuple(reasons),
            data_count=total,
            contributor_count=len(per_member),
        )
    return Evaluation(
        published=True,
        reasons=(),
        values=_values(inside, start, end),
        data_count=total,
        contributor_count=len(per_member),
    )
