"""Group a case's audit events for reading: repeated views of the original become one line.

Pure module (no Django). The audit log keeps every event; this only changes how a timeline
shows them: consecutive `submission.original_viewed` events by the same user read as
"viewed the original N times between A and B".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ORIGINAL_VIEWED = "submission.original_viewed"


@dataclass
class TimelineEntry:
    """One line of a case timeline: an event, or a run of views of the original by one user."""

    first: Any
    events: list[Any] = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        return len(self.events) > 1

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def last(self) -> Any:
        return self.events[-1]

    @property
    def since(self) -> datetime:
        return self.events[0].recorded_at

    @property
    def until(self) -> datetime:
        return self.events[-1].recorded_at


def group_repeated_views(events: Iterable[Any]) -> list[TimelineEntry]:
    """Return `events` (oldest first) as timeline entries, runs of views by one user merged."""
    entries: list[TimelineEntry] = []
    for event in events:
        last = entries[-1] if entries else None
        if (
            last is not None
            and event.action == ORIGINAL_VIEWED
            and last.first.action == ORIGINAL_VIEWED
            and last.first.actor_username == event.actor_username
        ):
            last.events.append(event)
        else:
            entries.append(TimelineEntry(first=event, events=[event]))
    return entries
