"""The mentor pool live suggestions score, kept per process between requests.

Loading ten thousand mentor profiles (and decoding their lists) costs far more than scoring
them, so each process keeps the available mentors as one `Group` (numpy columns plus what the
criteria derive from them) and reuses it while the database's version tokens
(domain/matching/versions.py) are unchanged: one small query per request tells. A profile
change reloads the pool; a pair change re-reads only the seats taken (one grouped count).

The pool only proposes candidates. Suggestions check the best of them again against the rows
as they are now (domain/matching/services/suggestions.py), so a change the tokens do not track
(a member suspended, an account moved to another region) can never let a forbidden mentor
through; such a change only reaches the ranking when the pool is next loaded, at the latest
after `MAX_AGE_SECONDS`.
"""

import asyncio
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from domain.matching import repository, versions
from domain.matching.people import Group

MAX_AGE_SECONDS = 300.0
MAX_POOLS = 4  # one per database a process talks to (tests use two)


@dataclass(frozen=True)
class Pool:
    mentors: Group  # available mentors when loaded, in member id order; seats as of `pairs`
    capacity: np.ndarray  # per mentor, for re-reading the seats
    profiles: str  # the version tokens the pool reflects
    pairs: str
    day: date  # time zone offsets are the day's (daylight saving)
    loaded_at: float  # time.monotonic()


class PoolCache:
    def __init__(self, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self.max_age_seconds = max_age_seconds
        self._pools: OrderedDict[str, Pool] = OrderedDict()  # by profiles token
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.loads = 0  # full loads, for tests and benchmarks
        self.seat_loads = 0

    async def get(self, session: AsyncSession, now: datetime) -> Pool:
        # The tokens are read before the rows: a change committed in between makes the pool
        # newer than its tokens say, which costs one needless reload, never a stale pool.
        profiles, pairs = await versions.current(session)
        pool = self._fresh(profiles, pairs, now)
        if pool is not None:
            return pool
        async with self._lock():  # one load at a time; the others then find it done
            pool = self._fresh(profiles, pairs, now)
            if pool is not None:
                return pool
            pool = self._pools.get(profiles)
            if pool is not None and self._usable(pool, now):
                pool = await self._reload_seats(session, pool, pairs)
            else:
                pool = await self._load(session, profiles, pairs, now)
            self._pools[profiles] = pool
            self._pools.move_to_end(profiles)
            while len(self._pools) > MAX_POOLS:
                self._pools.popitem(last=False)
            return pool

    def clear(self) -> None:
        self._pools.clear()

    def _fresh(self, profiles: str, pairs: str, now: datetime) -> Pool | None:
        pool = self._pools.get(profiles)
        if pool is None or pool.pairs != pairs or not self._usable(pool, now):
            return None
        return pool

    def _usable(self, pool: Pool, now: datetime) -> bool:
        age = time.monotonic() - pool.loaded_at
        return pool.day == now.date() and age < self.max_age_seconds

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _load(self, session: AsyncSession, profiles: str, pairs: str, now: datetime) -> Pool:
        statement = repository.available_mentors(repository.people_statement())
        people = await repository.people(session, statement)
        mentors = Group(people, now)
        for attribute in ("products", "use_cases", "achieved_outcomes", "languages"):
            mentors.incidence(attribute)  # derive now, not in the first request to score
        for attribute in ("industry", "region"):
            mentors.label_codes(attribute)
        for attribute in ("member_ids", "account_ids", "offsets"):
            mentors.distinct(attribute)
        capacity = np.array([p.capacity for p in people], dtype=np.int64)
        self.loads += 1
        return Pool(mentors, capacity, profiles, pairs, now.date(), time.monotonic())

    async def _reload_seats(self, session: AsyncSession, pool: Pool, pairs: str) -> Pool:
        load = await repository.mentor_loads(session)
        taken = np.array([load.get(int(m), 0) for m in pool.mentors.member_ids], dtype=np.int64)
        free = np.maximum(pool.capacity - taken, 0)
        self.seat_loads += 1
        return Pool(
            pool.mentors.with_free_capacity(free),
            pool.capacity,
            pool.profiles,
            pairs,
            pool.day,
            pool.loaded_at,
        )


POOLS = PoolCache()
