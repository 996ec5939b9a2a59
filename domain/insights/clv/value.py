"""Lifetime value from the fitted models."""

import numpy as np
from numpy.typing import ArrayLike, NDArray

from domain.insights.clv import bgnbd, sbg
from domain.insights.clv.bgnbd import BGNBDParams
from domain.insights.clv.gamma_gamma import GammaGammaParams, expected_spend

FloatArray = NDArray[np.float64]


def contractual_clv(
    params: sbg.SBGParams,
    annual_value: ArrayLike,
    margin: float,
    renewals: ArrayLike,
    discount_rate: float,
) -> FloatArray:
    """Residual CLV of subscribers: ARR x gross margin x DERL (periods are years)."""
    value = np.asarray(annual_value, dtype=float)
    return np.asarray(
        value * margin * sbg.derl(params.alpha, params.beta, renewals, discount_rate), dtype=float
    )


def transactional_clv(
    purchases: BGNBDParams,
    spend: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    monetary: ArrayLike,
    *,
    margin: float,
    horizon_periods: int,
    period_length: float,
    discount_rate_per_period: float,
) -> FloatArray:
    """Discounted margin from future purchases over `horizon_periods` steps of `period_length`
    time units (e.g. 12 steps of 4.345 weeks for a year at a monthly discount rate): the expected
    purchases in each step x expected spend per purchase x margin, discounted per step."""
    x, tx, t, m = (np.asarray(v, dtype=float) for v in (frequency, recency, age, monetary))
    per_purchase = expected_spend(spend, x, m) * margin
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for step in range(1, horizon_periods + 1):
        cumulative = bgnbd.expected_purchases(purchases, step * period_length, x, tx, t)
        total += (cumulative - previous) * per_purchase / (1 + discount_rate_per_period) ** step
        previous = cumulative
    return total
