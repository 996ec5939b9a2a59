"""Synthetic forums on top of the identity data set: spaces, threads, posts, reactions, reads.

Deterministic for a given seed. Rows are tuples in the column order of `COLUMNS`, so a million
posts fit in a few hundred MB and go to the database without per-row dictionaries on PostgreSQL.
Every denormalised counter (post, reply and reaction counts, last activity and poster, the
last-post pointer, a space's thread count and last activity) is computed from the rows
themselves, as the services keep them.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

from bench import synthetic
from domain.identity.models import MemberStatus

SEED = synthetic.SEED + 1
END = datetime(2026, 11, 1, tzinfo=UTC)  # the data's "now"; three years of history before it
SPAN_SECONDS = 3 * 365 * 86_400
RECENT_SECONDS = 30 * 86_400

COLUMNS: dict[str, list[str]] = {
    "spaces": (
        "id parent_id slug name description visibility program_id account_id position "
        "thread_count last_activity_at created_at"
    ).split(),
    "threads": (
        "id space_id author_id kind title tags idea_id pinned locked closed hidden deleted_at "
        "merged_into_id accepted_post_id post_count reply_count reaction_count last_activity_at "
        "last_poster_id created_at last_post_id view_count"
    ).split(),
    "posts": (
        "id thread_id number author_id parent_id quoted_post_id body_markdown body_html status "
        "reaction_count edited_at deleted_at deleted_by_id created_at excerpt"
    ).split(),
    "reactions": "post_id member_id kind created_at".split(),
    "thread_reads": "member_id thread_id last_read_number read_at".split(),
}

TOPICS = (
    "getting-started api billing integrations analytics workflows security mobile reporting "
    "admin sso webhooks data-export performance dashboards automation notifications search "
    "permissions onboarding sdk release-notes feature-requests best-practices troubleshooting"
).split()
TAGS = "bug how-to question feedback beta sso api billing performance ux export mobile".split()
SUBJECTS = (
    "the export job|SSO with Okta|webhook retries|the new dashboard|rate limits|CSV imports|"
    "custom fields|the mobile app|audit logs|API pagination|scheduled reports|user roles|"
    "the billing page|Slack alerts|data retention|the search index"
).split("|")
OPENERS = (
    "How do I configure|Problem with|Best way to use|Feature request:|Anyone else seeing issues "
    "with|Tips for|Question about|Slow response from|Announcing changes to|Feedback on"
).split("|")
SENTENCES = (
    "Thanks, that fixed it for us.|We see the same thing since the last release.|"
    "Have you tried clearing the cache and signing in again?|Any update on this one?|"
    "+1, this would save our team hours every week.|Here is the workaround we use for now.|"
    "Could you share the request id from the error?|This is on the roadmap for next quarter.|"
    "We moved to the new API and it is much faster.|Same question here, following.|"
    "It works if you set the timeout to 30 seconds.|Marking this as solved, thanks all!"
).split("|")
# (values, weights)
THREAD_KINDS = (("DISCUSSION", "QUESTION", "ANNOUNCEMENT", "IDEA_LINK"), (60, 30, 5, 5))
REACTION_KINDS = (("LIKE", "HEART", "CELEBRATE", "INSIGHTFUL", "EYES"), (50, 15, 10, 15, 10))


@dataclass(frozen=True)
class ForumSize:
    spaces: int
    threads: int
    posts: int

    def __post_init__(self) -> None:
        if not 1 <= self.spaces <= self.threads <= self.posts:
            raise ValueError("need 1 <= spaces <= threads <= posts")


@dataclass
class ForumRows:
    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    accepted: list[dict[str, int]] = field(default_factory=list)  # set after the posts exist
    readable_slugs: list[str] = field(default_factory=list)  # spaces the viewer may read
    biggest_slug: str = ""
    biggest_threads: int = 0


def generate(
    identity: synthetic.Rows, size: ForumSize, viewer_id: int, seed: int = SEED
) -> ForumRows:
    rng = random.Random(seed)
    active = [m["id"] for m in identity.members if m["status"] is MemberStatus.ACTIVE]
    viewer_account = next(m["account_id"] for m in identity.members if m["id"] == viewer_id)
    customer_accounts = sorted({m["account_id"] for m in identity.members} - {1, viewer_account})
    rows = ForumRows(tables={name: [] for name in COLUMNS})
    spaces = _spaces(rng, size.spaces, viewer_account, customer_accounts)

    # Threads: spaces by Zipf weight (the biggest gets about a sixth), ids in creation order.
    space_weights = list(accumulate(1 / (rank + 1) for rank in range(size.spaces)))
    space_of = rng.choices(range(size.spaces), cum_weights=space_weights, k=size.threads)
    created = sorted(rng.random() * SPAN_SECONDS for _ in range(size.threads))
    # Replies: a few long threads, many with none; authors: a few prolific posters.
    thread_weights = list(accumulate(min(rng.paretovariate(1.3), 300.0) for _ in created))
    replies = [0] * size.threads
    for i in rng.choices(
        range(size.threads), cum_weights=thread_weights, k=size.posts - size.threads
    ):
        replies[i] += 1
    author_weights = list(accumulate(min(rng.paretovariate(1.1), 1_000.0) for _ in active))
    authors = iter(rng.choices(active, cum_weights=author_weights, k=size.posts))
    pinned = {
        rng.choice(members)
        for members in _threads_by_space(space_of, size.spaces)
        if members and rng.random() < 0.3
    }

    post_id = 0
    for index, (space, start) in enumerate(zip(space_of, created, strict=True)):
        thread_id = index + 1
        space_row = spaces[space]
        readable = space_row["readable"]
        n = 1 + replies[index]
        times = _post_times(rng, start, n)
        authors_here = [next(authors) for _ in range(n)]
        statuses = ["VISIBLE"] + [_status(rng) for _ in range(n - 1)]
        deleted = [False] + [rng.random() < 0.005 for _ in range(n - 1)]
        shown = [i for i in range(n) if statuses[i] == "VISIBLE" and not deleted[i]]
        last = shown[-1]
        recent = times[last] >= SPAN_SECONDS - RECENT_SECONDS
        hidden, thread_deleted = rng.random() < 0.01, rng.random() < 0.005
        seen_by_viewer = readable and not hidden and not thread_deleted
        viewer_reacts = seen_by_viewer and rng.random() < (0.25 if recent else 0.02)

        first_post_id = post_id + 1
        opening_reactions = 0
        for i in range(n):
            post_id += 1
            at = _at(times[i])
            count = _reactions(rng, rows, post_id, viewer_id, active, at)
            if i == 0 and viewer_reacts:
                for kind in ("LIKE", "HEART")[: rng.choice((1, 1, 2))]:
                    rows.tables["reactions"].append((post_id, viewer_id, kind, at))
                    count += 1
            if i == 0:
                opening_reactions = count
            body = rng.choice(SENTENCES)
            rows.tables["posts"].append(
                (
                    post_id,
                    thread_id,
                    i + 1,
                    authors_here[i],
                    None,
                    None,
                    body,
                    f"<p>{body}</p>",
                    statuses[i],
                    count,
                    None,
                    _at(times[i] + 3_600) if deleted[i] else None,
                    authors_here[i] if deleted[i] else None,
                    at,
                    body,
                )
            )  # fmt: skip  (a one-sentence body is its own excerpt)
        kind = rng.choices(*THREAD_KINDS)[0]
        if kind == "QUESTION" and len(shown) > 1 and rng.random() < 0.4:
            rows.accepted.append(
                {"b_id": thread_id, "b_post": first_post_id + rng.choice(shown[1:])}
            )
        rows.tables["threads"].append(
            (thread_id, space_row["id"], authors_here[0], kind, _title(rng),
             sorted(rng.sample(TAGS, rng.randint(0, 3))),
             rng.randrange(1, 5_000) if kind == "IDEA_LINK" else None,
             thread_id in pinned, rng.random() < 0.02, rng.random() < 0.03, hidden,
             _at(start + 86_400) if thread_deleted else None, None, None,
             n, len(shown) - 1, opening_reactions, _at(times[last]), authors_here[last], _at(start),
             first_post_id + last, int(n * rng.uniform(3, 30)))
        )  # fmt: skip
        if not thread_deleted:
            space_row["thread_count"] += 1
            if not hidden:
                space_row["last_activity"] = max(space_row["last_activity"], times[last])
        if seen_by_viewer and rng.random() < (0.5 if recent else 0.03):
            read = n if rng.random() < 0.6 else rng.randint(1, n)
            rows.tables["thread_reads"].append((viewer_id, thread_id, read, _at(times[last])))

    _other_reads(rng, rows, size, viewer_id, active)
    for s in spaces:
        rows.tables["spaces"].append(
            (s["id"], None, s["slug"], s["name"], f"Everything about {s['topic']}.",
             s["visibility"], None, s["account_id"], s["id"], s["thread_count"],
             _at(s["last_activity"]) if s["last_activity"] >= 0 else None, _at(0))
        )  # fmt: skip
    counts = [s["thread_count"] for s in spaces]
    rows.biggest_slug = spaces[counts.index(max(counts))]["slug"]
    rows.biggest_threads = max(counts)
    rows.readable_slugs = [s["slug"] for s in spaces if s["readable"]]
    return rows


def _spaces(
    rng: random.Random,
    count: int,
    viewer_account: int,
    customer_accounts: list[int],
) -> list[dict[str, Any]]:
    """Mostly PUBLIC; a twentieth STAFF, a tenth ACCOUNT (one of them the viewer's account's).
    The first (and biggest) space is PUBLIC."""
    others = list(range(1, count))
    rng.shuffle(others)
    staff = set(others[: count // 20])
    account_spaces = others[count // 20 : count // 20 + count // 10]
    owners = [viewer_account, *rng.sample(customer_accounts, len(account_spaces))]
    accounts = dict(zip(account_spaces, owners, strict=False))
    spaces = []
    for rank in range(count):
        topic = TOPICS[rank % len(TOPICS)]
        visibility = "STAFF" if rank in staff else "ACCOUNT" if rank in accounts else "PUBLIC"
        account_id = accounts.get(rank)
        spaces.append(
            {
                "id": rank + 1,
                "slug": f"{topic}-{rank + 1}",
                "name": f"{topic.replace('-', ' ').capitalize()} {rank + 1}",
                "topic": topic.replace("-", " "),
                "visibility": visibility,
                "account_id": account_id,
                "readable": visibility == "PUBLIC" or account_id == viewer_account,
                "thread_count": 0,
                "last_activity": -1.0,
            }
        )
    return spaces


def _threads_by_space(space_of: list[int], spaces: int) -> list[list[int]]:
    by_space: list[list[int]] = [[] for _ in range(spaces)]
    for index, space in enumerate(space_of):
        by_space[space].append(index + 1)
    return by_space


def _post_times(rng: random.Random, start: float, n: int) -> list[float]:
    """Replies hours apart, squeezed to end by the data's "now"."""
    times = [start]
    for _ in range(n - 1):
        times.append(times[-1] + rng.expovariate(1 / 21_600))
    if times[-1] > SPAN_SECONDS:
        scale = (SPAN_SECONDS - start) / (times[-1] - start)
        times = [start + (t - start) * scale for t in times]
    return times


def _status(rng: random.Random) -> str:
    r = rng.random()
    return "HIDDEN" if r < 0.01 else "HELD" if r < 0.015 else "VISIBLE"


def _reactions(
    rng: random.Random,
    rows: ForumRows,
    post_id: int,
    viewer_id: int,
    active: list[int],
    at: datetime,
) -> int:
    if rng.random() >= 0.15:
        return 0
    reactors = {
        active[i]
        for i in rng.sample(range(len(active)), min(int(rng.paretovariate(1.3)), 25, len(active)))
    }
    reactors.discard(viewer_id)
    kinds = rng.choices(*REACTION_KINDS, k=len(reactors))
    rows.tables["reactions"].extend(
        (post_id, m, k, at) for m, k in zip(sorted(reactors), kinds, strict=True)
    )
    return len(reactors)


def _other_reads(
    rng: random.Random, rows: ForumRows, size: ForumSize, viewer_id: int, active: list[int]
) -> None:
    """Other members' read positions, a quarter as many as posts: the table's real size."""
    threads = rows.tables["threads"]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < size.posts // 4:
        member = rng.choice(active)
        if member != viewer_id:
            pairs.add((member, rng.randrange(size.threads) + 1))
    for member, thread_id in sorted(pairs):
        thread = threads[thread_id - 1]
        rows.tables["thread_reads"].append(
            (member, thread_id, rng.randint(1, thread[14]), thread[17])
        )
    rows.tables["thread_reads"].sort(key=lambda r: (r[0], r[1]))


def _title(rng: random.Random) -> str:
    return f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)}"


def _at(seconds: float) -> datetime:
    return END - timedelta(seconds=SPAN_SECONDS - seconds)
