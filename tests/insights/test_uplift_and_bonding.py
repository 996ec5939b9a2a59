"""Retention uplift on simulated accounts (known effect, seeded bootstrap) and the bonding score."""

import numpy as np
import pytest

from domain.insights.bonding import Category, bonding_score
from domain.insights.clv import sbg
from domain.insights.uplift import UpliftInput, retention_uplift


def simulate(n: int, engaged_share: float, seed: int = 3, effect: bool = True) -> UpliftInput:
    rng = np.random.default_rng(seed)
    engaged = rng.random(n) < engaged_share
    segment = rng.integers(0, 3, n)  # bigger segments churn less, and engage more
    engaged |= (segment == 2) & (rng.random(n) < 0.3)
    base_beta = 2.0 + segment
    beta = np.where(engaged & effect, base_beta * 2, base_beta)
    theta = rng.beta(1.0, beta)
    lifetime = rng.geometric(theta)
    observed = rng.integers(1, 8, n)
    churned = lifetime <= observed
    periods = np.where(churned, lifetime, observed).astype(np.int64)
    return UpliftInput(
        engaged, [(int(s),) for s in segment], periods, churned, np.full(n, 20_000.0)
    )


def test_a_real_retention_effect_shows_with_an_interval_that_excludes_zero():
    result = retention_uplift(simulate(3000, 0.3), margin=0.8, discount_rate=0.1, bootstrap=100)
    assert result.sufficient
    assert result.engaged_retention > result.control_retention
    assert 0 < result.ci_low < result.clv_difference < result.ci_high
    # seeded: the same data gives the same interval
    again = retention_uplift(simulate(3000, 0.3), margin=0.8, discount_rate=0.1, bootstrap=100)
    assert (again.ci_low, again.ci_high) == (result.ci_low, result.ci_high)


def test_matching_removes_a_difference_that_is_only_the_segment_mix():
    # engagement concentrated in the low-churn segment, but no effect within any segment
    result = retention_uplift(
        simulate(6000, 0.1, seed=5, effect=False), margin=0.8, discount_rate=0.1, bootstrap=100
    )
    assert result.sufficient
    assert result.ci_low < 0 < result.ci_high
    assert "includes zero" in result.note


def test_small_groups_say_plainly_that_nothing_can_be_concluded():
    result = retention_uplift(simulate(60, 0.2), margin=0.8, discount_rate=0.1)
    assert not result.sufficient
    assert result.clv_difference is None and result.ci_low is None
    assert result.note.startswith("insufficient data: matched groups have")


def test_the_value_of_retention_is_arr_times_margin_times_lifetime():
    data = simulate(3000, 0.3)
    result = retention_uplift(data, margin=0.5, discount_rate=0.1, bootstrap=0)
    e = sbg.fit_lifetimes(data.periods[data.engaged], data.churned[data.engaged])
    assert result.engaged_retention == pytest.approx(
        float(sbg.retention_rate(e.alpha, e.beta, 1)), rel=1e-4
    )


def test_bonding_score_components_and_weights():
    score, components = bonding_score({Category.COMMUNITY: 10, Category.ADVOCACY: 0}, 0, 0)
    named = {c.category: c for c in components}
    assert named[Category.OUTCOMES].score is None  # no plan: left out, not zero
    assert named[Category.COMMUNITY].score == pytest.approx(63.21, abs=0.01)
    assert score == pytest.approx(0.25 * 63.21 / 0.75, abs=0.01)
    full, _ = bonding_score({c: 1000 for c in Category}, 3, 3)
    assert full == pytest.approx(100.0)
    half, parts = bonding_score({}, 1, 2)
    assert {c.category: c.score for c in parts}[Category.OUTCOMES] == 50.0
    assert half == pytest.approx(0.25 * 50.0, abs=0.01)
