"""Programs' domain events (outbox topics). Payloads carry ids (plus the feedback type); the
advocacy ledger, notifications and webhooks re-read what they need."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import record_event

APPLIED = "programs.applied"  # applied or nominated
INVITED = "programs.invited"
ENROLLED = "programs.enrolled"
LEFT = "programs.left"  # left, removed, rolled off the board, or the program closed
ATTENDED = "programs.attended"  # present at a board meeting
FEEDBACK_GIVEN = "programs.feedback_given"  # any beta feedback
# Praise for advocacy's testimonial candidates (consumed by advocacy when it is there).
BETA_FEEDBACK_GIVEN = "programs.beta_feedback_given"
GRADUATED = "programs.graduated"  # a beta reached general availability


def emit(session: AsyncSession, topic: str, **values: int | str | None) -> None:
    record_event(session, topic, dict(values))
