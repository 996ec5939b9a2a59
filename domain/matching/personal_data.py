"""Matching's personal data: the buddy profile, pairs (as mentor or mentee), feedback on
pairs, round proposals and meet-ups.

On erasure the profile and meet-up places go, so the member leaves the pool at once; open
pairs end (proposed ones are declined) and proposals not yet turned into pairs are left out.
Past pairs and feedback ratings stay, attributed to the anonymised member (programme figures
count them); the words go (feedback comments, the note sent with a request)."""

from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.matching.models import (
    BuddyPair,
    BuddyProfile,
    MeetupMember,
    PairFeedback,
    PairStatus,
    RoundProposal,
)
from domain.matching.versions import Change, record_change
from domain.shared.personal_data import ErasureContext, PersonalData, Section, export_sections

CONTEXT = "matching"
END_REASON = "the member's personal data was erased"
SKIPPED_ERASED = "MEMBER_ERASED"

SECTIONS = (
    Section("buddyProfile", "buddy_profiles", ("member_id",)),
    Section("pairs", "buddy_pairs", ("mentor_id", "mentee_id")),
    Section("pairFeedback", "buddy_pair_feedback", ("member_id",)),
    Section("roundProposals", "matching_round_proposals", ("mentor_id", "mentee_id")),
    Section("meetups", "buddy_meetup_members", ("member_id",)),
)
ACTOR_COLUMNS = {
    "buddy_pairs": ("declined_by_id",),
    "matching_rounds": ("created_by_id", "published_by_id"),
    "buddy_meetups": ("created_by_id",),
}


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    return await export_sections(session, member_id, SECTIONS)


async def erase(session: AsyncSession, erasure: ErasureContext) -> None:
    member_id = erasure.member_id
    in_pair = or_(BuddyPair.mentor_id == member_id, BuddyPair.mentee_id == member_id)
    in_proposal = or_(RoundProposal.mentor_id == member_id, RoundProposal.mentee_id == member_id)
    changes = (
        ("buddyProfile", delete(BuddyProfile).where(BuddyProfile.member_id == member_id)),
        ("meetups", delete(MeetupMember).where(MeetupMember.member_id == member_id)),
        (
            "pairsDeclined",
            update(BuddyPair)
            .where(in_pair, BuddyPair.status == PairStatus.PROPOSED)
            .values(status=PairStatus.DECLINED, decline_reason=END_REASON),
        ),
        (
            "pairsEnded",
            update(BuddyPair)
            .where(in_pair, BuddyPair.status.in_((PairStatus.ACCEPTED, PairStatus.ACTIVE)))
            .values(
                status=PairStatus.ENDED_EARLY,
                ended_at=erasure.now,
                end_reason=END_REASON,
                next_check_in_at=None,
            ),
        ),
        (
            "requestNotesCleared",
            update(BuddyPair)
            .where(BuddyPair.mentee_id == member_id, BuddyPair.message.is_not(None))
            .values(message=None),
        ),
        (
            "feedbackCommentsCleared",
            update(PairFeedback)
            .where(PairFeedback.member_id == member_id, PairFeedback.comment.is_not(None))
            .values(comment=None),
        ),
        (
            "proposalsLeftOut",
            update(RoundProposal)
            .where(in_proposal, RoundProposal.pair_id.is_(None), RoundProposal.included)
            .values(included=False, skipped_reason=SKIPPED_ERASED),
        ),
    )
    for what, statement in changes:
        result = await session.execute(statement.execution_options(synchronize_session=False))
        erasure.count(CONTEXT, what, result.rowcount)  # type: ignore[attr-defined]
    record_change(session, Change.PROFILES, Change.PAIRS)  # the suggestion caches must forget


PERSONAL_DATA = PersonalData(CONTEXT, SECTIONS, ACTOR_COLUMNS, export, erase)
