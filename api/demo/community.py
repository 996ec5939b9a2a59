"""Demo forums: spaces under each visibility rule, questions with accepted answers, discussions
with replies, reactions and mentions, a pinned announcement, a private beta space."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.demo.identity import DemoIdentity
from domain.community.models import ReactionKind, SpaceVisibility, ThreadKind
from domain.community.policies import CommunityRules
from domain.community.services import posting, reactions, reading, spaces
from domain.identity.models import AccountKind, Member
from domain.identity.policies import Actor, actor_for
from domain.programs.models import Program, ProgramEnrolment, ProgramKind, ProgramState
from domain.shared.models import utcnow

RULES = CommunityRules()


@dataclass(frozen=True)
class DemoCommunity:
    spaces: int
    threads: int


@dataclass(frozen=True)
class _Thread:
    space: str
    author: str
    kind: ThreadKind
    title: str
    body: str
    replies: tuple[tuple[str, str], ...] = ()  # (author e-mail, body)
    accepted_reply: int | None = None  # index into replies
    pinned: bool = False
    tags: tuple[str, ...] = ()


THREADS = (
    _Thread(
        "announcements",
        "tomas@bondfire.example",
        ThreadKind.ANNOUNCEMENT,
        "Pipelines 4.2 is out: incremental backfills and column lineage",
        "Backfills now resume where they stopped, and every column shows where it came from.\n\n"
        "Tell us what you think below.",
        (("casey@acme.example", "Column lineage is **exactly** what our auditors asked for."),),
        pinned=True,
        tags=("release", "pipelines"),
    ),
    _Thread(
        "product-help",
        "chiara@bluefin.example",
        ThreadKind.QUESTION,
        "How do I schedule a dashboard export every Monday?",
        "I can export a dashboard by hand, but I need a PDF in my manager's inbox each Monday.",
        (
            ("devon@acme.example", "Try a cron pipeline that calls the export API."),
            (
                "casey@acme.example",
                "Open the dashboard, then *Share → Schedule* and pick "
                "Mondays. No code needed. @chiara_romano",
            ),
        ),
        accepted_reply=1,
        tags=("dashboards", "exports"),
    ),
    _Thread(
        "pipelines",
        "grace@lumenretail.example",
        ThreadKind.DISCUSSION,
        "Moving 200 cron jobs to Pipelines: lessons so far",
        "We are halfway. Biggest win: retries with backoff. Biggest surprise: time zones.",
        (
            ("ingrid@northwind.example", "Time zones bit us too. Pin every schedule to UTC."),
            ("eleanor@quarrybank.example", "How do you handle secrets during the migration?"),
            ("grace@lumenretail.example", "One secret store per environment, rotated monthly."),
        ),
        tags=("migration", "pipelines"),
    ),
    _Thread(
        "product-help",
        "owen@bluefin.example",
        ThreadKind.QUESTION,
        "Does SSO support SCIM provisioning?",
        "Our IT team wants users created and removed automatically.",
    ),
    _Thread(
        "staff-lounge",
        "priya@bondfire.example",
        ThreadKind.DISCUSSION,
        "Renewal risk: Lumen Retail",
        "Usage dropped 30% this quarter. Ideas for a bonding plan before renewal?",
        (("noor@bondfire.example", "Their pipeline migration story would make a great webinar."),),
    ),
    _Thread(
        "acme-team",
        "sam@acme.example",
        ThreadKind.DISCUSSION,
        "Q3 platform goals",
        "Private to Acme: let's agree on the three dashboards we retire this quarter.",
        (("mei@acme.example", "Retire the legacy revenue one first."),),
    ),
    _Thread(
        "nightjar-beta",
        "tomas@bondfire.example",
        ThreadKind.ANNOUNCEMENT,
        "Welcome to the Nightjar beta",
        "Thanks for joining. Build 0.3 is live; please report anything odd here.",
        (("ingrid@northwind.example", "Installed. Streaming alerts are fast!"),),
        pinned=True,
    ),
)


async def load_community(session: AsyncSession, identity: DemoIdentity) -> DemoCommunity:
    people = {**identity.staff, **identity.members}
    beta = Program(
        kind=ProgramKind.BETA,
        name="Streaming alerts beta",
        codename="Nightjar",
        state=ProgramState.RUNNING,
    )
    session.add(beta)
    await session.flush()
    for email in ("casey@acme.example", "ingrid@northwind.example"):
        session.add(ProgramEnrolment(program_id=beta.id, member_id=people[email].id))

    admin = identity.admin_actor
    _actor = _actor_maker(identity)
    made = {}
    new_spaces = (
        spaces.NewSpace("announcements", "Announcements", SpaceVisibility.PUBLIC),
        spaces.NewSpace("product-help", "Product help", SpaceVisibility.PUBLIC),
        spaces.NewSpace("pipelines", "Pipelines", SpaceVisibility.PUBLIC),
        spaces.NewSpace("staff-lounge", "Staff lounge", SpaceVisibility.STAFF),
        spaces.NewSpace(
            "acme-team",
            "Acme Analytics team",
            SpaceVisibility.ACCOUNT,
            account_id=identity.accounts["acme.example"].id,
        ),
        spaces.NewSpace(
            "nightjar-beta", "Nightjar beta (NDA)", SpaceVisibility.PROGRAM, program_id=beta.id
        ),
    )
    for new in new_spaces:
        made[new.slug] = await spaces.create_space(session, admin, new)
    # A sub-space, to show nesting.
    made["pipelines-alerts"] = await spaces.create_space(
        session,
        admin,
        spaces.NewSpace(
            slug="pipelines-alerts",
            name="Alerts",
            visibility=SpaceVisibility.PUBLIC,
            parent_id=made["pipelines"].id,
        ),
    )

    # The admin watches some spaces, so their inbox shows the threads started there.
    for slug in ("product-help", "pipelines", "staff-lounge"):
        await reading.watch_space(session, admin, made[slug].id, True)

    start = utcnow() - timedelta(days=len(THREADS))
    for day, spec in enumerate(THREADS):
        at = start + timedelta(days=day)
        author = _actor(people[spec.author])
        thread, opening = await posting.start_thread(
            session,
            author,
            RULES,
            at,
            posting.NewThread(
                space_id=made[spec.space].id,
                kind=spec.kind,
                title=spec.title,
                body=spec.body,
                tags=list(spec.tags),
            ),
        )
        thread.pinned = spec.pinned
        replies = []
        for hour, (email, body) in enumerate(spec.replies, start=1):
            replies.append(
                await posting.reply(
                    session,
                    _actor(people[email]),
                    RULES,
                    at + timedelta(hours=hour),
                    posting.NewReply(thread_id=thread.id, body=body),
                )
            )
            await reactions.react(
                session,
                author,
                at + timedelta(hours=hour, minutes=5),
                replies[-1].id,
                ReactionKind.LIKE,
            )
        if spec.accepted_reply is not None:
            await reactions.accept_answer(session, author, replies[spec.accepted_reply].id)
        if spec.replies:
            first_replier = _actor(people[spec.replies[0][0]])
            await reactions.react(
                session, first_replier, at + timedelta(hours=1), opening.id, ReactionKind.INSIGHTFUL
            )

    # Moderation: two members flag a reply (not enough weight to hide it, so it waits in the
    # queue), and the answered question is closed with a reason (the moderation log).
    from sqlalchemy import select

    from domain.community.models import Post, Thread
    from domain.community.services.flags import flag_post
    from domain.community.services.thread_actions import ThreadAction, moderate_thread

    question = THREADS[1]
    flagged_reply = await session.scalar(
        select(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Thread.title == question.title, Post.number == 2)
    )
    assert flagged_reply is not None
    now = utcnow()
    for email, reason in (
        ("ingrid@northwind.example", "Outdated: scheduled exports need no code any more."),
        ("owen@bluefin.example", "Misleading for newcomers; the accepted answer is simpler."),
    ):
        await flag_post(session, _actor(people[email]), now, flagged_reply.id, reason)
    await moderate_thread(
        session,
        admin,
        now,
        flagged_reply.thread_id,
        ThreadAction.CLOSE,
        "Answered: Share → Schedule sends the PDF every Monday.",
    )
    return DemoCommunity(spaces=len(made), threads=len(THREADS))


def _actor_maker(identity: DemoIdentity) -> Callable[[Member], Actor]:
    def actor(member: Member) -> Actor:
        vendor = member.account_id == identity.vendor.id
        return actor_for(member, AccountKind.VENDOR if vendor else AccountKind.CUSTOMER)

    return actor
