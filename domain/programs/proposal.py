"""Advisory board seat-allocation proposal: which candidates to seat so the board covers the
customer base (segments, regions, ARR bands, products) without over-asking anyone.

A small mixed-integer programme (scipy.optimize.milp, HiGHS):

    maximise   3·Σ segments covered + 2·Σ regions covered + 1·Σ ARR bands covered
             + 1·Σ products covered + 2·Σ x_i·ARR_i/ARR_max + 0.25·Σ x_i·(already seated)
             - 0.5·Σ x_i·(asks in the last quarter) - 1.5·Σ seats over a group's fair share
    subject to Σ x_i = seats, at most one seat per account, a group counts as covered only if
               someone in it is seated, fair share = ceil(seats / groups present) per segment
               and per region (exceeding it costs, so lopsided boards lose to balanced ones).

Candidates over their fatigue budget are left out before solving, with the reason.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

W_SEGMENT, W_REGION, W_BAND, W_PRODUCT = 3.0, 2.0, 1.0, 1.0
W_ARR, W_CONTINUITY, W_FATIGUE, W_EXCESS = 2.0, 0.25, 0.5, 1.5

ARR_BANDS = (
    (Decimal("50000"), "<50k"),
    (Decimal("250000"), "50k-250k"),
    (Decimal("1000000"), "250k-1M"),
)


def arr_band(arr: Decimal | None) -> str:
    if arr is None:
        return "unknown"
    for limit, label in ARR_BANDS:
        if arr < limit:
            return label
    return ">=1M"


@dataclass(frozen=True)
class Candidate:
    member_id: int
    account_id: int
    segment: str | None
    region: str | None
    arr: Decimal | None
    products: tuple[str, ...]
    recent_asks: int = 0  # asks of any kind in the last quarter (advocacy's ledger)
    seated: bool = False  # holds a seat on the board now
    over_budget: str | None = None  # why they may not be asked now, if so


@dataclass
class Proposal:
    seats: int
    chosen: list[Candidate] = field(default_factory=list)
    left_out: list[tuple[Candidate, str]] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    arr_bands: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    total_arr: Decimal = Decimal(0)


def _groups(candidates: list[Candidate], key: str) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        values: tuple[str, ...]
        if key == "products":
            values = c.products
        elif key == "band":
            values = (arr_band(c.arr),)
        else:
            value = getattr(c, key)
            values = (value,) if value else ()
        for v in values:
            groups.setdefault(v, []).append(i)
    return groups


def propose(candidates: list[Candidate], seats: int) -> Proposal:
    proposal = Proposal(seats=seats)
    pool = []
    for c in candidates:
        if c.over_budget:
            proposal.left_out.append((c, f"over the fatigue budget: {c.over_budget}"))
        else:
            pool.append(c)
    accounts = {c.account_id for c in pool}
    k = min(seats, len(accounts))
    if k <= 0:
        proposal.left_out += [(c, "no seat to fill") for c in pool]
        return proposal
    n = len(pool)
    dims = {
        "segment": (_groups(pool, "segment"), W_SEGMENT, True),
        "region": (_groups(pool, "region"), W_REGION, True),
        "band": (_groups(pool, "band"), W_BAND, False),
        "products": (_groups(pool, "products"), W_PRODUCT, False),
    }
    # Variable layout: x (n), then one coverage binary per group, then one excess per capped group.
    coverage = [
        (dim, name, members) for dim, (g, _, _) in dims.items() for name, members in g.items()
    ]
    capped = [
        (dim, name, members)
        for dim, (g, _, cap) in dims.items()
        if cap
        for name, members in g.items()
    ]
    size = n + len(coverage) + len(capped)
    top_arr = max((c.arr or Decimal(0) for c in pool), default=Decimal(0)) or Decimal(1)
    gain = np.zeros(size)
    for i, c in enumerate(pool):
        gain[i] = (
            W_ARR * float((c.arr or Decimal(0)) / top_arr)
            + W_CONTINUITY * c.seated
            - W_FATIGUE * c.recent_asks
        )
    for j, (dim, _, _) in enumerate(coverage):
        gain[n + j] = dims[dim][1]
    for j in range(len(capped)):
        gain[n + len(coverage) + j] = -W_EXCESS

    rows, lower, upper = [], [], []

    def row(entries: dict[int, float], lo: float, hi: float) -> None:
        vector = np.zeros(size)
        for index, value in entries.items():
            vector[index] = value
        rows.append(vector)
        lower.append(lo)
        upper.append(hi)

    row(dict.fromkeys(range(n), 1.0), k, k)
    for account in accounts:
        row({i: 1.0 for i, c in enumerate(pool) if c.account_id == account}, -np.inf, 1)
    for j, (_, _, members) in enumerate(coverage):
        row({n + j: 1.0} | {i: -1.0 for i in members}, -np.inf, 0)
    for j, (dim, _, members) in enumerate(capped):
        share = math.ceil(k / len(dims[dim][0]))
        row({i: 1.0 for i in members} | {n + len(coverage) + j: -1.0}, -np.inf, share)

    integrality = np.concatenate([np.ones(n + len(coverage)), np.zeros(len(capped))])
    upper_bounds = np.concatenate([np.ones(n + len(coverage)), np.full(len(capped), np.inf)])
    result = milp(
        c=-gain,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=integrality,
        bounds=Bounds(np.zeros(size), upper_bounds),
    )
    if result.x is None:  # infeasible cannot happen (k <= accounts); keep the answer total
        raise RuntimeError(f"seat proposal solver failed: {result.message}")
    chosen = {i for i in range(n) if result.x[i] > 0.5}
    proposal.chosen = sorted((pool[i] for i in chosen), key=lambda c: (-(c.arr or 0), c.member_id))
    taken_accounts = {c.account_id for c in proposal.chosen}
    for i, c in enumerate(pool):
        if i in chosen:
            continue
        why = (
            "a colleague from the same account is proposed"
            if c.account_id in taken_accounts
            else "others balance the board better"
        )
        proposal.left_out.append((c, why))
    picked = proposal.chosen
    proposal.segments = sorted({c.segment for c in picked if c.segment})
    proposal.regions = sorted({c.region for c in picked if c.region})
    proposal.arr_bands = sorted({arr_band(c.arr) for c in picked})
    proposal.products = sorted({p for c in picked for p in c.products})
    proposal.total_arr = sum((c.arr or Decimal(0) for c in picked), Decimal(0))
    return proposal
