"""Who may see and do what in buddy matching."""

from sqlalchemy import Select, or_

from domain.identity.models import Role
from domain.identity.policies import Actor
from domain.matching.models import BuddyPair, BuddyProfile, Meetup, MeetupMember, PairOrigin


def can_manage_matching(actor: Actor) -> bool:
    """Community managers run programmes, rounds and meet-ups: admins, CSMs and marketing."""
    return actor.is_staff and any(actor.has_role(r) for r in (Role.CSM, Role.MARKETING))


def readable_profiles(actor: Actor, statement: Select[BuddyProfile]) -> Select[BuddyProfile]:
    """Opted-in profiles are there to be found; others only by their owner and managers."""
    if can_manage_matching(actor):
        return statement
    return statement.where(
        or_(BuddyProfile.opted_in.is_(True), BuddyProfile.member_id == actor.member_id)
    )


def can_view_profile(actor: Actor, profile: BuddyProfile) -> bool:
    return profile.opted_in or profile.member_id == actor.member_id or can_manage_matching(actor)


def can_edit_profile(actor: Actor, member_id: int) -> bool:
    return member_id == actor.member_id or actor.has_role(Role.ADMIN)


def can_see_suggestions_for(actor: Actor, mentee_id: int) -> bool:
    return mentee_id == actor.member_id or can_manage_matching(actor)


def readable_pairs(actor: Actor, statement: Select[BuddyPair]) -> Select[BuddyPair]:
    """Buddies see their own pairs; managers see every pair."""
    if can_manage_matching(actor):
        return statement
    return statement.where(
        or_(BuddyPair.mentor_id == actor.member_id, BuddyPair.mentee_id == actor.member_id)
    )


def is_party(actor: Actor, pair: BuddyPair) -> bool:
    return actor.member_id in (pair.mentor_id, pair.mentee_id)


def may_answer(actor: Actor, pair: BuddyPair) -> bool:
    """Who accepts or declines a proposal: the mentor for a request, each buddy for a round's."""
    if pair.origin is PairOrigin.REQUEST:
        return actor.member_id == pair.mentor_id
    return is_party(actor, pair)


def can_run_pair(actor: Actor, pair: BuddyPair) -> bool:
    """Start, complete or end a pair: either buddy, or a manager."""
    return is_party(actor, pair) or can_manage_matching(actor)


def readable_meetups(actor: Actor, statement: Select[Meetup]) -> Select[Meetup]:
    if can_manage_matching(actor):
        return statement
    mine = MeetupMember.__table__.select().with_only_columns(MeetupMember.meetup_id)
    return statement.where(Meetup.id.in_(mine.where(MeetupMember.member_id == actor.member_id)))
