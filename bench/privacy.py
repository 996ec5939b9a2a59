"""Personal data export and erasure through GraphQL over HTTP, on a community of 2,000 members
where each measured member wrote 60 posts in 6 threads, reacted 40 times, has 30 notifications,
25 ledger entries, a consent, an advocate profile and a buddy profile.

    .venv/bin/python -m bench.privacy [--database-url URL] [--requests 30] [--warmup 3]

Scenarios: a member exporting their own data; an admin exporting other members' data (audited);
an admin erasing a different member each request (every context's eraser, consent withdrawal,
the outbox events). The statement counts must not grow with the member's data (one query per
table, not per row). **The database is wiped** (see bench/README.md).
"""

import argparse
import asyncio
import random
import sys
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from bench import harness, synthetic
from bench.harness import BENCH_DIR, BenchFailure
from domain.advocacy.models import (
    AdvocacyActivity,
    AdvocateProfile,
    ConsentRecord,
    ConsentScope,
    LedgerActivity,
    LedgerEntry,
    PointBalance,
    ProfileStatus,
)
from domain.community.models import (
    Notification,
    NotificationKind,
    Post,
    Reaction,
    ReactionKind,
    Space,
    SpaceVisibility,
    Thread,
    ThreadKind,
)
from domain.identity.models import MemberStatus
from domain.matching.models import BuddyProfile, BuddyRole
from domain.shared.database import create_engine, create_session_factory
from domain.shared.models import utcnow
from tests.support.ids import global_id

DEFAULT_URL = f"sqlite+aiosqlite:///{BENCH_DIR / 'privacy.db'}"
THREADS, POSTS_PER_THREAD, REACTIONS, NOTIFICATIONS, LEDGER = 6, 10, 40, 30, 25
EXPORT = "query($id: ID) { personalDataExport(memberId: $id) }"
ERASE = """
mutation($id: ID!) {
  eraseMember(input: {memberId: $id}) { alreadyErased member { name } userErrors { code } }
}
"""


class Rotating:
    """A scenario whose requests name one member after another from a list."""

    def __init__(self, name: str, token: str, query: str, member_ids: list[int] | None) -> None:
        self.name, self.token, self.query = name, token, query
        self.member_ids, self.next = member_ids, 0

    def payload(self) -> dict[str, Any]:
        if self.member_ids is None:
            return {"query": self.query, "variables": {}}
        member_id = self.member_ids[self.next % len(self.member_ids)]
        self.next += 1
        return {"query": self.query, "variables": {"id": global_id("Member", member_id)}}

    def observe(self, data: dict[str, Any]) -> None:
        if "eraseMember" in data:
            payload = data["eraseMember"]
            if payload["userErrors"] or payload["alreadyErased"]:
                raise BenchFailure(f"erasure did not run: {payload}")


async def _members_data(url: str, subjects: list[dict[str, Any]], others: list[int]) -> int:
    """Gives each subject their data; returns the posts written."""
    rng = random.Random(7)
    engine = create_engine(url)
    now = utcnow()
    posts = 0
    try:
        async with create_session_factory(engine)() as session:
            space = Space(
                slug="bench-privacy",
                name="Privacy bench",
                visibility=SpaceVisibility.PUBLIC,
                thread_count=0,
            )
            session.add(space)
            await session.flush()
            for subject in subjects:
                member_id, account_id = subject["id"], subject["account_id"]
                for _ in range(THREADS):
                    thread = Thread(
                        space_id=space.id,
                        author_id=member_id,
                        kind=ThreadKind.DISCUSSION,
                        title=f"Thread by {member_id}",
                        tags=[],
                        post_count=POSTS_PER_THREAD,
                        reply_count=POSTS_PER_THREAD - 1,
                        last_poster_id=member_id,
                        last_activity_at=now,
                    )
                    session.add(thread)
                    await session.flush()
                    session.add_all(
                        Post(
                            thread_id=thread.id,
                            number=n,
                            author_id=member_id,
                            body_markdown=f"post {n}",
                            body_html=f"<p>post {n}</p>",
                            excerpt=f"post {n}",
                        )
                        for n in range(1, POSTS_PER_THREAD + 1)
                    )
                    posts += POSTS_PER_THREAD
                await session.flush()
                reactable = rng.sample(range(1, posts + 1), min(REACTIONS, posts))
                session.add_all(
                    Reaction(post_id=post_id, member_id=member_id, kind=ReactionKind.LIKE)
                    for post_id in reactable
                )
                session.add_all(
                    Notification(
                        recipient_id=member_id,
                        kind=NotificationKind.REPLY,
                        actor_id=rng.choice(others),
                    )
                    for _ in range(NOTIFICATIONS)
                )
                session.add_all(
                    LedgerEntry(
                        dedupe_key=f"bench-{member_id}-{n}",
                        activity=LedgerActivity.FORUM_POST,
                        member_id=member_id,
                        account_id=account_id,
                        occurred_at=now - timedelta(days=n),
                        weight=Decimal("1.00"),
                        points=5,
                        source_type="Post",
                        source_id=n,
                    )
                    for n in range(LEDGER)
                )
                session.add(PointBalance(member_id=member_id, lifetime=125, spendable=125))
                session.add(
                    ConsentRecord(
                        scope=ConsentScope.MEMBER,
                        member_id=member_id,
                        account_id=account_id,
                        activity=AdvocacyActivity.TESTIMONIAL,
                        channels=["WEB"],
                        text_version="v1",
                        granted_at=now,
                    )
                )
                session.add(
                    AdvocateProfile(
                        member_id=member_id, account_id=account_id, status=ProfileStatus.ACTIVE
                    )
                )
                session.add(BuddyProfile(member_id=member_id, role=BuddyRole.MENTOR))
                await session.commit()
    finally:
        await engine.dispose()
    return posts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy", description=__doc__)
    parser.add_argument("--database-url", help=f"default: a new SQLite file, {DEFAULT_URL}")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    url = args.database_url or DEFAULT_URL
    try:
        data, rows = synthetic.load_with_rows(url, accounts=200, members=2_000)
        plain = [
            m
            for m in rows.members
            if m["status"] is MemberStatus.ACTIVE
            and m["id"] not in {r["member_id"] for r in rows.roles}
        ]
        per_scenario = args.requests + args.warmup
        subjects = plain[: 2 * per_scenario + 1]
        others = [m["id"] for m in plain[len(subjects) : len(subjects) + 100]]
        posts = asyncio.run(_members_data(url, subjects, others))
        print(f"{data.members} members; {len(subjects)} measured members, {posts} posts")
        app, counter = harness.bench_app(url)
        admin = app.state.tokens.issue(data.admin_id)
        own = app.state.tokens.issue(subjects[0]["id"])
        exported = [m["id"] for m in subjects[1 : per_scenario + 1]]
        erased = [m["id"] for m in subjects[per_scenario + 1 :]]
        scenarios = [
            Rotating("personalDataExport (own)", own, EXPORT, None),
            Rotating("personalDataExport (admin)", admin, EXPORT, exported),
            Rotating("eraseMember (admin)", admin, ERASE, erased),
        ]
        with harness.serving(app) as base_url, httpx.Client(base_url=base_url) as client:
            results = [
                harness.run(client, counter, s, args.warmup, args.requests) for s in scenarios
            ]
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    print("\n" + harness.machine_line(args.requests, args.warmup))
    harness.print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
