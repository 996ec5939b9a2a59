"""A small community for the search tests: every space rule, staff with and without moderation,
a customer moderator, members of two customers, a beta program with a current and a former
member. Content is written through the forum services, so the outbox events are the real ones."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.worker import build_dispatcher
from domain.community.models import Post, Space, SpaceVisibility, Thread, ThreadKind
from domain.community.policies import CommunityRules
from domain.community.services import posting
from domain.identity import events as identity_events
from domain.identity.models import Account, AccountKind, Member, Role
from domain.identity.policies import Actor, actor_for
from domain.programs.models import (
    EnrolmentStatus,
    Program,
    ProgramEnrolment,
    ProgramKind,
    ProgramState,
)
from domain.shared.models import utcnow
from search.engine import SearchIndex
from search.indexer import search_consumers
from search.permissions import Viewer, viewer_for
from search.query import SearchRequest, SearchResult
from tests.support.community import create_space
from tests.support.factories import create_account, create_member, create_vendor

RULES = CommunityRules()
HOLD_NEW_MEMBERS = CommunityRules(hold_posts_below_trust_level=1)


@dataclass
class World:
    session: AsyncSession
    session_factory: async_sessionmaker[AsyncSession]
    index: SearchIndex
    people: dict[str, Member] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    spaces: dict[str, Space] = field(default_factory=dict)
    program: Program | None = None

    def actor(self, who: str) -> Actor:
        member = self.people[who]
        kind = next(a.kind for a in self.accounts.values() if a.id == member.account_id)
        return actor_for(member, kind)

    async def viewer(self, who: str) -> Viewer:
        return await viewer_for(self.session, self.actor(who))

    async def start(
        self,
        who: str,
        space: str,
        title: str,
        body: str,
        *,
        kind: ThreadKind = ThreadKind.DISCUSSION,
        tags: tuple[str, ...] = (),
        rules: CommunityRules = RULES,
    ) -> tuple[Thread, Post]:
        new = posting.NewThread(self.spaces[space].id, kind, title, body, list(tags))
        thread, post = await posting.start_thread(
            self.session, self.actor(who), rules, utcnow(), new
        )
        await self.session.commit()
        return thread, post

    async def reply(
        self, who: str, thread: Thread, body: str, *, rules: CommunityRules = RULES
    ) -> Post:
        post = await posting.reply(
            self.session, self.actor(who), rules, utcnow(), posting.NewReply(thread.id, body)
        )
        await self.session.commit()
        return post

    async def index_pending(self, index: SearchIndex | None = None) -> int:
        """Runs the outbox worker with the search consumers until nothing is pending."""
        dispatcher = build_dispatcher(self.session_factory, search_consumers(index or self.index))
        return await dispatcher.drain()

    async def search(self, who: str, query: str = "", **options: Any) -> SearchResult:
        viewer = await self.viewer(who)
        return await self.index.search(viewer, SearchRequest(query=query, **options))

    async def find(self, who: str, query: str = "", **options: Any) -> list[tuple[str, int]]:
        options.setdefault("limit", 100)
        result = await self.search(who, query, **options)
        return [(hit.type, hit.id) for hit in result.hits]


async def build_world(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], index: SearchIndex
) -> World:
    world = World(session, session_factory, index)
    vendor = await create_vendor(session)
    acme = await create_account(session, name="Acme")
    globex = await create_account(session, name="Globex")
    world.accounts = {"vendor": vendor, "acme": acme, "globex": globex}
    people: list[tuple[str, Account, set[Role], dict[str, Any]]] = [
        ("admin", vendor, {Role.ADMIN}, {"name": "Ada Admin"}),
        ("csm", vendor, {Role.CSM}, {"name": "Carl Success"}),
        ("mod", acme, {Role.MODERATOR}, {"name": "Mo Moderator"}),
        ("casey", acme, set(), {"name": "Casey Jones", "title": "Data engineer"}),
        ("newbie", acme, set(), {"name": "Nell Newcomer"}),
        ("gil", globex, set(), {"name": "Gil Grissom", "title": "Analytics lead"}),
        ("hana", globex, set(), {"name": "Hana Ito"}),
    ]
    for key, account, roles, values in people:
        world.people[key] = await create_member(session, account, roles, handle=key, **values)
    for member in world.people.values():
        identity_events.member_changed(session, identity_events.MEMBER_CREATED, member)
    assert vendor.kind is AccountKind.VENDOR

    program = Program(kind=ProgramKind.BETA, name="Nightjar beta", state=ProgramState.RUNNING)
    session.add(program)
    await session.flush()
    world.program = program
    session.add_all(
        [
            ProgramEnrolment(program_id=program.id, member_id=world.people["gil"].id),
            ProgramEnrolment(
                program_id=program.id,
                member_id=world.people["hana"].id,
                status=EnrolmentStatus.ENDED,
                ended_at=utcnow(),
            ),
        ]
    )
    world.spaces = {
        "general": await create_space(session, SpaceVisibility.PUBLIC),
        "help": await create_space(session, SpaceVisibility.PUBLIC),
        "staff": await create_space(session, SpaceVisibility.STAFF),
        "acme": await create_space(session, SpaceVisibility.ACCOUNT, account_id=acme.id),
        "beta": await create_space(session, SpaceVisibility.PROGRAM, program_id=program.id),
    }
    await session.commit()
    return world
