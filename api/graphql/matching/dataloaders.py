"""Matching DataLoaders, fresh per request; the pair loader is bound to the viewer."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.identity.policies import Actor
from domain.matching import policies
from domain.matching.models import (
    BuddyPair,
    BuddyProfile,
    MatchingProgram,
    MeetupMember,
    PairFeedback,
)


class ProfileByMemberIdLoader(DataLoader[int, BuddyProfile | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[BuddyProfile | None]:
            rows = await session.scalars(
                select(BuddyProfile).where(BuddyProfile.member_id.in_(ids))
            )
            found = {p.member_id: p for p in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ReadablePairByIdLoader(DataLoader[int, BuddyPair | None]):
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        async def load(ids: Sequence[int]) -> list[BuddyPair | None]:
            if actor is None:
                return [None for _ in ids]
            rows = await session.scalars(
                policies.readable_pairs(actor, select(BuddyPair).where(BuddyPair.id.in_(ids)))
            )
            found = {p.id: p for p in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ProgramByIdLoader(DataLoader[int, MatchingProgram | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[MatchingProgram | None]:
            rows = await session.scalars(select(MatchingProgram).where(MatchingProgram.id.in_(ids)))
            found = {p.id: p for p in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class FeedbackByPairIdLoader(DataLoader[int, list[PairFeedback]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[PairFeedback]]:
            rows = await session.scalars(
                select(PairFeedback)
                .where(PairFeedback.pair_id.in_(ids))
                .order_by(PairFeedback.created_at, PairFeedback.member_id)
            )
            found: dict[int, list[PairFeedback]] = defaultdict(list)
            for row in rows:
                found[row.pair_id].append(row)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class MeetupMemberIdsLoader(DataLoader[int, list[int]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[int]]:
            rows = await session.execute(
                select(MeetupMember.meetup_id, MeetupMember.member_id)
                .where(MeetupMember.meetup_id.in_(ids))
                .order_by(MeetupMember.member_id)
            )
            found: dict[int, list[int]] = defaultdict(list)
            for meetup_id, member_id in rows:
                found[meetup_id].append(member_id)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class MatchingLoaders:
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        self.profile_by_member_id = ProfileByMemberIdLoader(session)
        self.readable_pair_by_id = ReadablePairByIdLoader(session, actor)
        self.program_by_id = ProgramByIdLoader(session)
        self.feedback_by_pair_id = FeedbackByPairIdLoader(session)
        self.meetup_member_ids = MeetupMemberIdsLoader(session)
