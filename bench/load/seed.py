"""The community the load test runs on: the forum benchmark's generator at a modest size,
members made trusted (so their posts earn points the check can add up), tokens, and the choice
of spaces, threads, posts and search words the users pick from."""

import asyncio
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api.auth.keys import SigningKeys
from api.auth.tokens import BondfireTokens
from api.settings import Settings
from bench import forum_load
from bench.forum_data import ForumSize
from domain.community.models import MemberStanding, Post, PostStatus, Space, SpaceVisibility, Thread
from domain.identity.models import Account, AccountKind, Member, MemberStatus
from domain.shared.database import create_engine

TOKEN_TTL_SECONDS = 6 * 3600
POSTS_TO_REACT_ON = 3000


@dataclass
class LoadData:
    """What the locust users pick from (written to a JSON file for locustfile.py)."""

    members: list[dict[str, Any]] = field(default_factory=list)  # id, token
    spaces: list[str] = field(default_factory=list)  # slugs of PUBLIC spaces
    space_ids: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)  # open threads in PUBLIC spaces
    posts: list[int] = field(default_factory=list)  # visible posts in them
    ideas: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))


def load_community(url: str, size: ForumSize, accounts: int, members: int, seed: int) -> None:
    """Wipes the database and loads the forum (bench/forum_load.py), then trusts every active
    customer member: points are withheld from untrusted members, which would leave the points
    check nothing to count."""
    forum_load.load(url, size, accounts, members, seed)
    asyncio.run(_trust_members(url))


async def _trust_members(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            ids = (await connection.scalars(_active_customers())).all()
            await connection.execute(
                MemberStanding.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {"member_id": i, "trust_level": 1, "posts_read": 20, "threads_created": 1}
                    for i in ids
                ],
            )
    finally:
        await engine.dispose()


def _active_customers() -> Any:
    return (
        select(Member.id)
        .join(Account, Account.id == Member.account_id)
        .where(Member.status == MemberStatus.ACTIVE, Account.kind == AccountKind.CUSTOMER)
        .order_by(Member.id)
    )


def choose(url: str, keys_dir: Path) -> LoadData:
    return asyncio.run(_choose(url, keys_dir))


async def _choose(url: str, keys_dir: Path) -> LoadData:
    settings = Settings(database_url=url, keys_dir=keys_dir, _env_file=None)  # type: ignore[call-arg]
    tokens = BondfireTokens(
        SigningKeys.load_or_create(keys_dir),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl_seconds=TOKEN_TTL_SECONDS,
        leeway=settings.clock_skew_seconds,
    )
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            member_ids = (await connection.scalars(_active_customers())).all()
            spaces = (
                await connection.execute(
                    select(Space.id, Space.slug)
                    .where(Space.visibility == SpaceVisibility.PUBLIC, Space.parent_id.is_(None))
                    .order_by(Space.id)
                )
            ).all()
            space_ids = [s.id for s in spaces]
            open_threads = (
                select(Thread.id)
                .where(
                    Thread.space_id.in_(space_ids),
                    Thread.locked.is_(False),
                    Thread.closed.is_(False),
                    Thread.hidden.is_(False),
                    Thread.deleted_at.is_(None),
                    Thread.merged_into_id.is_(None),
                    Thread.idea_id.is_(None),
                )
                .order_by(Thread.id)
            )
            threads = (await connection.scalars(open_threads)).all()
            posts = (
                await connection.scalars(
                    select(Post.id)
                    .where(
                        Post.thread_id.in_(open_threads.scalar_subquery()),
                        Post.status == PostStatus.VISIBLE,
                        Post.deleted_at.is_(None),
                    )
                    .order_by(Post.id)
                    .limit(POSTS_TO_REACT_ON)
                )
            ).all()
            titles = (await connection.scalars(select(Thread.title).limit(2000))).all()
    finally:
        await engine.dispose()
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    return LoadData(
        members=[{"id": m, "token": tokens.issue(m)} for m in member_ids],
        spaces=[s.slug for s in spaces],
        space_ids=space_ids,
        threads=list(threads),
        posts=list(posts),
        words=words,
    )
