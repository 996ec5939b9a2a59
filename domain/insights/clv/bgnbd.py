"""BG/NBD for repeat purchases without contracts (Fader, Hardie and Lee 2005, "Counting your
customers the easy way").

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after any
purchase they drop out with probability p ~ Beta(a, b). Per customer the data are the
lifetimes-package summary: `frequency` x (repeat purchases), `recency` t_x (time of the last
repeat purchase since the first) and `T` (time since the first purchase), all in one time unit.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

FloatArray = NDArray[np.float64]
# Every parameter within [1e-4, 1e4]: data with (almost) no drop-out would otherwise send a to 0
# and b to infinity, where the closed forms lose all precision.
BOUNDS = [(float(np.log(1e-4)), float(np.log(1e4)))] * 4


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def as_dict(self) -> dict[str, float]:
        return {
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "log_likelihood": self.log_likelihood,
        }


def check_summary(frequency: FloatArray, recency: FloatArray, age: FloatArray) -> None:
    if not (frequency.shape == recency.shape == age.shape) or frequency.ndim != 1:
        raise ValueError("frequency, recency and T must be columns of the same length")
    if frequency.size == 0:
        raise ValueError("no customers to fit")
    if np.any(frequency < 0) or np.any(frequency != np.floor(frequency)):
        raise ValueError("frequency must be a non-negative whole number")
    if np.any(recency < 0) or np.any(recency > age + 1e-9):
        raise ValueError("recency must be between 0 and T")
    if np.any((frequency == 0) & (recency != 0)):
        raise ValueError("recency is 0 for customers without repeat purchases")


def individual_log_likelihood(
    params: tuple[float, float, float, float],
    frequency: FloatArray,
    recency: FloatArray,
    age: FloatArray,
) -> FloatArray:
    r, alpha, a, b = params
    x, tx, t = frequency, recency, age
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + t)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + tx[repeat])
    )
    return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=float)


def _compressed(
    frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Identical (x, t_x, T) rows counted once with a weight: real customer bases repeat a lot."""
    stacked = np.column_stack([np.asarray(v, dtype=float) for v in (frequency, recency, age)])
    unique, weights = np.unique(stacked, axis=0, return_counts=True)
    return unique[:, 0], unique[:, 1], unique[:, 2], weights.astype(float)


def fit(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BGNBDParams:
    """Maximum likelihood on the parameters' logarithms (all four stay positive)."""
    f, rec, t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    check_summary(f, rec, t)
    x, tx, tt, w = _compressed(f, rec, t)
    scale = float(np.mean(t)) or 1.0

    def negative(log_params: FloatArray) -> float:
        r, alpha, a, b = (float(v) for v in np.exp(log_params))
        value = -float(
            np.sum(np.multiply(w, individual_log_likelihood((r, alpha, a, b), x, tx, tt)))
        )
        return value if np.isfinite(value) else 1e300

    # Quasi-Newton from two starts, then a short simplex polish of the better one: each
    # evaluation costs a pass over the customers, so the number of evaluations is the cost.
    first = min(
        (
            minimize(negative, np.array(start), method="L-BFGS-B", bounds=BOUNDS)
            for start in (
                (0.0, np.log(scale), 0.0, 0.0),
                (np.log(0.5), np.log(scale / 4), -0.5, 1.0),
            )
        ),
        key=lambda result: float(result.fun),
    )
    best = minimize(
        negative,
        first.x,
        method="Nelder-Mead",
        bounds=BOUNDS,
        options={"xatol": 1e-6, "fatol": 1e-7, "maxiter": 800},
    )
    if best.fun > first.fun:
        best = first
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return BGNBDParams(r, alpha, a, b, -float(best.fun), int(f.size))


def probability_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """P(alive | x, t_x, T); 1 for customers who never bought again (they cannot have dropped
    out: in the BG/NBD dropping out happens only right after a purchase)."""
    x, tx, t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    ratio = np.zeros_like(x)
    repeat = x > 0
    ratio[repeat] = (params.a / (params.b + x[repeat] - 1)) * np.exp(
        (params.r + x[repeat])
        * (np.log(params.alpha + t[repeat]) - np.log(params.alpha + tx[repeat]))
    )
    return np.asarray(1.0 / (1.0 + ratio), dtype=float)


def expected_purchases(
    params: BGNBDParams, horizon: float, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """E[purchases in (T, T + horizon] | x, t_x, T] (FHL 2005, eq. 10)."""
    x, tx, t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if horizon <= 0:
        return np.zeros_like(x)
    z = horizon / (alpha + t + horizon)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = ((a + b + x - 1) / (a - 1)) * (
        1 - np.exp((r + x) * np.log((alpha + t) / (alpha + t + horizon))) * hyp
    )
    return np.asarray(numerator * probability_alive(params, x, tx, t), dtype=float)
