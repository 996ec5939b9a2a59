"""Community test data: spaces, threads and posts inserted directly (services are tested apart)."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.markdown import excerpt, render
from domain.community.models import Post, Space, SpaceVisibility, Thread, ThreadKind
from domain.shared.models import utcnow

_counter = iter(range(1, 10**9))


async def create_space(
    session: AsyncSession, visibility: SpaceVisibility = SpaceVisibility.PUBLIC, **overrides: Any
) -> Space:
    n = next(_counter)
    space = Space(
        slug=f"space-{n}", name=f"Space {n}", visibility=visibility, thread_count=0, **overrides
    )
    session.add(space)
    await session.flush()
    return space


async def create_thread(
    session: AsyncSession,
    space: Space,
    author_id: int,
    *,
    replies: int = 0,
    kind: ThreadKind = ThreadKind.DISCUSSION,
    at: datetime | None = None,
    **overrides: Any,
) -> Thread:
    at = at or utcnow()
    n = next(_counter)
    thread = Thread(
        space_id=space.id,
        author_id=author_id,
        kind=kind,
        title=f"Thread {n}",
        tags=[],
        post_count=1 + replies,
        reply_count=replies,
        reaction_count=0,
        last_activity_at=at,
        last_poster_id=author_id,
        created_at=at,
        **overrides,
    )
    session.add(thread)
    await session.flush()
    posts = []
    for number in range(1, replies + 2):
        body = f"Post {number} of thread {n}"
        html = render(body).html
        posts.append(
            Post(
                thread_id=thread.id,
                number=number,
                author_id=author_id,
                body_markdown=body,
                body_html=html,
                excerpt=excerpt(html),
                reaction_count=0,
                created_at=at + timedelta(seconds=number),
            )
        )
    session.add_all(posts)
    await session.flush()
    thread.last_post_id = posts[-1].id  # as the services keep it: the newest visible post
    await session.flush()
    return thread
