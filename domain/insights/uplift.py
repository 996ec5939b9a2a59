"""Retention uplift: advocacy-engaged accounts against matched non-engaged ones.

Matching is exact on strata (segment, ARR band, tenure cohort band, industry): engaged accounts
in a stratum without any control are dropped, and so are controls in strata without engaged
accounts; controls are weighted so that their strata mix equals the engaged accounts' (the
effect on the engaged, ATT). An sBG retention model is fitted per group and each group's value
of a new customer is mean ARR of the engaged x margin x (1 + DERL after 0 renewals): ARR is held
equal, so the difference is what retention alone is worth. The interval is a percentile
bootstrap (accounts resampled within each group, seeded, so reruns agree).
"""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.insights.clv import sbg

MIN_ACCOUNTS = 30  # per matched group
MIN_CHURNED = 5  # churn events per matched group


@dataclass(frozen=True)
class UpliftInput:
    engaged: NDArray[np.bool_]
    strata: Sequence[Hashable]
    periods: NDArray[np.int64]  # churn period (churned) or renewals so far (active)
    churned: NDArray[np.bool_]
    arr: NDArray[np.float64]


@dataclass(frozen=True)
class Uplift:
    engaged_accounts: int
    control_accounts: int
    sufficient: bool
    note: str
    engaged_retention: float | None = None  # first-renewal retention rate
    control_retention: float | None = None
    clv_difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def _value(
    periods: NDArray[np.int64],
    churned: NDArray[np.bool_],
    weights: NDArray[np.float64],
    discount_rate: float,
    start: tuple[float, float] | None = None,
) -> tuple[float, float, sbg.SBGParams]:
    size = int(periods.max()) + 2 if periods.size else 2
    codes = periods * 2 + churned.astype(np.int64)
    counts = np.bincount(codes, weights=weights, minlength=size * 2)
    churned_counts, alive_counts = counts[1::2], counts[0::2]
    t = np.arange(churned_counts.size, dtype=float)
    keep_c, keep_a = churned_counts > 0, alive_counts > 0
    params = sbg.fit(
        t[keep_c], churned_counts[keep_c], t[keep_a], alive_counts[keep_a], start=start
    )
    lifetime = 1.0 + float(sbg.derl(params.alpha, params.beta, 0, discount_rate))
    retention = float(sbg.retention_rate(params.alpha, params.beta, 1))
    return lifetime, retention, params


def retention_uplift(
    data: UpliftInput,
    *,
    margin: float,
    discount_rate: float,
    bootstrap: int = 200,
    seed: int = 20261122,
) -> Uplift:
    strata_engaged: dict[Hashable, int] = {}
    strata_control: dict[Hashable, int] = {}
    for stratum, engaged in zip(data.strata, data.engaged, strict=True):
        target = strata_engaged if engaged else strata_control
        target[stratum] = target.get(stratum, 0) + 1
    both = set(strata_engaged) & set(strata_control)
    matched = np.array([s in both for s in data.strata], dtype=bool)
    engaged = np.nonzero(matched & data.engaged)[0]
    control = np.nonzero(matched & ~data.engaged)[0]
    n_e, n_c = int(engaged.size), int(control.size)
    churn_e, churn_c = int(data.churned[engaged].sum()), int(data.churned[control].sum())
    if n_e < MIN_ACCOUNTS or n_c < MIN_ACCOUNTS or churn_e < MIN_CHURNED or churn_c < MIN_CHURNED:
        return Uplift(
            n_e,
            n_c,
            False,
            f"insufficient data: matched groups have {n_e} engaged accounts ({churn_e} churned) "
            f"and {n_c} controls ({churn_c} churned), out of {int(data.engaged.sum())} engaged "
            f"and {int((~data.engaged).sum())} non-engaged accounts before matching; at least "
            f"{MIN_ACCOUNTS} accounts and {MIN_CHURNED} churned per group are needed to "
            "conclude anything",
        )
    strata = np.array([hash(s) for s in data.strata])

    def control_weights(idx_e: NDArray[np.int64], idx_c: NDArray[np.int64]) -> NDArray[np.float64]:
        keys_e, count_e = np.unique(strata[idx_e], return_counts=True)
        keys_c, count_c = np.unique(strata[idx_c], return_counts=True)
        wanted = dict(zip(keys_e.tolist(), count_e.tolist(), strict=True))
        have = dict(zip(keys_c.tolist(), count_c.tolist(), strict=True))
        return np.array([wanted.get(k, 0) / have[k] for k in strata[idx_c].tolist()], dtype=float)

    mean_arr = float(np.mean(data.arr[engaged]))

    def difference(
        idx_e: NDArray[np.int64],
        idx_c: NDArray[np.int64],
        starts: tuple[tuple[float, float], tuple[float, float]] | None = None,
    ) -> tuple[float, float, float, sbg.SBGParams, sbg.SBGParams]:
        life_e, ret_e, p_e = _value(
            data.periods[idx_e],
            data.churned[idx_e],
            np.ones(idx_e.size),
            discount_rate,
            starts[0] if starts else None,
        )
        life_c, ret_c, p_c = _value(
            data.periods[idx_c],
            data.churned[idx_c],
            control_weights(idx_e, idx_c),
            discount_rate,
            starts[1] if starts else None,
        )
        return mean_arr * margin * (life_e - life_c), ret_e, ret_c, p_e, p_c

    estimate, ret_e, ret_c, p_e, p_c = difference(engaged, control)
    starts = ((p_e.alpha, p_e.beta), (p_c.alpha, p_c.beta))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        sample_e = rng.choice(engaged, size=n_e, replace=True)
        sample_c = rng.choice(control, size=n_c, replace=True)
        if set(strata[sample_e].tolist()) - set(strata[sample_c].tolist()):
            # a stratum lost all its controls in this draw: drop those engaged accounts too
            sample_e = sample_e[np.isin(strata[sample_e], strata[sample_c])]
        draws.append(difference(sample_e, sample_c, starts)[0])
    low, high = (
        (float(v) for v in np.percentile(draws, [2.5, 97.5])) if draws else (estimate, estimate)
    )
    conclusive = low > 0 or high < 0
    note = (
        f"{n_e} engaged accounts against {n_c} matched controls; 95% bootstrap interval from "
        f"{bootstrap} resamples"
        + ("" if conclusive else "; the interval includes zero: no clear effect")
    )
    return Uplift(n_e, n_c, True, note, ret_e, ret_c, estimate, low, high)
