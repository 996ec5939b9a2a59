"""Testimonials and quotes: the exact text its author approved, attributed as they chose,
published only in channels an active consent covers. A forum post becomes a quote candidate
that keeps the link to the post; any change to the text voids the author's approval."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy import events, ledger
from domain.advocacy.errors import Code, invalid, not_found
from domain.advocacy.fatigue import AskKind, check_budget, record_ask
from domain.advocacy.models import (
    Attribution,
    ConsentChannel,
    LedgerActivity,
    Testimonial,
    TestimonialSource,
    TestimonialState,
)
from domain.advocacy.services.common import (
    customer_member,
    get_for_update,
    require_advocacy_staff,
    required_text,
)
from domain.advocacy.services.consent import require_consent
from domain.community.models import Post, PostStatus
from domain.identity.models import Member
from domain.identity.policies import Actor

State = TestimonialState
SOURCE = "Testimonial"
MAX_TEXT = 5000
SOURCES_BY_TYPE = {
    "Post": TestimonialSource.FORUM_POST,
    "SurveyAnswer": TestimonialSource.SURVEY_ANSWER,
    "SurveyResponse": TestimonialSource.SURVEY_ANSWER,
    "ProgramFeedback": TestimonialSource.BETA_PRAISE,
    "BetaFeedback": TestimonialSource.BETA_PRAISE,
}


@dataclass(frozen=True)
class TestimonialData:
    text: str
    attribution: Attribution = Attribution.FULL_NAME_AND_TITLE
    channels: list[ConsentChannel] = field(default_factory=list)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


async def propose_testimonial_candidate(
    session: AsyncSession, *, member_id: int, text: str, source_type: str, source_id: int
) -> Testimonial:
    """For other contexts (beta praise, a survey answer, ...): keeps the praise as a candidate
    for marketing to review. Nobody is asked yet, so the budget is not touched. The same
    source and text proposed again returns the existing candidate."""
    member = await session.get(Member, member_id)
    if member is None:
        raise not_found("Member")
    text = required_text(text, "text", MAX_TEXT)
    existing = await session.scalar(
        select(Testimonial).where(
            Testimonial.source_type == source_type,
            Testimonial.source_id == source_id,
            Testimonial.member_id == member_id,
        )
    )
    if existing is not None and _same_text(existing.text, text):
        return existing
    candidate = Testimonial(
        member_id=member_id,
        account_id=member.account_id,
        source=SOURCES_BY_TYPE.get(source_type, TestimonialSource.BETA_PRAISE),
        source_type=source_type,
        source_id=source_id,
        text=text,
        attribution=Attribution.ROLE_AND_COMPANY,
        channels=[],
        state=State.CANDIDATE,
    )
    session.add(candidate)
    await session.flush()
    events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=candidate.id)
    return candidate


async def create(
    session: AsyncSession, actor: Actor, member_id: int, data: TestimonialData
) -> Testimonial:
    """A testimonial from an interview, written down by staff."""
    require_advocacy_staff(actor)
    member = await customer_member(session, member_id, "memberId")
    testimonial = Testimonial(
        member_id=member_id,
        account_id=member.account_id,
        source=TestimonialSource.INTERVIEW,
        state=State.CANDIDATE,
        proposed_by_id=actor.member_id,
    )
    _apply(testimonial, data)
    session.add(testimonial)
    await session.flush()
    events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=testimonial.id)
    return testimonial


async def quote_from_post(
    session: AsyncSession, actor: Actor, now: datetime, post_id: int, data: TestimonialData
) -> Testimonial:
    """The quote must be the author's own words from the post, and goes to them for approval."""
    require_advocacy_staff(actor)
    post = await session.get(Post, post_id)
    if post is None or post.deleted_at is not None or post.status is not PostStatus.VISIBLE:
        raise not_found("Post", "postId")
    text = required_text(data.text, "text", MAX_TEXT)
    if " ".join(text.split()) not in " ".join(post.body_markdown.split()):
        raise invalid("the quote must be words the post actually says", "text", Code.TEXT_MISMATCH)
    member = await customer_member(session, post.author_id, "postId")
    testimonial = Testimonial(
        member_id=member.id,
        account_id=member.account_id,
        source=TestimonialSource.FORUM_POST,
        source_type="Post",
        source_id=post.id,
        state=State.CANDIDATE,
        proposed_by_id=actor.member_id,
    )
    _apply(testimonial, data)
    session.add(testimonial)
    await session.flush()
    return await _ask(session, testimonial, now)


async def request_approval(
    session: AsyncSession, actor: Actor, now: datetime, testimonial_id: int
) -> Testimonial:
    require_advocacy_staff(actor)
    testimonial = await get_for_update(session, Testimonial, testimonial_id, "testimonialId")
    _expect(testimonial, State.CANDIDATE, State.DECLINED)
    return await _ask(session, testimonial, now)


async def _ask(session: AsyncSession, testimonial: Testimonial, now: datetime) -> Testimonial:
    verdict = await check_budget(
        session, member_id=testimonial.member_id, kind=AskKind.TESTIMONIAL, at=now
    )
    if not verdict.allowed:
        raise invalid(
            "the author's ask budget is used up: " + "; ".join(verdict.reasons),
            "testimonialId",
            Code.OVER_BUDGET,
        )
    await record_ask(
        session,
        member_id=testimonial.member_id,
        account_id=testimonial.account_id,
        kind=AskKind.TESTIMONIAL,
        source_type=SOURCE,
        source_id=testimonial.id,
        at=now,
    )
    testimonial.state = State.AWAITING_APPROVAL
    events.emit(session, events.TESTIMONIAL_APPROVAL_REQUESTED, testimonial_id=testimonial.id)
    return testimonial


async def edit(
    session: AsyncSession, actor: Actor, now: datetime, testimonial_id: int, data: TestimonialData
) -> Testimonial:
    """A change of text voids the approval: the author must approve the new exact text."""
    require_advocacy_staff(actor)
    testimonial = await get_for_update(session, Testimonial, testimonial_id, "testimonialId")
    _expect(testimonial, *(s for s in State if s is not State.RETIRED))
    changed = not _same_text(testimonial.text, data.text)
    _apply(testimonial, data)
    if changed and testimonial.state in (State.APPROVED, State.PUBLISHED, State.AWAITING_APPROVAL):
        testimonial.state = State.AWAITING_APPROVAL
        testimonial.approved_at = None
        testimonial.published_at = None
    if testimonial.state is State.PUBLISHED:
        await require_consent(session, testimonial, now)
    events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=testimonial.id)
    return testimonial


async def respond(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    testimonial_id: int,
    approve: bool,
    text: str | None,
) -> Testimonial:
    """The author approves the exact text they were shown (sent back as `text`), or declines."""
    testimonial = await get_for_update(session, Testimonial, testimonial_id, "testimonialId")
    if testimonial.member_id != actor.member_id:
        raise not_found("Testimonial", "testimonialId")
    _expect(testimonial, State.AWAITING_APPROVAL)
    if not approve:
        testimonial.state = State.DECLINED
        events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=testimonial.id)
        return testimonial
    if text is None or text != testimonial.text:
        raise invalid(
            "the text changed since you were asked; approve the current text",
            "text",
            Code.TEXT_MISMATCH,
        )
    testimonial.state = State.APPROVED
    testimonial.approved_at = now
    await ledger.record_activity(
        session,
        member_id=testimonial.member_id,
        account_id=testimonial.account_id,
        activity=LedgerActivity.TESTIMONIAL,
        source_type=SOURCE,
        source_id=testimonial.id,
        at=now,
        dedupe_key=f"{SOURCE}:{testimonial.id}",
    )
    events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=testimonial.id)
    return testimonial


async def publish(
    session: AsyncSession, actor: Actor, now: datetime, testimonial_id: int
) -> Testimonial:
    require_advocacy_staff(actor)
    testimonial = await get_for_update(session, Testimonial, testimonial_id, "testimonialId")
    _expect(testimonial, State.APPROVED)
    await require_consent(session, testimonial, now)
    testimonial.state = State.PUBLISHED
    testimonial.published_at = now
    events.emit(session, events.TESTIMONIAL_PUBLISHED, testimonial_id=testimonial.id)
    return testimonial


async def retire(session: AsyncSession, actor: Actor, testimonial_id: int) -> Testimonial:
    require_advocacy_staff(actor)
    testimonial = await get_for_update(session, Testimonial, testimonial_id, "testimonialId")
    testimonial.state = State.RETIRED
    events.emit(session, events.TESTIMONIAL_CHANGED, testimonial_id=testimonial.id)
    return testimonial


def _apply(testimonial: Testimonial, data: TestimonialData) -> None:
    testimonial.text = required_text(data.text, "text", MAX_TEXT)
    testimonial.attribution = data.attribution
    testimonial.channels = [str(c) for c in dict.fromkeys(data.channels)]


def _expect(testimonial: Testimonial, *allowed: TestimonialState) -> None:
    if testimonial.state not in allowed:
        raise invalid(
            f"the testimonial is {testimonial.state.lower()}",
            "testimonialId",
            Code.INVALID_TRANSITION,
        )
