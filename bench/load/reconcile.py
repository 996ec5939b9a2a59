"""After the load: every counter equals what it was plus the writes the API accepted.

The locust users log each accepted write (JSON lines); the database is read before the load
(a snapshot) and after it, once the outbox is drained. Any disagreement is a lost, doubled or
half-done write.
"""

import asyncio
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.advocacy.models import LedgerActivity, LedgerEntry, PointBalance
from domain.community.models import Post, Reaction, Thread
from domain.feedback.models import Idea, IdeaAccountDemand, IdeaVote
from domain.identity.models import Account
from domain.shared.database import create_engine
from domain.shared.outbox import OutboxEvent


@dataclass
class Snapshot:
    threads: dict[int, tuple[int, int]] = field(default_factory=dict)  # post_count, reply_count
    last_post_id: int = 0
    reactions: dict[int, int] = field(default_factory=dict)  # post -> reaction_count
    voters: dict[int, int] = field(default_factory=dict)  # idea -> voter_count
    ledger: dict[str, int] = field(default_factory=dict)  # activity -> entries


@dataclass
class Writes:
    replies: Counter[int] = field(default_factory=Counter)  # thread -> accepted replies
    new_threads: set[int] = field(default_factory=set)
    posts: list[int] = field(default_factory=list)  # every accepted post (replies, openers)
    reactions: Counter[int] = field(default_factory=Counter)  # post -> accepted reactions
    votes: Counter[int] = field(default_factory=Counter)  # idea -> accepted votes

    @classmethod
    def read(cls, paths: Iterable[Path]) -> "Writes":
        writes = cls()
        for path in paths:
            for line in path.read_text().splitlines():
                write = json.loads(line)
                if write["kind"] == "reply":
                    writes.replies[write["thread"]] += 1
                    writes.posts.append(write["post"])
                elif write["kind"] == "thread":
                    writes.new_threads.add(write["thread"])
                    writes.posts.append(write["post"])
                elif write["kind"] == "reaction":
                    writes.reactions[write["post"]] += 1
                elif write["kind"] == "vote":
                    writes.votes[write["idea"]] += 1
        return writes

    def summary(self) -> str:
        return (
            f"{sum(self.replies.values())} replies, {len(self.new_threads)} threads, "
            f"{sum(self.reactions.values())} reactions, {sum(self.votes.values())} votes accepted"
        )


def snapshot(url: str, posts: list[int], ideas: list[int]) -> Snapshot:
    return asyncio.run(_with_connection(url, lambda c: _snapshot(c, posts, ideas)))


async def _with_connection(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await work(connection)
    finally:
        await engine.dispose()


async def _snapshot(connection: AsyncConnection, posts: list[int], ideas: list[int]) -> Snapshot:
    rows = await connection.execute(select(Thread.id, Thread.post_count, Thread.reply_count))
    reactions = await connection.execute(
        select(Post.id, Post.reaction_count).where(Post.id.in_(posts))
    )
    voters = await connection.execute(select(Idea.id, Idea.voter_count).where(Idea.id.in_(ideas)))
    ledger = await connection.execute(
        select(LedgerEntry.activity, func.count()).group_by(LedgerEntry.activity)
    )
    return Snapshot(
        threads={r.id: (r.post_count, r.reply_count) for r in rows},
        last_post_id=int(await connection.scalar(select(func.max(Post.id))) or 0),
        reactions=dict(reactions.tuples().all()),
        voters=dict(voters.tuples().all()),
        ledger={str(a): n for a, n in ledger.tuples().all()},
    )


def outbox_backlog(url: str) -> tuple[int, int]:
    """(events still to handle, events parked after failing too often or retrying)."""

    async def count(connection: AsyncConnection) -> tuple[int, int]:
        pending = await connection.scalar(
            select(func.count()).where(OutboxEvent.processed_at.is_(None))
        )
        failing = await connection.scalar(
            select(func.count()).where(OutboxEvent.processed_at.is_(None), OutboxEvent.attempts > 0)
        )
        return int(pending or 0), int(failing or 0)

    result: tuple[int, int] = asyncio.run(_with_connection(url, count))
    return result


def check(url: str, before: Snapshot, writes: Writes) -> list[str]:
    """Every disagreement between the counters and the accepted writes, as a sentence."""
    problems: list[str] = asyncio.run(_with_connection(url, lambda c: _check(c, before, writes)))
    return problems


async def _check(connection: AsyncConnection, before: Snapshot, writes: Writes) -> list[str]:
    problems: list[str] = []
    problems += await _check_threads(connection, before, writes)
    problems += await _check_reactions(connection, before, writes)
    problems += await _check_ideas(connection, before, writes)
    problems += await _check_points(connection, before, writes)
    return problems


async def _check_threads(connection: AsyncConnection, before: Snapshot, w: Writes) -> list[str]:
    problems = []
    touched = set(w.replies) | w.new_threads
    rows = await connection.execute(
        select(Thread.id, Thread.post_count, Thread.reply_count).where(Thread.id.in_(touched))
    )
    now = {r.id: (r.post_count, r.reply_count) for r in rows}
    new_posts = dict(
        (
            await connection.execute(
                select(Post.thread_id, func.count())
                .where(Post.id > before.last_post_id)
                .group_by(Post.thread_id)
            )
        )
        .tuples()
        .all()
    )
    for thread in sorted(touched | set(new_posts)):
        opened = 1 if thread in w.new_threads else 0
        expected_posts = opened + w.replies[thread]
        old_posts, old_replies = before.threads.get(thread, (0, 0))
        post_count, reply_count = now.get(thread, (0, 0))
        if new_posts.get(thread, 0) != expected_posts:
            problems.append(
                f"thread {thread}: {new_posts.get(thread, 0)} new post rows,"
                f" {expected_posts} accepted"
            )
        if (
            post_count - old_posts != expected_posts
            or reply_count - old_replies != w.replies[thread]
        ):
            problems.append(
                f"thread {thread}: post_count {old_posts}->{post_count}, reply_count"
                f" {old_replies}->{reply_count}; accepted {expected_posts} posts,"
                f" {w.replies[thread]} replies"
            )
    return problems


async def _check_reactions(connection: AsyncConnection, before: Snapshot, w: Writes) -> list[str]:
    problems = []
    counts = dict(
        (
            await connection.execute(
                select(Post.id, Post.reaction_count).where(Post.id.in_(list(w.reactions)))
            )
        )
        .tuples()
        .all()
    )
    rows = dict(
        (
            await connection.execute(
                select(Reaction.post_id, func.count())
                .where(Reaction.post_id.in_(list(w.reactions)))
                .group_by(Reaction.post_id)
            )
        )
        .tuples()
        .all()
    )
    for post, accepted in sorted(w.reactions.items()):
        old = before.reactions.get(post, 0)
        if counts.get(post, 0) - old != accepted:
            problems.append(
                f"post {post}: reaction_count {old}->{counts.get(post)}, {accepted} accepted"
            )
        if rows.get(post, 0) != counts.get(post, 0):
            problems.append(
                f"post {post}: reaction_count {counts.get(post)} but {rows.get(post, 0)} rows"
            )
    return problems


async def _check_ideas(connection: AsyncConnection, before: Snapshot, w: Writes) -> list[str]:
    problems = []
    ideas = list(before.voters)
    stored = {
        r.id: r
        for r in await connection.execute(
            select(Idea.id, Idea.voter_count, Idea.account_count, Idea.arr_cents).where(
                Idea.id.in_(ideas)
            )
        )
    }
    votes = dict(
        (
            await connection.execute(
                select(IdeaVote.idea_id, func.count())
                .where(IdeaVote.idea_id.in_(ideas))
                .group_by(IdeaVote.idea_id)
            )
        )
        .tuples()
        .all()
    )
    accounts = dict(
        (
            await connection.execute(
                select(IdeaVote.idea_id, func.count(distinct(IdeaVote.account_id)))
                .where(IdeaVote.idea_id.in_(ideas))
                .group_by(IdeaVote.idea_id)
            )
        )
        .tuples()
        .all()
    )
    # ARR counts once per account, whatever the number of its voters (README, Feedback)
    voting_accounts = (
        select(IdeaVote.idea_id, IdeaVote.account_id).distinct().subquery("voting_accounts")
    )
    arr = dict(
        (
            await connection.execute(
                select(
                    voting_accounts.c.idea_id,
                    func.coalesce(func.sum(func.round(func.coalesce(Account.arr, 0) * 100)), 0),
                )
                .join(Account, Account.id == voting_accounts.c.account_id)
                .group_by(voting_accounts.c.idea_id)
            )
        )
        .tuples()
        .all()
    )
    demand = dict(
        (
            await connection.execute(
                select(IdeaAccountDemand.idea_id, func.sum(IdeaAccountDemand.arr_cents)).group_by(
                    IdeaAccountDemand.idea_id
                )
            )
        )
        .tuples()
        .all()
    )
    for idea in ideas:
        row = stored[idea]
        old = before.voters.get(idea, 0)
        if row.voter_count - old != w.votes[idea]:
            problems.append(f"idea {idea}: voters {old}->{row.voter_count}, {w.votes[idea]} votes")
        if row.voter_count != votes.get(idea, 0):
            problems.append(f"idea {idea}: voter_count {row.voter_count}, {votes.get(idea)} rows")
        if row.account_count != accounts.get(idea, 0):
            problems.append(f"idea {idea}: account_count {row.account_count}, {accounts.get(idea)}")
        expected_arr = int(arr.get(idea, 0))
        if row.arr_cents != expected_arr or int(demand.get(idea) or 0) != expected_arr:
            problems.append(
                f"idea {idea}: arr_cents {row.arr_cents}, per-account rows"
                f" {demand.get(idea)}, accounts' ARR {expected_arr}"
            )
    return problems


async def _check_points(connection: AsyncConnection, before: Snapshot, w: Writes) -> list[str]:
    problems = []
    rows = await connection.execute(
        select(LedgerEntry.activity, func.count()).group_by(LedgerEntry.activity)
    )
    ledger = {str(activity): n for activity, n in rows.tuples().all()}
    for activity, accepted in [
        (LedgerActivity.FORUM_POST, len(w.posts)),
        (LedgerActivity.IDEA_VOTE, sum(w.votes.values())),
    ]:
        grown = ledger.get(str(activity), 0) - before.ledger.get(str(activity), 0)
        if grown != accepted:
            problems.append(f"ledger {activity}: {grown} new entries, {accepted} accepted writes")
    per_post = await connection.scalar(
        select(func.count(distinct(LedgerEntry.source_id))).where(
            LedgerEntry.activity == LedgerActivity.FORUM_POST,
            LedgerEntry.source_id.in_(w.posts),
        )
    )
    if per_post != len(set(w.posts)):
        problems.append(f"ledger: {per_post} of {len(set(w.posts))} accepted posts recorded")
    earned = dict(
        (
            await connection.execute(
                select(LedgerEntry.member_id, func.sum(LedgerEntry.points)).group_by(
                    LedgerEntry.member_id
                )
            )
        )
        .tuples()
        .all()
    )
    balances = dict(
        (await connection.execute(select(PointBalance.member_id, PointBalance.lifetime)))
        .tuples()
        .all()
    )
    for member in sorted(set(earned) | set(balances)):
        if int(earned.get(member) or 0) != int(balances.get(member) or 0):
            problems.append(
                f"member {member}: lifetime points {balances.get(member)},"
                f" ledger sum {earned.get(member)}"
            )
    return problems
