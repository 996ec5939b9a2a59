"""CLV models against published results and against data simulated from known parameters."""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.special import betaln

from domain.insights.clv import bgnbd, gamma_gamma, sbg, value

DATA = Path(__file__).resolve().parent.parent / "data" / "cdnow_summary.csv"
# Fader and Hardie (2007), "How to project customer retention", Table 1: % still active.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


def cdnow() -> dict[str, np.ndarray]:
    with DATA.open() as handle:
        rows = list(csv.DictReader(handle))
    return {
        k: np.array([float(r[k]) for r in rows])
        for k in ("frequency", "recency", "T", "monetary_value")
    }


def test_sbg_matches_fader_hardie_2007():
    # The brief's survivors (FH 2007's "high end" segment): alpha 0.668, beta 3.806, LL -1611.2
    fit = sbg.fit_survivors(HIGH_END)
    assert fit.alpha == pytest.approx(0.668, abs=0.001)
    assert fit.beta == pytest.approx(3.806, abs=0.002)
    assert fit.log_likelihood == pytest.approx(-1611.2, abs=0.1)
    # ... and the "regular" segment: alpha 0.704, beta 1.182, LL -1680.3
    fit = sbg.fit_survivors(REGULAR)
    assert (fit.alpha, fit.beta) == (
        pytest.approx(0.704, abs=0.001),
        pytest.approx(1.182, abs=0.002),
    )
    assert fit.log_likelihood == pytest.approx(-1680.3, abs=0.1)


def test_sbg_recovers_parameters_from_simulated_customers():
    rng = np.random.default_rng(7)
    alpha, beta = 1.3, 4.0
    theta = rng.beta(alpha, beta, 20_000)
    lifetime = rng.geometric(theta)  # period at the end of which each customer churns
    observed = rng.integers(1, 13, theta.size)  # renewals observed so far
    churned = lifetime <= observed
    periods = np.where(churned, lifetime, observed)
    fit = sbg.fit_lifetimes(periods, churned)
    assert fit.alpha == pytest.approx(alpha, rel=0.1)
    assert fit.beta == pytest.approx(beta, rel=0.1)


def test_sbg_curves_and_derl_agree_with_their_definitions():
    a, b = 0.668, 3.806
    t = np.arange(1, 8)
    assert np.allclose(
        sbg.survival(a, b, t) / sbg.survival(a, b, t - 1), sbg.retention_rate(a, b, t)
    )
    assert np.allclose(
        sbg.churn_probability(a, b, t), sbg.survival(a, b, t - 1) - sbg.survival(a, b, t)
    )
    for renewals in (0, 1, 4):
        n = renewals + 1
        k = np.arange(n, n + 4000)
        series = np.sum(np.exp(betaln(a, b + k) - betaln(a, b + n - 1)) / 1.1 ** (k - n))
        assert float(sbg.derl(a, b, renewals, 0.10)) == pytest.approx(series, rel=1e-6)
    # retention rises with tenure, so a loyal customer is worth more
    assert sbg.derl(a, b, 4, 0.1) > sbg.derl(a, b, 0, 0.1)
    assert float(sbg.expected_remaining_periods(a, b, 0, 3)) == pytest.approx(
        float(np.sum(sbg.survival(a, b, [1, 2, 3]))), rel=1e-9
    )
    clv = value.contractual_clv(sbg.SBGParams(a, b, 0, 0), [10_000.0], 0.8, [0], 0.1)
    assert float(clv[0]) == pytest.approx(10_000 * 0.8 * float(sbg.derl(a, b, 0, 0.1)))


def test_sbg_rejects_bad_counts():
    for bad in ([1000], [100, 120], [0, 0], [100, -1]):
        with pytest.raises(ValueError):
            sbg.fit_survivors(bad)


def test_bgnbd_matches_fader_hardie_lee_2005_on_cdnow():
    data = cdnow()
    fit = bgnbd.fit(data["frequency"], data["recency"], data["T"])
    assert fit.r == pytest.approx(0.243, abs=0.001)
    assert fit.alpha == pytest.approx(4.414, abs=0.005)
    assert fit.a == pytest.approx(0.793, abs=0.002)
    assert fit.b == pytest.approx(2.426, abs=0.005)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    # FHL 2005: a customer with x=2, t_x=30.43, T=38.86 is expected to make 1.226 purchases
    # in the next 39 weeks.
    expected = bgnbd.expected_purchases(fit, 39, [2], [30.43], [38.86])
    assert float(expected[0]) == pytest.approx(1.226, abs=0.002)
    alive = bgnbd.probability_alive(fit, [0, 2, 2], [0, 30.43, 5.0], [38.86, 38.86, 38.86])
    assert alive[0] == 1.0 and 0 < alive[2] < alive[1] < 1


def test_gamma_gamma_matches_fader_hardie_lee_on_cdnow_repeat_customers():
    data = cdnow()
    fit = gamma_gamma.fit(data["frequency"], data["monetary_value"])
    assert fit.customers == 946  # frequency 0 ignored
    assert fit.p == pytest.approx(6.25, abs=0.01)
    assert fit.q == pytest.approx(3.74, abs=0.01)
    assert fit.v == pytest.approx(15.44, abs=0.02)
    spend = gamma_gamma.expected_spend(fit, [1, 10], [30.0, 30.0])
    # shrunk towards the population mean (about 35), less so with more purchases
    assert fit.population_mean_spend == pytest.approx(6.25 * 15.44 / 2.74, rel=0.01)
    assert spend[0] > spend[1] > 30.0


def test_bgnbd_recovers_parameters_from_simulated_purchases():
    rng = np.random.default_rng(11)
    r, alpha, a, b = 0.8, 5.0, 0.6, 2.5
    n, horizon = 8000, 52.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    fit = bgnbd.fit(x, tx, np.full(n, horizon))
    assert fit.r == pytest.approx(r, rel=0.15)
    assert fit.alpha == pytest.approx(alpha, rel=0.2)
    assert fit.a == pytest.approx(a, rel=0.25)
    assert fit.b == pytest.approx(b, rel=0.3)


def test_transactional_clv_is_discounted_margin_on_expected_purchases():
    data = cdnow()
    purchases = bgnbd.fit(data["frequency"], data["recency"], data["T"])
    spend = gamma_gamma.fit(data["frequency"], data["monetary_value"])
    args = ([2, 0], [30.43, 0], [38.86, 38.86], [22.35, 0])
    undiscounted = value.transactional_clv(
        purchases,
        spend,
        *args,
        margin=1.0,
        horizon_periods=12,
        period_length=52 / 12,
        discount_rate_per_period=0.0,
    )
    expected = bgnbd.expected_purchases(purchases, 52, *args[:3]) * gamma_gamma.expected_spend(
        spend, args[0], args[3]
    )
    assert np.allclose(undiscounted, expected)
    discounted = value.transactional_clv(
        purchases,
        spend,
        *args,
        margin=0.5,
        horizon_periods=12,
        period_length=52 / 12,
        discount_rate_per_period=0.01,
    )
    assert np.all(discounted < undiscounted * 0.5)
