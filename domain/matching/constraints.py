"""The hard constraints: the one function every mode asks before proposing or creating a pair.

`violations(mentees, mentors, facts, rules)` answers for every (mentee, mentor) combination at
once, as boolean matrices (mentees x mentors) per constraint: suggestions ask it for one mentee
and the cached mentor pool, then again for the best candidates as they are now; requests and
acceptances for one pair (1 x 1), rounds for everyone, and a round's publication asks it again,
pair by pair, against the state at that moment.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from domain.matching.people import Group, same_label


class Constraint(StrEnum):
    """In the order a single pair's first violation is reported."""

    SELF = "SELF"
    SAME_ACCOUNT = "SAME_ACCOUNT"
    COMPETITOR = "COMPETITOR"  # either account declared the other a competitor
    COMPETITOR_BY_RULE = "COMPETITOR_BY_RULE"  # same industry and region, when the rule is on
    MENTEE_UNAVAILABLE = "MENTEE_UNAVAILABLE"  # inactive, not opted in, paused or not a mentee
    MENTOR_UNAVAILABLE = "MENTOR_UNAVAILABLE"  # inactive, not opted in or not a mentor
    MENTOR_PAUSED = "MENTOR_PAUSED"
    MENTOR_AT_CAPACITY = "MENTOR_AT_CAPACITY"
    PREVIOUSLY_DECLINED = "PREVIOUSLY_DECLINED"  # declined or ended badly before
    ALREADY_PAIRED = "ALREADY_PAIRED"  # an open pair of the two exists


@dataclass(frozen=True)
class Rules:
    same_industry_region_competes: bool = True


@dataclass(frozen=True)
class Facts:
    """What the constraints need beyond the people: relations between them."""

    competitors: frozenset[tuple[int, int]] = frozenset()  # account pairs, as declared
    blocked: frozenset[tuple[int, int]] = frozenset()  # (mentor, mentee) declined/ended badly
    open_pairs: frozenset[tuple[int, int]] = frozenset()  # (mentor, mentee) still open
    # Extra capacity taken since the people were loaded (a round's publication, pair by pair).
    taken: dict[int, int] = field(default_factory=dict)


def violations(
    mentees: Group, mentors: Group, facts: Facts, rules: Rules
) -> dict[Constraint, np.ndarray]:
    """Each constraint's boolean matrix (mentees x mentors): True where the pair breaks it."""
    shape = (len(mentees), len(mentors))
    found: dict[Constraint, np.ndarray] = {}
    found[Constraint.SELF] = mentees.member_ids[:, None] == mentors.member_ids[None, :]
    found[Constraint.SAME_ACCOUNT] = mentees.account_ids[:, None] == mentors.account_ids[None, :]
    found[Constraint.COMPETITOR] = _pairs(
        mentees, mentors, "account_ids", _both_ways(facts.competitors)
    )
    by_rule = np.zeros(shape, dtype=bool)
    if rules.same_industry_region_competes:
        industry = same_label(mentees, mentors, "industry")
        region = same_label(mentees, mentors, "region")
        by_rule = industry & region
    found[Constraint.COMPETITOR_BY_RULE] = by_rule
    found[Constraint.MENTEE_UNAVAILABLE] = np.broadcast_to(
        ~mentees.available_mentee[:, None], shape
    )
    found[Constraint.MENTOR_UNAVAILABLE] = np.broadcast_to(
        ~mentors.available_mentor[None, :], shape
    )
    found[Constraint.MENTOR_PAUSED] = np.broadcast_to(mentors.paused[None, :], shape)
    free = mentors.free_capacity - _taken(mentors.member_ids, facts.taken)
    found[Constraint.MENTOR_AT_CAPACITY] = np.broadcast_to(free[None, :] <= 0, shape)
    found[Constraint.PREVIOUSLY_DECLINED] = _pairs(
        mentees, mentors, "member_ids", {(b, a) for a, b in facts.blocked}
    )
    found[Constraint.ALREADY_PAIRED] = _pairs(
        mentees, mentors, "member_ids", {(b, a) for a, b in facts.open_pairs}
    )
    return found


def allowed(mentees: Group, mentors: Group, facts: Facts, rules: Rules) -> np.ndarray:
    """True where no constraint is broken."""
    broken = np.zeros((len(mentees), len(mentors)), dtype=bool)
    for matrix in violations(mentees, mentors, facts, rules).values():
        broken |= matrix
    return ~broken


def first_violation(mentee: Group, mentor: Group, facts: Facts, rules: Rules) -> Constraint | None:
    """For one mentee and one mentor (groups of one): the first constraint broken, if any."""
    for constraint, matrix in violations(mentee, mentor, facts, rules).items():
        if bool(matrix[0, 0]):
            return constraint
    return None


def _both_ways(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    return {p for a, b in pairs for p in ((a, b), (b, a))}


def _pairs(rows: Group, columns: Group, attribute: str, pairs: set[tuple[int, int]]) -> np.ndarray:
    """True at (i, j) where (row i's, column j's `attribute`) is one of `pairs`: marked on a
    small matrix of the distinct values, then spread to every row and column holding them."""
    shape = (len(rows), len(columns))
    if not pairs or not shape[0] or not shape[1]:
        return np.zeros(shape, dtype=bool)
    row_values, row_codes = rows.distinct(attribute)
    column_values, column_codes = columns.distinct(attribute)
    listed = np.array(sorted(pairs), dtype=np.int64)
    known = np.isin(listed[:, 0], row_values) & np.isin(listed[:, 1], column_values)
    distinct = np.zeros((len(row_values), len(column_values)), dtype=bool)
    distinct[
        np.searchsorted(row_values, listed[known, 0]),
        np.searchsorted(column_values, listed[known, 1]),
    ] = True
    result: np.ndarray = distinct[row_codes][:, column_codes]
    return result


def _taken(member_ids: np.ndarray, taken: dict[int, int]) -> np.ndarray:
    """Seats taken since the people were loaded, per member."""
    extra = np.zeros(len(member_ids), dtype=np.int64)
    for member_id, count in taken.items():
        extra[member_ids == member_id] += count
    return extra
