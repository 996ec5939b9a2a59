"""Availability windows of an advocate (profile JSON: [{"starts_on", "ends_on"}], inclusive
dates; none means any time). Ranking, scheduling and speaking slots ask the same question:
is there a window overlapping the days the advocate is needed?"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str | None  # why not, readable ("unavailable until 2027-01-05")


def check(
    windows: Sequence[dict[str, Any]], first_day: date, last_day: date | None
) -> Availability:
    """Available if any window overlaps [first_day, last_day] (last_day None: open-ended)."""
    if not windows:
        return Availability(True, None)
    spans = sorted(
        (date.fromisoformat(w["starts_on"]), date.fromisoformat(w["ends_on"])) for w in windows
    )
    for starts, ends in spans:
        if ends >= first_day and (last_day is None or starts <= last_day):
            return Availability(True, None)
    later = [starts for starts, _ in spans if starts > first_day]
    if later:
        return Availability(False, f"unavailable until {later[0].isoformat()}")
    return Availability(False, f"no availability window after {spans[-1][1].isoformat()}")


def check_day(windows: Sequence[dict[str, Any]], day: date) -> Availability:
    return check(windows, day, day)
