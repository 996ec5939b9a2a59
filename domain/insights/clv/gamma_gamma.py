"""Gamma-Gamma spend per purchase (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and
Hardie's note "The Gamma-Gamma model of monetary value", 2013).

A customer's purchase amounts are Gamma(p, nu) with nu ~ Gamma(q, v) across customers; spend is
assumed independent of purchase frequency. Fitted on customers with at least one repeat
purchase, from their number of repeat purchases x and their mean spend per repeat purchase m_x.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import gammaln

FloatArray = NDArray[np.float64]
BOUNDS = [(float(np.log(1e-4)), float(np.log(1e6)))] * 3  # v is in money units: may be large


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    log_likelihood: float
    customers: int

    def as_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v, "log_likelihood": self.log_likelihood}

    @property
    def population_mean_spend(self) -> float:
        """E[M] = p v / (q - 1); infinite unless q > 1."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")


def repeat_customers(frequency: ArrayLike, monetary: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Drops customers without repeat purchases (the model says nothing about them)."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary, dtype=float)
    if x.shape != m.shape or x.ndim != 1:
        raise ValueError("frequency and monetary_value must be columns of the same length")
    keep = x > 0
    if np.any(m[keep] <= 0):
        raise ValueError("monetary_value must be positive for customers with repeat purchases")
    return x[keep], m[keep]


def log_likelihood(params: tuple[float, float, float], x: FloatArray, m: FloatArray) -> float:
    p, q, v = params
    px = p * x
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )
    return float(np.sum(ll))


def fit(frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaParams:
    """Maximum likelihood on the parameters' logarithms; customers with frequency 0 ignored."""
    x, m = repeat_customers(frequency, monetary)
    if x.size == 0:
        raise ValueError("no customers with repeat purchases to fit")

    def negative(log_params: FloatArray) -> float:
        params = tuple(float(v) for v in np.exp(log_params))
        value = -log_likelihood(params, x, m)  # type: ignore[arg-type]
        return value if np.isfinite(value) else 1e300

    best = None
    for start in ((0.0, 0.0, 0.0), (np.log(5.0), np.log(3.0), np.log(float(np.mean(m))))):
        first = minimize(negative, np.array(start), method="L-BFGS-B", bounds=BOUNDS)
        result = minimize(
            negative,
            first.x,
            method="Nelder-Mead",
            bounds=BOUNDS,
            options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 4000},
        )
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    p, q, v = (float(value) for value in np.exp(best.x))
    return GammaGammaParams(p, q, v, -float(best.fun), int(x.size))


def expected_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """E[M | x, m_x]: a weighted mean of the population mean and the customer's own mean, the
    weight on their own growing with their number of repeat purchases. Customers without repeat
    purchases get the population mean."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary, dtype=float)
    p, q, v = params.p, params.q, params.v
    return np.asarray((p * (v + x * m)) / (p * x + q - 1), dtype=float)
