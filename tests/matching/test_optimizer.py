"""The round's optimiser: exact on small instances (brute force), never below greedy on large
ones; and the constraint function on matrices."""

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest

from domain.matching.constraints import Constraint, Facts, Rules, allowed, violations
from domain.matching.models import BuddyRole
from domain.matching.optimizer import greedy_assignment, optimal_assignment
from domain.matching.people import Group, Person

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def brute_force(scores: np.ndarray, ok: np.ndarray, capacity: np.ndarray) -> float:
    """Every way to give each mentee one mentor or none, within capacities."""
    mentees, mentors = scores.shape
    best = 0.0
    for choice in itertools.product(range(-1, mentors), repeat=mentees):
        used = np.zeros(mentors, dtype=int)
        total = 0.0
        feasible = True
        for i, j in enumerate(choice):
            if j < 0:
                continue
            if not ok[i, j] or scores[i, j] <= 0:
                feasible = False
                break
            used[j] += 1
            total += scores[i, j]
        if feasible and (used <= capacity).all():
            best = max(best, total)
    return round(best, 4)


def instance(rng: np.random.Generator, mentees: int, mentors: int, max_capacity: int):
    # Coarse scores make many ties, where a greedy choice is most often wrong.
    scores = np.round(rng.integers(0, 8, size=(mentees, mentors)) * 0.5, 4)
    ok = rng.random((mentees, mentors)) > 0.25
    capacity = rng.integers(0, max_capacity + 1, size=mentors)
    return scores, ok, capacity


@pytest.mark.parametrize("seed", range(12))
def test_round_total_equals_brute_force_on_small_instances(seed):
    rng = np.random.default_rng(seed)
    scores, ok, capacity = instance(rng, int(rng.integers(2, 7)), int(rng.integers(1, 5)), 3)
    result = optimal_assignment(scores, ok, capacity)
    assert result.total == brute_force(scores, ok, capacity)
    # and the assignment itself is feasible
    assert len({i for i, _ in result.pairs}) == len(result.pairs)
    for i, j in result.pairs:
        assert ok[i, j] and scores[i, j] > 0
    counts = np.bincount([j for _, j in result.pairs], minlength=len(capacity))
    assert (counts <= capacity).all()


def test_greedy_can_be_beaten_and_the_optimiser_is_not():
    # mentee 0 likes both mentors; mentee 1 only mentor 0. Greedy gives mentor 0 to mentee 0.
    scores = np.array([[3.0, 2.5], [2.9, 0.0]])
    ok = np.ones((2, 2), dtype=bool)
    capacity = np.array([1, 1])
    assert greedy_assignment(scores, ok, capacity).total == 3.0
    assert optimal_assignment(scores, ok, capacity).total == 5.4


@pytest.mark.parametrize("seed", range(3))
def test_round_is_never_below_greedy_on_larger_instances(seed):
    rng = np.random.default_rng(100 + seed)
    scores, ok, capacity = instance(rng, 400, 80, 5)
    best = optimal_assignment(scores, ok, capacity)
    greedy = greedy_assignment(scores, ok, capacity)
    print(
        f"seed {seed}: optimum {best.total}, greedy {greedy.total}, "
        f"ratio {best.total / greedy.total:.4f}"
    )
    assert best.total >= greedy.total > 0


def person(member_id: int, account_id: int, **overrides) -> Person:
    values = {
        "member_id": member_id,
        "account_id": account_id,
        "active": True,
        "opted_in": True,
        "paused": False,
        "role": BuddyRole.BOTH,
        "capacity": 1,
        "load": 0,
        "industry": "Software",
        "region": f"Region {account_id}",
    }
    values.update(overrides)
    return Person(**values)


def test_every_constraint_on_a_matrix():
    mentees = Group([person(1, 10), person(2, 20), person(3, 30, paused=True)], NOW)
    mentors = Group(
        [
            person(1, 10),  # self
            person(4, 20),  # mentee 2's colleague
            person(5, 40),  # competitor of account 10 (declared by 40)
            person(6, 50, region="Region 20"),  # same industry and region as mentee 2
            person(7, 60, load=1),  # at capacity
            person(8, 70, paused=True),
            person(9, 80, opted_in=False),
            person(11, 90),  # declined mentee 2 before
            person(12, 95),  # fine for everyone available
        ],
        NOW,
    )
    facts = Facts(
        competitors=frozenset({(40, 10)}), blocked=frozenset({(11, 2)}), open_pairs=frozenset()
    )
    found = violations(mentees, mentors, facts, Rules(same_industry_region_competes=True))
    assert found[Constraint.SELF][0, 0]
    assert found[Constraint.SAME_ACCOUNT][1, 1]
    assert found[Constraint.COMPETITOR][0, 2] and not found[Constraint.COMPETITOR][1, 2]
    assert found[Constraint.COMPETITOR_BY_RULE][1, 3]
    assert found[Constraint.MENTOR_AT_CAPACITY][:, 4].all()
    assert found[Constraint.MENTOR_PAUSED][:, 5].all()
    assert found[Constraint.MENTOR_UNAVAILABLE][:, 6].all()
    assert (
        found[Constraint.PREVIOUSLY_DECLINED][1, 7]
        and not found[Constraint.PREVIOUSLY_DECLINED][0, 7]
    )
    assert found[Constraint.MENTEE_UNAVAILABLE][2].all()
    ok = allowed(mentees, mentors, facts, Rules(same_industry_region_competes=True))
    assert ok[0].tolist() == [False, True, False, True, False, False, False, True, True]
    assert ok[1].tolist() == [True, False, True, False, False, False, False, False, True]
    assert not ok[2].any()
    # the rule is configurable
    relaxed = allowed(mentees, mentors, facts, Rules(same_industry_region_competes=False))
    assert relaxed[1, 3]
