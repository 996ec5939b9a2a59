"""Feedback's personal data: ideas submitted, votes (with their importance), idea follows,
the digest, surveys received and answered.

On erasure votes and survey scores stay, attributed to the anonymised member: they are what
an idea's demand (voters, accounts, ARR) and a survey's NPS/CSAT are made of, and those must
not move. The words go: survey comments and staff notes on proxy votes. Ideas stay, like posts
(others voted on and discussed them); ideas the member owned as staff lose their owner."""

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.feedback.models import (
    FeedbackDigestItem,
    FeedbackDigestSubscription,
    Idea,
    IdeaSubscription,
    IdeaVote,
    SurveyResponse,
)
from domain.shared.personal_data import ErasureContext, PersonalData, Section, export_sections

CONTEXT = "feedback"

SECTIONS = (
    Section("ideas", "ideas", ("author_id",)),
    Section("votes", "idea_votes", ("member_id",)),
    Section("ideaSubscriptions", "idea_subscriptions", ("member_id",)),
    Section("digestSubscription", "feedback_digest_subscriptions", ("member_id",)),
    Section("digestItems", "feedback_digest_items", ("member_id",)),
    Section("surveysReceived", "survey_recipients", ("member_id",)),
    Section("surveyResponses", "survey_responses", ("member_id",)),
)
ACTOR_COLUMNS = {
    "ideas": ("owner_id",),
    "idea_votes": ("recorded_by_id",),
    "idea_status_changes": ("actor_id",),
    "idea_merges": ("merged_by_id", "undone_by_id"),
    "feedback_settings": ("updated_by_id",),
    "changelog_entries": ("author_id",),
    "surveys": ("created_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    return await export_sections(session, member_id, SECTIONS)


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    member_id = erasure.member_id
    for what, model in (
        ("ideaSubscriptions", IdeaSubscription),
        ("digestSubscription", FeedbackDigestSubscription),
        ("digestItems", FeedbackDigestItem),
    ):
        result = await session.execute(delete(model).where(model.member_id == member_id))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]
    changes = (
        (
            "surveyCommentsCleared",
            update(SurveyResponse)
            .where(SurveyResponse.member_id == member_id, SurveyResponse.comment.is_not(None))
            .values(comment=None),
        ),
        (
            "proxyNotesCleared",
            update(IdeaVote)
            .where(IdeaVote.member_id == member_id, IdeaVote.proxy_note.is_not(None))
            .values(proxy_note=None),
        ),
        ("ideasUnassigned", update(Idea).where(Idea.owner_id == member_id).values(owner_id=None)),
    )
    for what, statement in changes:
        result = await session.execute(statement.execution_options(synchronize_session=False))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
