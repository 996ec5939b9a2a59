"""Feedback's domain events (outbox topics). Payloads carry ids (and the statuses a change moved
between); consumers re-read rows."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import record_event

IDEA_CREATED = "feedback.idea_created"
IDEA_UPDATED = "feedback.idea_updated"
IDEA_VOTED = "feedback.idea_voted"
IDEA_UNVOTED = "feedback.idea_unvoted"
IDEA_VOTE_CHANGED = "feedback.idea_vote_changed"
IDEA_STATUS_CHANGED = "feedback.idea_status_changed"
IDEA_SHIPPED = "feedback.idea_shipped"
IDEA_MERGED = "feedback.idea_merged"
IDEA_UNMERGED = "feedback.idea_unmerged"
SURVEY_SENT = "feedback.survey_sent"
SURVEY_ANSWERED = "feedback.survey_answered"
DIGEST_REQUESTED = "feedback.digest_requested"


def emit(session: AsyncSession, topic: str, **payload: Any) -> None:
    record_event(session, topic, dict(payload))
