"""Multi-touch attribution of an opportunity's amount to the advocacy touches on it.

Pure functions. Weights are integer numerators over a common denominator (time decay in units
of 2^-40 of the newest touch's weight); money is Decimal, split to the cent by the
largest-remainder method, so the credits of an opportunity always add up to its amount
exactly. Edge rules (also in docs/insights.md):

- Touches are ordered by time, then by id; touches after the opportunity closed are ignored
  (they cannot have influenced it). No touches: no credit.
- One touch gets everything, whatever the model.
- Milestone touches: first touch = the earliest; lead creation = the last touch at or before the
  lead was created (the first touch if none was before, or if the date is unknown);
  opportunity creation = likewise for the opportunity's creation date; closed-won = the last
  touch (at or before the close).
- Milestones that fall on one touch add up on it (W_SHAPED with first touch = lead touch gives
  that touch 60 %).
- The share for "the rest" (U_SHAPED 20 %, W_SHAPED and FULL_PATH 10 %) is split equally over the
  touches that are no milestone; when there are none, it is split over the milestones in
  proportion to their weights (U_SHAPED with two touches: 50/50).
- TIME_DECAY: weight 2^(-age / half-life), age = days from the touch to the close (to the
  as-of time for open opportunities), never negative.
- Rounding: every credit is first rounded down to the cent; the cents left over go one each to
  the touches with the largest remainders, ties to the earlier touch.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class AttributionModel(StrEnum):
    FIRST_TOUCH = "FIRST_TOUCH"
    LAST_TOUCH = "LAST_TOUCH"
    LINEAR = "LINEAR"
    U_SHAPED = "U_SHAPED"
    W_SHAPED = "W_SHAPED"
    FULL_PATH = "FULL_PATH"
    TIME_DECAY = "TIME_DECAY"


@dataclass(frozen=True)
class Touch:
    id: int
    at: datetime


@dataclass(frozen=True)
class Journey:
    """What the models need to know about an opportunity."""

    amount: Decimal
    created_at: datetime
    lead_created_at: datetime | None = None
    closed_at: datetime | None = None


def ordered_touches(touches: Sequence[Touch], journey: Journey) -> list[Touch]:
    kept = [t for t in touches if journey.closed_at is None or t.at <= journey.closed_at]
    return sorted(kept, key=lambda t: (t.at, t.id))


def _last_at_or_before(touches: list[Touch], moment: datetime | None) -> int:
    if moment is None:
        return 0
    index = 0
    for i, touch in enumerate(touches):
        if touch.at <= moment:
            index = i
    return index


Shares = tuple[list[int], int]  # integer numerators over one common denominator


def _milestone_weights(count: int, milestones: list[tuple[int, int]], rest: int) -> Shares:
    """Weights in 40ths: milestone (index, weight) pairs, and `rest` for the other touches."""
    marked = {index for index, _ in milestones}
    others = count - len(marked)
    numerators = [0] * count
    if others:
        for index, weight in milestones:
            numerators[index] += weight * others
        for i in range(count):
            if i not in marked:
                numerators[i] += rest
        return numerators, 40 * others
    total = sum(w for _, w in milestones)
    for index, weight in milestones:
        numerators[index] += weight * (total + rest)
    return numerators, total * 40


def weights(
    model: AttributionModel,
    touches: list[Touch],
    journey: Journey,
    *,
    half_life_days: float = 7.0,
    as_of: datetime | None = None,
) -> Shares:
    """Each touch's share as integer numerators over a common denominator, for `touches`
    already in order (ordered_touches). Integers keep the split exact and fast."""
    n = len(touches)
    if n == 0:
        return [], 1
    if n == 1:
        return [1], 1
    last = n - 1
    if model is AttributionModel.FIRST_TOUCH:
        return [1] + [0] * last, 1
    if model is AttributionModel.LAST_TOUCH:
        return [0] * last + [1], 1
    if model is AttributionModel.LINEAR:
        return [1] * n, n
    if model is AttributionModel.U_SHAPED:
        return _milestone_weights(n, [(0, 16), (last, 16)], 8)
    lead = _last_at_or_before(touches, journey.lead_created_at)
    created = _last_at_or_before(touches, journey.created_at)
    if model is AttributionModel.W_SHAPED:
        return _milestone_weights(n, [(0, 12), (lead, 12), (created, 12)], 4)
    if model is AttributionModel.FULL_PATH:  # 22.5 % = 9/40
        return _milestone_weights(n, [(0, 9), (lead, 9), (created, 9), (last, 9)], 4)
    if model is AttributionModel.TIME_DECAY:
        if half_life_days <= 0:
            raise ValueError("the half-life must be positive")
        reference = journey.closed_at or as_of or touches[-1].at
        ages = [max(0.0, (reference - t.at).total_seconds() / 86400) for t in touches]
        youngest = min(ages)
        # Relative to the most recent touch (weight 1), in units of 2^-40: exact integers.
        raw = [round(2.0 ** (40 - (age - youngest) / half_life_days)) for age in ages]
        return raw, sum(raw)
    raise ValueError(f"unknown attribution model {model}")


def split_amount(amount: Decimal, shares: Shares) -> list[Decimal]:
    """Cents for each share, summing exactly to `amount` (largest remainder, ties to the
    earlier share)."""
    numerators, denominator = shares
    if not numerators:
        return []
    scaled = amount.scaleb(2)
    cents = int(scaled)
    if scaled != cents:
        raise ValueError("amounts are whole cents")
    exact = [numerator * cents for numerator in numerators]
    floors = [e // denominator for e in exact]
    left = cents - sum(floors)
    if left:
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] % denominator), i))
        for i in order[:left]:
            floors[i] += 1
    return [Decimal(c).scaleb(-2) for c in floors]


def credit(
    model: AttributionModel,
    touches: Sequence[Touch],
    journey: Journey,
    *,
    half_life_days: float = 7.0,
    as_of: datetime | None = None,
) -> dict[int, Decimal]:
    """Credit per touch id under `model`; the values sum exactly to the amount (empty if no
    touch counts)."""
    ordered = ordered_touches(touches, journey)
    shares = weights(model, ordered, journey, half_life_days=half_life_days, as_of=as_of)
    amounts = split_amount(journey.amount, shares)
    return {touch.id: value for touch, value in zip(ordered, amounts, strict=True)}


def credit_all_models(
    touches: Sequence[Touch],
    journey: Journey,
    *,
    half_life_days: float = 7.0,
    as_of: datetime | None = None,
) -> dict[AttributionModel, dict[int, Decimal]]:
    ordered = ordered_touches(touches, journey)  # once for all models
    result = {}
    for model in AttributionModel:
        shares = weights(model, ordered, journey, half_life_days=half_life_days, as_of=as_of)
        amounts = split_amount(journey.amount, shares)
        result[model] = {touch.id: value for touch, value in zip(ordered, amounts, strict=True)}
    return result
