"""Merging at scale: the work is set-based (the statement count does not grow with the votes)
and stays exact both ways, proxy votes and dropped duplicates included."""

import base64
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from domain.feedback import events
from domain.feedback.models import IdeaVote, Importance, ProxySource
from domain.feedback.services import voting
from domain.identity.models import AccountKind, Role
from domain.identity.policies import actor_for
from domain.shared.outbox import OutboxEvent
from tests.feedback.world import MERGE, UNMERGE, Feedback
from tests.support.factories import create_account, create_member, create_vendor

LEVELS = (Importance.NICE_TO_HAVE, Importance.IMPORTANT, Importance.MUST_HAVE)
ARR = (Decimal("120000.50"), Decimal("30000.25"), None, Decimal("987654.99")) * 3


class Sent:
    """SQL sent: statements, and rows of parameters (an executemany sends one per row)."""

    def __init__(self) -> None:
        self.statements = self.rows = 0

    def on_execute(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            return
        self.statements += 1
        self.rows += len(parameters) if executemany else 1

    def reset(self) -> tuple[int, int]:
        counted = (self.statements, self.rows)
        self.statements = self.rows = 0
        return counted


@pytest.fixture
def sent(engine):  # type: ignore[no-untyped-def]
    counter = Sent()
    event.listen(engine.sync_engine, "before_cursor_execute", counter.on_execute)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter.on_execute)


@pytest.fixture
def fb(app, client):  # type: ignore[no-untyped-def]
    return Feedback(app, client)


@pytest.fixture
async def crowd(session):  # type: ignore[no-untyped-def]
    """A product manager and 12 accounts (3 without ARR) of 5 customers each."""
    vendor = await create_vendor(session)
    pm = await create_member(session, vendor, {Role.PRODUCT})
    accounts = [await create_account(session, arr=arr) for arr in ARR]
    members = [await create_member(session, accounts[i % len(ARR)]) for i in range(60)]
    return {"pm": pm, "members": members, "arr": {a.id: a.arr for a in accounts}}


def _int_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


async def _pair(fb, session, crowd, source_n: int, target_n: int, overlap: int):  # type: ignore[no-untyped-def]
    """A duplicate voted by the first `source_n` members and an original by `target_n` members,
    `overlap` of them on both (the last overlapping one by proxy, on the duplicate)."""
    members = crowd["members"]
    author = members[0]
    source = await fb.submit(author, f"Duplicate {source_n}")
    target = await fb.submit(author, f"Original {source_n}")
    on_source = members[:source_n]
    on_target = members[source_n - overlap : source_n - overlap + target_n]
    pm = actor_for(crowd["pm"], AccountKind.VENDOR)
    for i, member in enumerate(on_source):
        if i == source_n - 1 and overlap:
            proxy = voting.ProxyVote(
                _int_id(source), member.id, Importance.MUST_HAVE, ProxySource.CALL, "on a call"
            )
            await voting.record_proxy_vote(session, pm, proxy)
        else:
            actor = actor_for(member, AccountKind.CUSTOMER)
            await voting.vote(session, actor, _int_id(source), LEVELS[i % 3])
    for i, member in enumerate(on_target):
        actor = actor_for(member, AccountKind.CUSTOMER)
        await voting.vote(session, actor, _int_id(target), LEVELS[(i + 1) % 3])
    await session.commit()
    union = {m.id: m.account_id for m in on_source + on_target}
    accounts = set(union.values())
    arr = sum((crowd["arr"][a] or Decimal(0) for a in accounts), Decimal(0))
    return source, target, (len(union), len(accounts), f"{arr:.2f}")


async def _votes(session) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(IdeaVote).order_by(IdeaVote.id).execution_options(populate_existing=True)
    )
    return [
        (
            v.id,
            v.idea_id,
            v.member_id,
            v.account_id,
            v.importance,
            v.proxy,
            v.recorded_by_id,
            v.proxy_source,
            v.proxy_note,
            v.created_at,
        )
        for v in rows
    ]


async def test_merge_and_undo_take_the_same_statements_whatever_the_number_of_votes(
    fb, session, crowd, statements, sent
):
    pm = crowd["pm"]
    counts = {}
    for name, (source_n, target_n, overlap) in {"small": (2, 2, 1), "large": (48, 20, 9)}.items():
        # given
        source, target, (voters, accounts, arr) = await _pair(
            fb, session, crowd, source_n, target_n, overlap
        )
        before = {i: await fb.demand(pm, i) for i in (source, target)}
        votes_before = await _votes(session)

        # when merged
        statements.reset()
        sent.reset()
        body = await fb.call(pm, MERGE, {"i": {"sourceId": source, "targetId": target}})
        merge_statements, merge_rows = statements.count, sent.reset()

        # then each member and account counts once, the ARR of each account once
        assert body["data"]["mergeIdeas"]["userErrors"] == [], body
        merged = await fb.demand(pm, target)
        assert (merged["voterCount"], merged["accountCount"]) == (voters, accounts)
        assert merged["arr"]["amount"] == arr
        assert sum(merged["importanceCounts"].values()) == voters
        assert (await fb.demand(pm, source))["voterCount"] == 0
        event = await session.scalar(
            select(OutboxEvent)
            .where(OutboxEvent.topic == events.IDEA_MERGED)
            .order_by(OutboxEvent.id.desc())
            .limit(1)
        )
        assert event is not None
        assert (event.payload["moved_votes"], event.payload["dropped_votes"]) == (
            source_n - overlap,
            overlap,
        )
        # no vote moved or went: they count for the original where they were cast
        assert await _votes(session) == votes_before

        # when undone: every vote is back as it was (proxy details too), every number equal
        statements.reset()
        sent.reset()
        body = await fb.call(pm, UNMERGE, {"i": {"ideaId": source}})
        unmerge_statements, unmerge_rows = statements.count, sent.reset()
        assert body["data"]["unmergeIdea"]["userErrors"] == [], body
        assert await _votes(session) == votes_before
        assert {i: await fb.demand(pm, i) for i in (source, target)} == before
        counts[name] = (merge_statements, merge_rows, unmerge_statements, unmerge_rows)

    # a merge of 48 votes from 12 accounts runs exactly the statements a merge of 2 votes from
    # 3 accounts does, and sends no more rows of parameters (no vote or account goes through
    # Python, not even batched into an executemany)
    assert counts["small"] == counts["large"], counts


async def test_recomputed_demand_matches_what_votes_kept(fb, session, crowd):
    """The merge rebuilds demand with aggregate SQL; it must agree to the cent and the
    hundredth of a score with what the vote path keeps one vote at a time."""
    pm = crowd["pm"]
    _, target, _ = await _pair(fb, session, crowd, 30, 30, 0)
    incremental = await fb.demand(pm, target)
    # merging a vote-less idea into it rebuilds its demand from its votes alone
    empty = await fb.submit(crowd["members"][0], "Nothing yet")
    body = await fb.call(pm, MERGE, {"i": {"sourceId": empty, "targetId": target}})
    assert body["data"]["mergeIdeas"]["userErrors"] == [], body
    rebuilt = await fb.demand(pm, target)
    assert rebuilt == incremental
