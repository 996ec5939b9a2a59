"""A round's assignment: the maximum total score under the constraints and capacities.

Exact: the assignment problem on the capacity-expanded matrix (each mentor appears once per
free seat), solved by SciPy's `linear_sum_assignment` (shortest augmenting paths). A pair the
constraints forbid, or with nothing in common (score 0), is worth 0 there and is dropped from
the result: leaving both sides unmatched is worth the same, so the optimum is unchanged.
The greedy baseline is here too, for tests and the benchmark to compare against.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from domain.matching.criteria import DECIMALS


@dataclass(frozen=True)
class Assignment:
    pairs: list[tuple[int, int]]  # (mentee index, mentor index)
    total: float


def optimal_assignment(scores: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Each mentee gets at most one mentor, mentor j at most capacity[j] mentees, allowed pairs
    with a positive score only; the total score is as high as it can be."""
    eligible = allowed & (scores > 0) & (capacity[None, :] > 0)
    rows = np.flatnonzero(eligible.any(axis=1))
    columns = np.flatnonzero(eligible.any(axis=0))
    if not len(rows) or not len(columns):
        return Assignment([], 0.0)
    sub_eligible = eligible[np.ix_(rows, columns)]
    gain = np.where(sub_eligible, scores[np.ix_(rows, columns)], 0.0)
    # A mentor never needs more seats than the mentees they could take.
    seats = np.minimum(capacity[columns], sub_eligible.sum(axis=0))
    slots = np.repeat(np.arange(len(columns)), seats)
    expanded = gain[:, slots]
    row_index, slot_index = linear_sum_assignment(expanded, maximize=True)
    pairs = [
        (int(rows[r]), int(columns[slots[s]]))
        for r, s in zip(row_index.tolist(), slot_index.tolist(), strict=True)
        if sub_eligible[r, slots[s]]
    ]
    return Assignment(sorted(pairs), _total(scores, pairs))


def greedy_assignment(scores: np.ndarray, allowed: np.ndarray, capacity: np.ndarray) -> Assignment:
    """The baseline: best remaining pair first (ties: lower mentee, then mentor index), while
    both sides can still take it. Edges go in chunks; within one, those whose mentee is taken or
    whose mentor is full are dropped at once, so the Python loop sees few of them."""
    eligible = allowed & (scores > 0)
    flat = np.flatnonzero(eligible)
    order = flat[np.argsort(-scores.ravel()[flat], kind="stable")]
    mentors = scores.shape[1]
    free = capacity.astype(np.int64).copy()
    taken = np.zeros(scores.shape[0], dtype=bool)
    pairs = []
    for start in range(0, len(order), _CHUNK):
        chunk = order[start : start + _CHUNK]
        rows, columns = chunk // mentors, chunk % mentors
        keep = ~taken[rows] & (free[columns] > 0)
        for i, j in zip(rows[keep].tolist(), columns[keep].tolist(), strict=True):
            if not taken[i] and free[j] > 0:
                taken[i] = True
                free[j] -= 1
                pairs.append((i, j))
        if taken.all() or not free.any():
            break
    return Assignment(sorted(pairs), _total(scores, pairs))


_CHUNK = 20_000


def _total(scores: np.ndarray, pairs: list[tuple[int, int]]) -> float:
    return round(float(sum(scores[i, j] for i, j in pairs)), DECIMALS)
