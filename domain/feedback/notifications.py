"""Closing the loop: outbox consumers that tell the right people what happened to an idea.

A status change reaches the idea's voters (proxy-voted contacts included), its followers and
the followers of ideas merged into it, minus whoever muted it and the staff member who made the
change, and only those who may see the idea now. It goes through the community inbox
(`notify`), so notification preferences apply (kind IDEA_STATUS). Members who opted into the
digest get no single notices: the change waits in their digest, which `feedback.digest_requested`
turns into one IDEA_DIGEST notification each. Payloads carry ids; handlers re-read the rows.
"""

from collections.abc import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.community.models import NotificationKind
from domain.community.notification_delivery import Subject, notify
from domain.feedback import events
from domain.feedback.models import (
    FeedbackDigestItem,
    FeedbackDigestSubscription,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSubscription,
    IdeaVisibility,
    IdeaVote,
)
from domain.feedback.services.demand import account_arr_changed
from domain.identity import events as identity_events
from domain.identity.models import STAFF_ROLES, Account, AccountKind, Member, MemberRole
from domain.shared.outbox import Delivery, Handler
from domain.shared.upsert import insert_ignoring_duplicates

_MESSAGE_LENGTH = 500
_DIGEST_LINES = 10


def status_label(status: IdeaStatus | str) -> str:
    return str(status).replace("_", " ").capitalize()


async def recipients(session: AsyncSession, idea: Idea) -> set[int]:
    """Who hears of the idea's news: voters and followers (of it and of ideas merged into
    it, whose votes stay on them and count for it), less those who muted it and those who may
    no longer see it."""
    merged = select(Idea.id).where(
        or_(Idea.merged_into_id == idea.id, Idea.merge_root_id == idea.id)
    )
    group = select(Idea.id).where(or_(Idea.id == idea.id, Idea.merge_root_id == idea.id))
    voters = set(
        await session.scalars(select(IdeaVote.member_id).where(IdeaVote.idea_id.in_(group)))
    )
    follows = await session.execute(
        select(
            IdeaSubscription.member_id, IdeaSubscription.subscribed, IdeaSubscription.idea_id
        ).where(or_(IdeaSubscription.idea_id == idea.id, IdeaSubscription.idea_id.in_(merged)))
    )
    followers, muted = set(), set()
    for member_id, subscribed, idea_id in follows:
        if subscribed:
            followers.add(member_id)
        elif idea_id == idea.id:
            muted.add(member_id)
    return await _may_see(session, idea, (voters | followers) - muted)


async def _may_see(session: AsyncSession, idea: Idea, member_ids: Iterable[int]) -> set[int]:
    ids = sorted(member_ids)
    if not ids or idea.visibility is IdeaVisibility.PUBLIC:
        return set(ids)
    staff_role = select(MemberRole.member_id).where(MemberRole.role.in_(list(STAFF_ROLES)))
    staff = (Account.kind == AccountKind.VENDOR) & Member.id.in_(staff_role)
    seen = (
        staff
        if idea.visibility is IdeaVisibility.STAFF
        else or_(staff, Member.account_id == idea.account_id)
    )
    rows = await session.scalars(
        select(Member.id)
        .join(Account, Account.id == Member.account_id)
        .where(Member.id.in_(ids), seen)
    )
    return set(rows)


async def on_status_changed(delivery: Delivery) -> None:
    session, payload = delivery.session, delivery.event.payload
    idea = await session.get(Idea, int(payload["idea_id"]), populate_existing=True)
    change = await session.get(IdeaStatusChange, int(payload["status_change_id"]))
    if idea is None or change is None:
        return
    actor_id = payload.get("actor_id")
    wanted = await recipients(session, idea) - {actor_id}
    digest = set(
        await session.scalars(
            select(FeedbackDigestSubscription.member_id).where(
                FeedbackDigestSubscription.member_id.in_(sorted(wanted))
            )
        )
    )
    await insert_ignoring_duplicates(
        session,
        FeedbackDigestItem,
        [
            {"member_id": m, "status_change_id": change.id, "created_at": delivery.event.created_at}
            for m in sorted(digest)
        ],
    )
    message = (
        f"“{idea.title}” moved from {status_label(change.old_status)} to "
        f"{status_label(change.new_status)}."
    )
    if change.new_status is IdeaStatus.DECLINED and change.reason:
        message += f" Reason: {change.reason}"
    await notify(
        delivery,
        {m: [NotificationKind.IDEA_STATUS] for m in wanted - digest},
        Subject(thread_id=idea.thread_id),
        actor_id=actor_id,
        message=message[:_MESSAGE_LENGTH],
        key=change.id,
        subject_required=False,
    )


async def on_digest_requested(delivery: Delivery) -> None:
    """One IDEA_DIGEST notification per member with pending updates; the items are marked sent."""
    session = delivery.session
    rows = await session.execute(
        select(
            FeedbackDigestItem.id,
            FeedbackDigestItem.member_id,
            Idea.title,
            IdeaStatusChange.new_status,
        )
        .join(IdeaStatusChange, IdeaStatusChange.id == FeedbackDigestItem.status_change_id)
        .join(Idea, Idea.id == IdeaStatusChange.idea_id)
        .where(FeedbackDigestItem.sent_at.is_(None))
        .order_by(FeedbackDigestItem.member_id, FeedbackDigestItem.id)
    )
    lines: dict[int, list[str]] = {}
    item_ids: list[int] = []
    for item_id, member_id, title, status in rows:
        lines.setdefault(member_id, []).append(f"“{title}”: {status_label(status)}")
        item_ids.append(item_id)
    for member_id, updates in lines.items():
        shown = updates[:_DIGEST_LINES]
        more = len(updates) - len(shown)
        message = f"{len(updates)} idea update(s): " + "; ".join(shown)
        if more:
            message += f"; and {more} more"
        await notify(
            delivery,
            {member_id: [NotificationKind.IDEA_DIGEST]},
            Subject(),
            actor_id=None,
            message=message[:_MESSAGE_LENGTH],
            key=delivery.event.id,
            subject_required=False,
        )
    if item_ids:
        await session.execute(
            update(FeedbackDigestItem)
            .where(FeedbackDigestItem.id.in_(item_ids))
            .values(sent_at=delivery.event.created_at)
        )


async def on_account_updated(delivery: Delivery) -> None:
    """An account's ARR may have changed: the ideas it asked for are summed again."""
    await account_arr_changed(delivery.session, int(delivery.event.payload["account_id"]))


FEEDBACK_CONSUMERS: list[tuple[str, Handler]] = [
    (events.IDEA_STATUS_CHANGED, on_status_changed),
    (events.DIGEST_REQUESTED, on_digest_requested),
    (identity_events.ACCOUNT_UPDATED, on_account_updated),
]
