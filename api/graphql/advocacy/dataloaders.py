"""Advocacy DataLoaders, fresh per request and bound to the viewer where visibility matters."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.advocacy import policies
from domain.advocacy.event_models import EventSession, SessionSpeaker
from domain.advocacy.models import ConsentRecord, ConsentScope, Reward
from domain.advocacy.services.consent import consents_for
from domain.identity.policies import Actor


class ReadableByIdLoader(DataLoader[int, Any]):
    """Rows of one advocacy model by id, through the policy's readable statement."""

    def __init__(self, session: AsyncSession, actor: Actor, model: type, now: datetime) -> None:
        async def load(ids: Sequence[int]) -> list[Any]:
            statement = policies.readable(actor, model, now).where(model.id.in_(ids))  # type: ignore[attr-defined]
            found = {row.id: row for row in await session.scalars(statement)}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ConsentsByOwnerLoader(DataLoader[tuple[int, int], list[ConsentRecord]]):
    """Every consent of (member, account): the member's own and the account's logo consents.
    Assets compute whether they are usable from these, one query for a whole page."""

    def __init__(self, session: AsyncSession) -> None:
        async def load(keys: Sequence[tuple[int, int]]) -> list[list[ConsentRecord]]:
            rows = await consents_for(
                session, sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
            )
            by_member: dict[int, list[ConsentRecord]] = defaultdict(list)
            by_account: dict[int, list[ConsentRecord]] = defaultdict(list)
            for row in rows:
                if row.scope is ConsentScope.ACCOUNT:
                    by_account[row.account_id].append(row)
                elif row.member_id is not None:
                    by_member[row.member_id].append(row)
            return [by_member[m] + by_account[a] for m, a in keys]

        super().__init__(load_fn=load)


class SessionsByEventLoader(DataLoader[int, list[EventSession]]):
    """The sessions of events the viewer may read, by start time, through the policy."""

    def __init__(self, session: AsyncSession, actor: Actor, now: datetime) -> None:
        async def load(event_ids: Sequence[int]) -> list[list[EventSession]]:
            statement = (
                policies.readable(actor, EventSession, now)
                .where(EventSession.event_id.in_(event_ids))
                .order_by(EventSession.starts_at, EventSession.id)
            )
            found: dict[int, list[EventSession]] = defaultdict(list)
            for row in await session.scalars(statement):
                found[row.event_id].append(row)
            return [found[i] for i in event_ids]

        super().__init__(load_fn=load)


class SpeakersBySessionLoader(DataLoader[int, list[SessionSpeaker]]):
    """Speakers of sessions already read through the policy (co-speakers see each other)."""

    def __init__(self, session: AsyncSession) -> None:
        async def load(session_ids: Sequence[int]) -> list[list[SessionSpeaker]]:
            statement = (
                select(SessionSpeaker)
                .where(SessionSpeaker.session_id.in_(session_ids))
                .order_by(SessionSpeaker.id)
            )
            found: dict[int, list[SessionSpeaker]] = defaultdict(list)
            for row in await session.scalars(statement):
                found[row.session_id].append(row)
            return [found[i] for i in session_ids]

        super().__init__(load_fn=load)


class RewardByIdLoader(DataLoader[int, Reward | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Reward | None]:
            found = {
                r.id: r for r in await session.scalars(select(Reward).where(Reward.id.in_(ids)))
            }
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class AdvocacyLoaders:
    def __init__(self, session: AsyncSession, actor: Actor | None, now: datetime) -> None:
        self._session = session
        self._actor = actor
        self._now = now
        self._readable: dict[type, ReadableByIdLoader] = {}
        self.consents_by_owner = ConsentsByOwnerLoader(session)
        self.reward_by_id = RewardByIdLoader(session)
        self.speakers_by_session = SpeakersBySessionLoader(session)
        self._sessions_by_event: SessionsByEventLoader | None = None

    @property
    def sessions_by_event(self) -> SessionsByEventLoader:
        if self._actor is None:
            raise RuntimeError("readable loaders need a viewer")
        if self._sessions_by_event is None:
            self._sessions_by_event = SessionsByEventLoader(self._session, self._actor, self._now)
        return self._sessions_by_event

    def readable(self, model: type) -> ReadableByIdLoader:
        if self._actor is None:
            raise RuntimeError("readable loaders need a viewer")
        if model not in self._readable:
            self._readable[model] = ReadableByIdLoader(self._session, self._actor, model, self._now)
        return self._readable[model]
