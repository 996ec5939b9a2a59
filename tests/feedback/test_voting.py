"""The vote's hot path as the service runs it, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import select, text

from domain.feedback.errors import FeedbackErrorCode
from domain.feedback.models import Idea, IdeaAccountDemand, IdeaVisibility, Importance
from domain.feedback.services import voting
from domain.identity.models import AccountKind
from domain.identity.policies import actor_for
from domain.shared.errors import DomainError
from tests.feedback.world import people

# Lock the idea (with the weights), insert the vote, upsert the account's demand row, write
# the idea's counters, record the outbox event: whatever the idea, voter or importance. On
# PostgreSQL one more: the commit need not wait for the disk (domain/shared/database.py).
VOTE_STATEMENTS = 5


@pytest.fixture
async def world(session):
    return await people(session)


async def _idea(session, world, visibility=IdeaVisibility.PUBLIC) -> int:  # type: ignore[no-untyped-def]
    idea = Idea(
        title="Dark mode",
        product_area="Dashboards",
        author_id=world["casey"].id,
        visibility=visibility,
        account_id=world["acme"].id if visibility is IdeaVisibility.ACCOUNT else None,
    )
    session.add(idea)
    await session.flush()
    return idea.id


async def _vote(session, member, idea_id: int, importance: Importance) -> Idea:  # type: ignore[no-untyped-def]
    idea, _ = await voting.vote(
        session, actor_for(member, AccountKind.CUSTOMER), idea_id, importance
    )
    await session.flush()  # the outbox event goes out with the rest of the vote
    return idea


async def test_every_vote_sends_the_same_few_statements(session, world, statements):
    first, second = await _idea(session, world), await _idea(session, world)
    cases = [
        ("casey", first, Importance.MUST_HAVE),  # the idea's first vote
        ("dana", first, Importance.NICE_TO_HAVE),  # acme already counts: no new account
        ("gil", first, Importance.IMPORTANT),  # a second account joins
        ("gil", second, Importance.MUST_HAVE),  # the same voter on another idea
    ]
    for name, idea_id, importance in cases:
        # when a customer votes
        statements.reset()
        await _vote(session, world[name], idea_id, importance)
        # then the vote took exactly the hot path's statements
        expected = VOTE_STATEMENTS + (session.bind.dialect.name == "postgresql")
        assert statements.count == expected, (name, statements.sql)
    idea = await session.get(Idea, first)
    assert idea is not None
    counts = (idea.nice_to_have_count, idea.important_count, idea.must_have_count)
    assert (idea.voter_count, idea.account_count, counts) == (3, 2, (1, 1, 1))
    assert idea.arr_cents == 12_000_050 + 3_000_025


async def test_statements_built_once_still_check_each_voters_account(session, world):
    account_idea = await _idea(session, world, IdeaVisibility.ACCOUNT)
    # when acme's dana votes first (building the statement), then globex's gil tries
    await _vote(session, world["dana"], account_idea, Importance.IMPORTANT)
    with pytest.raises(DomainError) as refused:
        await _vote(session, world["gil"], account_idea, Importance.IMPORTANT)
    # then gil's vote is refused as if the idea did not exist, and only acme's demand counts
    assert refused.value.code is FeedbackErrorCode.NOT_FOUND
    rows = await session.execute(
        select(IdeaAccountDemand.account_id, IdeaAccountDemand.voter_count).where(
            IdeaAccountDemand.idea_id == account_idea
        )
    )
    assert [tuple(row) for row in rows] == [(world["acme"].id, 1)]


async def test_a_vote_commits_without_waiting_for_the_disk_on_postgresql(session, world):
    if session.bind.dialect.name != "postgresql":
        pytest.skip("SQLite (WAL, synchronous=NORMAL) never waits for the disk at commit")
    idea_id = await _idea(session, world)
    assert await session.scalar(text("SHOW synchronous_commit")) == "on"
    # when a customer votes
    await _vote(session, world["casey"], idea_id, Importance.IMPORTANT)
    # then its transaction commits without waiting for the flush (SET LOCAL: this one only)
    assert await session.scalar(text("SHOW synchronous_commit")) == "off"
