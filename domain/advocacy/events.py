"""Advocacy's outbox topics (payloads carry ids), and the topics of other contexts that the
activity ledger consumes (see ledger_consumers.py)."""

from sqlalchemy.ext.asyncio import AsyncSession

from domain.shared.outbox import record_event

PROFILE_APPROVED = "advocacy.profile.approved"
PROFILE_CHANGED = "advocacy.profile.changed"  # saved, nominated, decided, paused (search)
CONSENT_GRANTED = "advocacy.consent.granted"
CONSENT_WITHDRAWN = "advocacy.consent.withdrawn"  # payload lists the assets it made unusable
REFERENCE_REQUESTED = "advocacy.reference.requested"
REFERENCE_CHANGED = "advocacy.reference.changed"
REFERENCE_COMPLETED = "advocacy.reference.completed"
REFERENCE_OUTCOME = "advocacy.reference.outcome"  # for attribution (insights)
CASE_STUDY_PUBLISHED = "advocacy.case_study.published"
CASE_STUDY_CHANGED = "advocacy.case_study.changed"  # nominated, edited, moved (search)
TESTIMONIAL_APPROVAL_REQUESTED = "advocacy.testimonial.approval_requested"
TESTIMONIAL_PUBLISHED = "advocacy.testimonial.published"
TESTIMONIAL_CHANGED = "advocacy.testimonial.changed"  # created, edited, answered (search)
REFERRAL_SUBMITTED = "advocacy.referral.submitted"
REFERRAL_CHANGED = "advocacy.referral.changed"  # WON carries amount: sourced revenue
ACTIVITY_RECORDED = "advocacy.activity.recorded"
REDEMPTION_REQUESTED = "advocacy.redemption.requested"

# Consumed from other contexts (names as those contexts emit them).
COMMUNITY_POST_CREATED = "community.post.created"
COMMUNITY_THREAD_CREATED = "community.thread.created"
COMMUNITY_ANSWER_ACCEPTED = "community.answer.accepted"
FEEDBACK_IDEA_CREATED = "feedback.idea_created"
FEEDBACK_IDEA_VOTED = "feedback.idea_voted"
FEEDBACK_IDEA_SHIPPED = "feedback.idea_shipped"
FEEDBACK_SURVEY_ANSWERED = "feedback.survey_answered"
PROGRAMS_ENROLLED = "programs.enrolled"
PROGRAMS_ATTENDED = "programs.attended"
PROGRAMS_FEEDBACK_GIVEN = "programs.feedback_given"
MATCHING_PAIR_COMPLETED = "matching.pair_completed"


def emit(session: AsyncSession, topic: str, **values: int | str | list[object] | None) -> None:
    record_event(session, topic, dict(values))
