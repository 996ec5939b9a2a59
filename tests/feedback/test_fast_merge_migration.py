"""Migration 0014 converts merges in force between the old layout (votes moved to the original,
the duplicate's votes of members on both kept aside in idea_merge_votes) and the new one (votes
where they were cast, the duplicate pointing at its original), both ways, without losing a vote.

On its own SQLite file: the migration runs the same SQL on PostgreSQL, but the shared test
database cannot be migrated down while the session's other tests use it."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from domain.feedback.models import Idea, IdeaVisibility, IdeaVote, Importance
from domain.feedback.services import merging, voting
from domain.identity.models import AccountKind, Role
from domain.identity.policies import actor_for
from domain.shared.database import create_engine, create_session_factory
from migrations.runner import downgrade, upgrade
from tests.support.factories import create_account, create_member, create_vendor


async def _snapshot(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as c:
            votes = (await c.execute(text("SELECT id, idea_id, member_id FROM idea_votes"))).all()
            ideas = (
                await c.execute(
                    text(
                        "SELECT id, status, merged_into_id, voter_count, account_count, "
                        "arr_cents, impact_score FROM ideas ORDER BY id"
                    )
                )
            ).all()
            demand = (
                await c.execute(
                    text("SELECT * FROM idea_account_demand ORDER BY idea_id, account_id")
                )
            ).all()
    finally:
        await engine.dispose()
    return {"votes": sorted(votes), "ideas": ideas, "demand": demand}


async def _raw(url: str, sql: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as c:
            return list((await c.execute(text(sql))).all())
    finally:
        await engine.dispose()


async def test_merges_in_force_survive_a_downgrade_and_an_upgrade(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        vendor = await create_vendor(session)
        pm = actor_for(await create_member(session, vendor, {Role.PRODUCT}), AccountKind.VENDOR)
        acme = await create_account(session, arr=Decimal("1000.50"))
        globex = await create_account(session, arr=Decimal("20.25"))
        casey, dana = [await create_member(session, acme) for _ in range(2)]
        gil = await create_member(session, globex)
        ideas = [
            Idea(
                title=title,
                product_area="Core",
                author_id=casey.id,
                visibility=IdeaVisibility.PUBLIC,
            )
            for title in ("Original", "Duplicate", "Another duplicate")
        ]
        session.add_all(ideas)
        await session.flush()
        original, duplicate, another = (i.id for i in ideas)
        votes = [
            (casey, original, Importance.NICE_TO_HAVE),
            (casey, duplicate, Importance.MUST_HAVE),  # on both
            (dana, duplicate, Importance.IMPORTANT),
            (gil, another, Importance.IMPORTANT),
        ]
        for member, idea_id, level in votes:
            await voting.vote(session, actor_for(member, AccountKind.CUSTOMER), idea_id, level)
        now = datetime.now(UTC)
        await merging.merge(session, pm, another, duplicate, now)  # a chain: another -> dup
        await merging.merge(session, pm, duplicate, original, now)
        await session.commit()
    await engine.dispose()
    before = await _snapshot(url)

    # down: the old layout, as the old merges left it
    await asyncio.to_thread(downgrade, url, "0013")
    on_idea = await _raw(url, "SELECT idea_id, member_id FROM idea_votes ORDER BY id")
    assert on_idea == [(original, casey.id), (original, dana.id), (original, gil.id)]
    kept_aside = await _raw(
        url, "SELECT vote_id, dropped, member_id, importance FROM idea_merge_votes ORDER BY 1, 2"
    )
    assert [(dropped, member) for _, dropped, member, _ in kept_aside] == [
        (True, casey.id),
        (False, dana.id),
        (False, gil.id),  # moved by the first merge, then by the second
        (False, gil.id),
    ]
    assert (await _snapshot(url))["ideas"] == before["ideas"]

    # up again: every vote back where it was cast, with its id, and the same numbers
    await asyncio.to_thread(upgrade, url)
    assert await _snapshot(url) == before
    roots = await _raw(url, "SELECT id, merge_root_id FROM ideas ORDER BY id")
    assert roots == [(original, None), (duplicate, original), (another, original)]

    # and the merges undo exactly, in order
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        now = datetime.now(UTC)
        await merging.unmerge(session, pm, duplicate, now)
        await merging.unmerge(session, pm, another, now)
        await session.commit()
        counts = await session.execute(
            select(Idea.id, Idea.voter_count, Idea.account_count, Idea.arr_cents).order_by(Idea.id)
        )
        assert [tuple(c) for c in counts] == [
            (original, 1, 1, 100050),
            (duplicate, 2, 1, 100050),
            (another, 1, 1, 2025),
        ]
        assert len(list(await session.scalars(select(IdeaVote.id)))) == 4
    await engine.dispose()
