"""The people a matching looks at, as plain values and as column arrays for vectorised work.

Every mode (suggestions, requests, rounds) loads `Person` values through one query
(repository.people) and hands them to the same constraint and score functions.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from scipy import sparse

from domain.identity.models import EmployeeBand
from domain.matching.models import MATURITY_ORDER, BuddyRole, MaturityLevel

BAND_ORDER = {band: index for index, band in enumerate(EmployeeBand)}


@dataclass(frozen=True)
class Person:
    member_id: int
    account_id: int
    active: bool  # the member's status is ACTIVE
    opted_in: bool
    paused: bool
    role: BuddyRole
    capacity: int
    load: int  # mentees taken (accepted or active pairs, and published round proposals)
    industry: str | None = None
    region: str | None = None
    band: EmployeeBand | None = None
    timezone: str | None = None
    maturity: MaturityLevel = MaturityLevel.NEW
    products: tuple[str, ...] = ()
    use_cases: tuple[str, ...] = ()
    desired_outcomes: tuple[str, ...] = ()
    achieved_outcomes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    availability: str | None = None

    @property
    def mentors(self) -> bool:
        return self.role in (BuddyRole.MENTOR, BuddyRole.BOTH)

    @property
    def mentored(self) -> bool:
        return self.role in (BuddyRole.MENTEE, BuddyRole.BOTH)

    @property
    def free_capacity(self) -> int:
        return max(self.capacity - self.load, 0)


def normalised(values: Sequence[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values if v.strip())


@lru_cache(maxsize=1024)
def _offset_hours(timezone: str, day: str) -> float:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return float("nan")
    offset = datetime.fromisoformat(day).replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else float("nan")


def offset_hours(timezone: str | None, at: datetime) -> float:
    """UTC offset in hours on `at`'s day (daylight saving included); NaN when unknown."""
    if not timezone:
        return float("nan")
    return _offset_hours(timezone, at.date().isoformat())


@dataclass
class Group:
    """People as column arrays, one entry per person, in the order given. What the criteria
    derive from the people (normalised sets, label codes, incidence matrices) is computed once
    per group and kept, so a cached group (domain/matching/pool.py) is scored with numpy only."""

    people: list[Person]
    at: datetime
    member_ids: np.ndarray = field(init=False)
    account_ids: np.ndarray = field(init=False)
    bands: np.ndarray = field(init=False)  # -1: unknown
    offsets: np.ndarray = field(init=False)  # hours; NaN: unknown
    maturity: np.ndarray = field(init=False)
    free_capacity: np.ndarray = field(init=False)
    available_mentor: np.ndarray = field(init=False)
    available_mentee: np.ndarray = field(init=False)
    paused: np.ndarray = field(init=False)
    _derived: dict[tuple[str, str], Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        people = self.people
        self.member_ids = np.array([p.member_id for p in people], dtype=np.int64)
        self.account_ids = np.array([p.account_id for p in people], dtype=np.int64)
        self.bands = np.array(
            [BAND_ORDER[p.band] if p.band else -1 for p in people], dtype=np.int64
        )
        self.offsets = np.array([offset_hours(p.timezone, self.at) for p in people])
        self.maturity = np.array([MATURITY_ORDER[p.maturity] for p in people], dtype=np.int64)
        self.free_capacity = np.array([p.free_capacity for p in people], dtype=np.int64)
        self.available_mentor = np.array(
            [p.active and p.opted_in and p.mentors for p in people], dtype=bool
        )
        self.available_mentee = np.array(
            [p.active and p.opted_in and not p.paused and p.mentored for p in people], dtype=bool
        )
        self.paused = np.array([p.paused for p in people], dtype=bool)

    def __len__(self) -> int:
        return len(self.people)

    def with_free_capacity(self, free_capacity: np.ndarray) -> "Group":
        """The same people with other free seats; what is derived from them is shared."""
        group = copy.copy(self)
        group.free_capacity = free_capacity
        return group

    def sets(self, attribute: str) -> list[frozenset[str]]:
        key = ("sets", attribute)
        if key not in self._derived:
            self._derived[key] = [normalised(getattr(p, attribute)) for p in self.people]
        found: list[frozenset[str]] = self._derived[key]
        return found

    def labels(self, attribute: str) -> list[str | None]:
        key = ("labels", attribute)
        if key not in self._derived:
            values: list[str | None] = []
            for p in self.people:
                value = getattr(p, attribute)
                values.append(value.strip().casefold() if value else None)
            self._derived[key] = values
        found: list[str | None] = self._derived[key]
        return found

    def label_codes(self, attribute: str) -> tuple[dict[str, int], np.ndarray]:
        """The distinct labels (label -> code) and each person's code, -1 when unknown."""
        key = ("label_codes", attribute)
        if key not in self._derived:
            vocabulary: dict[str, int] = {}
            labels = self.labels(attribute)
            codes = np.array(
                [vocabulary.setdefault(v, len(vocabulary)) if v else -1 for v in labels],
                dtype=np.int64,
            )
            self._derived[key] = (vocabulary, codes)
        found: tuple[dict[str, int], np.ndarray] = self._derived[key]
        return found

    def distinct(self, attribute: str) -> tuple[np.ndarray, np.ndarray]:
        """The distinct values of a column array (e.g. "account_ids") and each person's index
        into them."""
        key = ("distinct", attribute)
        if key not in self._derived:
            values, codes = np.unique(getattr(self, attribute), return_inverse=True)
            self._derived[key] = (values, codes.reshape(-1))
        found: tuple[np.ndarray, np.ndarray] = self._derived[key]
        return found

    def incidence(self, attribute: str) -> "Incidence":
        """Who lists which of the items named under `attribute`."""
        key = ("incidence", attribute)
        if key not in self._derived:
            self._derived[key] = Incidence.of(self.sets(attribute))
        found: Incidence = self._derived[key]
        return found


@dataclass(frozen=True)
class Incidence:
    """A people x items 0/1 matrix, kept as the rows holding each item (few items per person,
    so this is small), with the columns a product needs made dense or sparse on demand."""

    items: dict[str, int]  # item -> column
    holders: list[np.ndarray]  # per column: the rows listing that item
    sizes: np.ndarray  # per row: how many items

    @classmethod
    def of(cls, sets: list[frozenset[str]]) -> "Incidence":
        items: dict[str, int] = {}
        holders: list[list[int]] = []
        for row, listed in enumerate(sets):
            for item in listed:
                column = items.setdefault(item, len(items))
                if column == len(holders):
                    holders.append([])
                holders[column].append(row)
        sizes = np.array([len(listed) for listed in sets], dtype=np.float32)
        return cls(items, [np.array(h, dtype=np.int64) for h in holders], sizes)

    def dense(self, columns: list[int]) -> np.ndarray:
        matrix = np.zeros((len(self.sizes), len(columns)), dtype=np.float32)
        for k, column in enumerate(columns):
            matrix[self.holders[column], k] = 1.0
        return matrix

    def sparse(self, columns: list[int]) -> sparse.csr_array:
        rows = [self.holders[column] for column in columns]
        keys = np.concatenate([np.full(len(r), k, dtype=np.int64) for k, r in enumerate(rows)])
        return sparse.csr_array(
            (np.ones(len(keys), dtype=np.float32), (np.concatenate(rows), keys)),
            shape=(len(self.sizes), len(columns)),
        )


def same_label(rows: Group, columns: Group, attribute: str) -> np.ndarray:
    """True at (i, j) where both have the label and it is the same (case-insensitive)."""
    row_vocabulary, row_codes = rows.label_codes(attribute)
    column_vocabulary, column_codes = columns.label_codes(attribute)
    # Each row label as a column code: -2 when no column has it; unknown rows -3. Unknown
    # columns are -1, so nothing matches them.
    translate = np.array(
        [column_vocabulary.get(label, -2) for label in row_vocabulary] + [-3], dtype=np.int64
    )
    mapped = translate[row_codes]  # code -1 (unknown) picks the trailing -3
    result: np.ndarray = mapped[:, None] == column_codes[None, :]
    return result
