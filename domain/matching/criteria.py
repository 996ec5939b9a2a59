"""The match score: a weighted sum of criteria, each valued 0..1, with a readable breakdown.

Scores are computed for whole matrices (mentees x mentors) with numpy, so a round over
thousands of people and a top-k among ten thousand mentors take milliseconds; the breakdown
text is written only for the pairs someone will read.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np

from domain.matching.people import Group, Person, normalised, offset_hours, same_label


class Criterion(StrEnum):
    PRODUCT = "PRODUCT"  # the mentor uses the products the mentee uses
    USE_CASE = "USE_CASE"  # ... and has the mentee's use cases
    MATURITY = "MATURITY"  # the mentor is further along (not the other way round)
    OUTCOME = "OUTCOME"  # the mentor achieved what the mentee wants to achieve
    INDUSTRY = "INDUSTRY"
    COMPANY_SIZE = "COMPANY_SIZE"
    TIMEZONE = "TIMEZONE"
    LANGUAGE = "LANGUAGE"


DEFAULT_WEIGHTS: dict[Criterion, float] = {
    Criterion.PRODUCT: 3.0,
    Criterion.USE_CASE: 2.0,
    Criterion.MATURITY: 2.0,
    Criterion.OUTCOME: 3.0,
    Criterion.INDUSTRY: 1.0,
    Criterion.COMPANY_SIZE: 1.0,
    Criterion.TIMEZONE: 1.5,
    Criterion.LANGUAGE: 1.5,
}
MAX_WEIGHT = 10.0
DECIMALS = 4  # scores are rounded so totals compare exactly


def weights_of(stored: Mapping[str, float] | None) -> dict[Criterion, float]:
    """A programme's weights, defaults where it names none."""
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in (stored or {}).items():
        if name in Criterion.__members__:
            weights[Criterion(name)] = float(value)
    return weights


@dataclass(frozen=True)
class Scores:
    total: np.ndarray  # mentees x mentors, rounded
    values: dict[Criterion, np.ndarray]  # each criterion's value 0..1


def score(mentees: Group, mentors: Group, weights: Mapping[Criterion, float]) -> Scores:
    values = {
        Criterion.PRODUCT: _coverage(mentees, "products", mentors, "products"),
        Criterion.USE_CASE: _coverage(mentees, "use_cases", mentors, "use_cases"),
        Criterion.MATURITY: _maturity(mentees.maturity, mentors.maturity),
        Criterion.OUTCOME: _coverage(mentees, "desired_outcomes", mentors, "achieved_outcomes"),
        Criterion.INDUSTRY: same_label(mentees, mentors, "industry").astype(np.float32),
        Criterion.COMPANY_SIZE: _band_closeness(mentees.bands, mentors.bands),
        Criterion.TIMEZONE: _timezone_closeness(mentees, mentors),
        Criterion.LANGUAGE: np.minimum(
            _overlap(mentees, "languages", mentors, "languages"), np.float32(1.0)
        ),
    }
    total = np.zeros((len(mentees), len(mentors)), dtype=np.float32)
    for criterion, matrix in values.items():
        weight = weights.get(criterion, 0.0)
        if weight:
            total += np.float32(weight) * matrix
    return Scores(np.round(total.astype(np.float64), DECIMALS), values)


def breakdown(
    mentee: Person,
    mentor: Person,
    scores: Scores,
    at: tuple[int, int],
    weights: Mapping[Criterion, float],
    now: datetime,
) -> list[dict[str, Any]]:
    """One line per criterion for the pair at (i, j): weight, value, points and why."""
    lines = []
    for criterion, matrix in scores.values.items():
        value = round(float(matrix[at]), DECIMALS)
        weight = float(weights.get(criterion, 0.0))
        lines.append(
            {
                "criterion": str(criterion),
                "weight": weight,
                "value": value,
                "points": round(weight * value, DECIMALS),
                "explanation": _explain(criterion, mentee, mentor, now),
            }
        )
    return lines


def _coverage(mentees: Group, wanted: str, mentors: Group, offered: str) -> np.ndarray:
    """Share of each mentee's items the mentor has (0 when the mentee lists none)."""
    shared = _overlap(mentees, wanted, mentors, offered)
    sizes = mentees.incidence(wanted).sizes
    shared *= (1.0 / np.maximum(sizes, 1.0))[:, None]  # rows with no items share nothing
    return shared


# Up to this many shared items the incidence matrices are multiplied dense (fast and small);
# beyond, sparse (a round over free-text items could have thousands).
DENSE_ITEMS = 256


def _overlap(rows: Group, row_attribute: str, columns: Group, column_attribute: str) -> np.ndarray:
    """How many items each row shares with each column: incidence matrices multiplied, over
    the items both sides name."""
    a, b = rows.incidence(row_attribute), columns.incidence(column_attribute)
    common = [item for item in a.items if item in b.items]
    if not common or not len(rows) or not len(columns):
        return np.zeros((len(rows), len(columns)), dtype=np.float32)
    a_columns = [a.items[item] for item in common]
    b_columns = [b.items[item] for item in common]
    if len(common) <= DENSE_ITEMS:
        product = a.dense(a_columns) @ b.dense(b_columns).T
    else:
        product = (a.sparse(a_columns) @ b.sparse(b_columns).T).toarray()
    return np.asarray(product, dtype=np.float32)


def _maturity(mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
    """1 when the mentor is one level ahead, a little less per further level, 0 if not ahead."""
    levels = np.arange(4)
    gap = levels[None, :] - levels[:, None]  # mentee level x mentor level
    table = np.where(gap > 0, 1.0 - 0.2 * (gap - 1), 0.0).astype(np.float32)
    return table[mentees][:, mentors]


def _band_closeness(mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
    bands = np.arange(-1, 5)  # -1: unknown
    distance = np.abs(bands[:, None] - bands[None, :])
    known = (bands[:, None] >= 0) & (bands[None, :] >= 0)
    table = np.where(known, 1.0 - distance / 4.0, 0.0).astype(np.float32)
    return table[mentees + 1][:, mentors + 1]


def _timezone_closeness(mentees: Group, mentors: Group) -> np.ndarray:
    """1 in the same offset, 0 at twelve hours apart (going round the clock)."""
    # Few distinct offsets: a small table of closeness, gathered for every pair.
    row_offsets, row_codes = mentees.distinct("offsets")
    column_offsets, column_codes = mentors.distinct("offsets")
    distance = np.abs(row_offsets[:, None] - column_offsets[None, :]) % 24
    distance = np.minimum(distance, 24 - distance)
    table = np.nan_to_num(1.0 - np.minimum(distance, 12) / 12.0, nan=0.0).astype(np.float32)
    result: np.ndarray = table[row_codes][:, column_codes]
    return result


def _explain(criterion: Criterion, mentee: Person, mentor: Person, now: datetime) -> str:
    if criterion is Criterion.PRODUCT:
        return _shared("products", mentee.products, mentor.products)
    if criterion is Criterion.USE_CASE:
        return _shared("use cases", mentee.use_cases, mentor.use_cases)
    if criterion is Criterion.OUTCOME:
        return _shared("outcomes", mentee.desired_outcomes, mentor.achieved_outcomes)
    if criterion is Criterion.LANGUAGE:
        return _shared("languages", mentee.languages, mentor.languages)
    if criterion is Criterion.MATURITY:
        return f"mentor {mentor.maturity.lower()}, mentee {mentee.maturity.lower()}"
    if criterion is Criterion.INDUSTRY:
        if mentee.industry and mentor.industry:
            same = mentee.industry.casefold() == mentor.industry.casefold()
            return f"both in {mentor.industry}" if same else "different industries"
        return "industry unknown"
    if criterion is Criterion.COMPANY_SIZE:
        if mentee.band and mentor.band:
            return f"{_band(mentor.band)} and {_band(mentee.band)} employees"
        return "company size unknown"
    a, b = offset_hours(mentee.timezone, now), offset_hours(mentor.timezone, now)
    if a != a or b != b:  # NaN: unknown
        return "time zone unknown"
    hours = abs(a - b) % 24
    return f"{min(hours, 24 - hours):g} h apart"


def _shared(what: str, wanted: tuple[str, ...], offered: tuple[str, ...]) -> str:
    have = normalised(offered)
    shared = [w for w in wanted if w.strip().casefold() in have]
    if not wanted:
        return f"no {what} given"
    return f"shares {', '.join(shared)}" if shared else f"no shared {what}"


def _band(band: Any) -> str:
    return str(band.value).removeprefix("B").replace("_PLUS", "+").replace("_", "-")
