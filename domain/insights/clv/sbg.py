"""Shifted-beta-geometric (sBG) retention for subscriptions (Fader and Hardie 2007, 2010).

Each customer churns at the end of any period with a probability theta that stays fixed for
them; theta varies across customers as Beta(alpha, beta). Periods are contract periods (years
in Bondfire). Conventions:

- `S(t)`: probability a new customer is still active after t renewal decisions (S(0) = 1).
- `P(T = t)`: probability they churn at the end of period t (t >= 1).
- A customer "alive after n-1 renewals" is in their n-th period.

Pure functions on numpy arrays; the fit is maximum likelihood with scipy.optimize.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SBGParams:
    alpha: float
    beta: float
    log_likelihood: float
    customers: int  # how many customers the fit saw

    def as_dict(self) -> dict[str, float]:
        return {"alpha": self.alpha, "beta": self.beta, "log_likelihood": self.log_likelihood}


def survival(alpha: float, beta: float, t: ArrayLike) -> FloatArray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta)."""
    t = np.asarray(t, dtype=float)
    return np.asarray(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)), dtype=float)


def churn_probability(alpha: float, beta: float, t: ArrayLike) -> FloatArray:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t >= 1."""
    t = np.asarray(t, dtype=float)
    return np.asarray(np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)), dtype=float)


def retention_rate(alpha: float, beta: float, t: ArrayLike) -> FloatArray:
    """r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1): rises with t, because
    the customers likelier to churn leave first."""
    t = np.asarray(t, dtype=float)
    return np.asarray((beta + t - 1) / (alpha + beta + t - 1), dtype=float)


def derl(alpha: float, beta: float, renewals: ArrayLike, discount_rate: float) -> FloatArray:
    """Discounted expected residual lifetime (Fader and Hardie 2010, eq. 6) of a customer who
    has made `renewals` = n - 1 renewals, valued at the end of their n-th period just before the
    renewal decision: sum over t >= n of S(t)/S(n-1) / (1+d)^(t-n), i.e. the next payment (if
    they renew) counts in full and each later one is discounted one period more.
    CLV = ARR x margin x DERL."""
    n = np.asarray(renewals, dtype=float) + 1
    z = 1.0 / (1.0 + discount_rate)
    r = (beta + n - 1) / (alpha + beta + n - 1)
    return np.asarray(r * hyp2f1(1.0, beta + n, alpha + beta + n, z), dtype=float)


def expected_remaining_periods(
    alpha: float, beta: float, renewals: ArrayLike, horizon: int
) -> FloatArray:
    """Expected number of further periods (renewals) within `horizon` periods: the undiscounted
    mean is infinite whenever alpha <= 1, so a horizon is part of the question."""
    n = np.asarray(renewals, dtype=float)[..., None] + 1
    k = np.arange(horizon, dtype=float)
    conditional = np.exp(betaln(alpha, beta + n + k) - betaln(alpha, beta + n - 1))
    return np.asarray(conditional.sum(axis=-1), dtype=float)


def median_remaining_periods(alpha: float, beta: float, renewals: int, limit: int = 200) -> int:
    """Renewals after which the chance of still being a customer first drops below one half
    (`limit` if it never does within it)."""
    k = np.arange(1, limit + 1, dtype=float)
    conditional = np.exp(betaln(alpha, beta + renewals + k) - betaln(alpha, beta + renewals))
    below = np.nonzero(conditional < 0.5)[0]
    return int(below[0]) + 1 if below.size else limit


def survivors_to_counts(survivors: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Cohort survivor counts (n_0 >= n_1 >= ... >= n_T) -> (churned in each period 1..T,
    still active after T periods as a one-element array)."""
    n = np.asarray(survivors, dtype=float)
    if n.ndim != 1 or n.size < 2:
        raise ValueError("give at least two survivor counts (the start and one period)")
    if np.any(n < 0) or np.any(np.diff(n) > 0):
        raise ValueError("survivor counts must be non-negative and never increase")
    if n[0] <= 0:
        raise ValueError("the cohort must start with at least one customer")
    return -np.diff(n), n[-1:]


def log_likelihood(
    alpha: float,
    beta: float,
    churned_at: ArrayLike,
    churned_count: ArrayLike,
    alive_after: ArrayLike,
    alive_count: ArrayLike,
) -> float:
    """Right-censored sBG log-likelihood: `churned_count[i]` customers churned at the end of
    period `churned_at[i]`; `alive_count[j]` are still active after `alive_after[j]` renewals."""
    ll = np.sum(np.asarray(churned_count) * np.log(churn_probability(alpha, beta, churned_at)))
    ll += np.sum(np.asarray(alive_count) * np.log(survival(alpha, beta, alive_after)))
    return float(ll)


def fit(
    churned_at: ArrayLike,
    churned_count: ArrayLike,
    alive_after: ArrayLike,
    alive_count: ArrayLike,
    *,
    start: tuple[float, float] | None = None,
) -> SBGParams:
    """Maximum-likelihood alpha and beta (optimised on their logarithms, so both stay > 0).
    With `start` (e.g. a bootstrap refit near a known optimum) only that start is tried."""
    ct = np.asarray(churned_at, dtype=float)
    cc = np.asarray(churned_count, dtype=float)
    at = np.asarray(alive_after, dtype=float)
    ac = np.asarray(alive_count, dtype=float)
    customers = round(float(cc.sum() + ac.sum()))
    if customers == 0:
        raise ValueError("no customers to fit")

    def negative(log_params: FloatArray) -> float:
        a, b = np.exp(log_params)
        value = -log_likelihood(a, b, ct, cc, at, ac)
        return value if np.isfinite(value) else 1e300

    starts = (
        [(np.log(start[0]), np.log(start[1]))] if start else [(0.0, 0.0), (0.0, 1.5), (-1.0, 1.0)]
    )
    best = None
    tolerance = {"xatol": 1e-5, "fatol": 1e-6} if start else {"xatol": 1e-9, "fatol": 1e-10}
    for point in starts:
        result = minimize(
            negative, np.array(point), method="Nelder-Mead", options={**tolerance, "maxiter": 4000}
        )
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    alpha, beta = (float(v) for v in np.exp(best.x))
    return SBGParams(alpha, beta, -float(best.fun), customers)


def fit_survivors(survivors: ArrayLike) -> SBGParams:
    """Fit from one cohort's survivor counts, e.g. 1000, 869, 743, ..."""
    churned, alive = survivors_to_counts(survivors)
    periods = np.arange(1, churned.size + 1, dtype=float)
    return fit(periods, churned, np.array([float(churned.size)]), alive)


def fit_lifetimes(periods: ArrayLike, churned: ArrayLike) -> SBGParams:
    """Fit from individual customers: `periods[i]` is the period they churned at the end of
    (churned) or the renewals they have made so far (still active)."""
    p = np.asarray(periods, dtype=int)
    c = np.asarray(churned, dtype=bool)
    churned_at, churned_count = np.unique(p[c], return_counts=True)
    alive_after, alive_count = np.unique(p[~c], return_counts=True)
    return fit(churned_at, churned_count, alive_after, alive_count)
