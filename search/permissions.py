"""Who may see which search hit: the forum and member policies, restated as index filters.

The inputs are the ones `domain.community.policies` and `domain.identity.policies` decide on
(staff, moderator, the viewer's account and ACTIVE program enrolments; for advocacy, whether the
viewer runs advocacy and the time of the search), read at query time. So
an enrolment that starts or ends changes what a viewer finds at once, with no reindex; documents
only store the attributes the rules look at. tests/search/test_permissions.py checks that these
filters select exactly what the readable_* statements select, for every kind of viewer.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.policies import runs_advocacy
from domain.community.models import PostStatus, SpaceVisibility
from domain.community.policies import is_moderator
from domain.feedback.models import IdeaVisibility
from domain.identity.models import MemberStatus, ProfileVisibility
from domain.identity.policies import Actor
from domain.programs.models import EnrolmentStatus, ProgramEnrolment
from domain.shared.models import utcnow
from search.filters import ALWAYS, Eq, Filter, Greater, all_of, any_of, one_of


def _now() -> int:
    return int(utcnow().timestamp())


@dataclass(frozen=True)
class Viewer:
    """The policy inputs for one searcher."""

    member_id: int
    account_id: int
    is_staff: bool
    is_moderator: bool
    program_ids: frozenset[int]
    runs_advocacy: bool = False  # domain.advocacy.policies.runs_advocacy: marketing, CSMs, admins
    at: int = field(default_factory=_now)  # epoch seconds: when the search runs


async def viewer_for(session: AsyncSession, actor: Actor) -> Viewer:
    # The same enrolments space_visibility_filter counts: ACTIVE ones only.
    enrolled = await session.scalars(
        select(ProgramEnrolment.program_id).where(
            ProgramEnrolment.member_id == actor.member_id,
            ProgramEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    return Viewer(
        member_id=actor.member_id,
        account_id=actor.account_id,
        is_staff=actor.is_staff,
        is_moderator=is_moderator(actor),
        program_ids=frozenset(enrolled),
        runs_advocacy=runs_advocacy(actor),
    )


def space_rule(viewer: Viewer) -> Filter:
    """space_visibility_filter: staff read every space; others public ones, their account's and
    their active programs'."""
    if viewer.is_staff:
        return ALWAYS
    return any_of(
        Eq("space_visibility", SpaceVisibility.PUBLIC.value),
        all_of(
            Eq("space_visibility", SpaceVisibility.ACCOUNT.value),
            Eq("space_account_id", viewer.account_id),
        ),
        all_of(
            Eq("space_visibility", SpaceVisibility.PROGRAM.value),
            one_of("space_program_id", sorted(viewer.program_ids)),
        ),
    )


def thread_state(viewer: Viewer, prefix: str = "") -> Filter:
    """thread_state_filter: deleted threads for moderators; hidden ones also for their author."""
    if viewer.is_moderator:
        return ALWAYS
    return all_of(
        Eq(f"{prefix}deleted", False),
        any_of(Eq(f"{prefix}hidden", False), Eq(f"{prefix}author_id", viewer.member_id)),
    )


def post_state(viewer: Viewer) -> Filter:
    """post_state_filter: visible posts; held ones for their author; the rest for moderators."""
    if viewer.is_moderator:
        return ALWAYS
    return all_of(
        Eq("deleted", False),
        any_of(
            Eq("status", PostStatus.VISIBLE.value),
            all_of(Eq("status", PostStatus.HELD.value), Eq("author_id", viewer.member_id)),
        ),
    )


def member_rule(viewer: Viewer) -> Filter:
    """discoverable_members: staff find everyone; others find active members and their own
    colleagues (readable_members) whose privacy setting lets them: everyone's COMMUNITY profile,
    their colleagues' ACCOUNT profiles, and themselves."""
    if viewer.is_staff:
        return ALWAYS
    return all_of(
        any_of(Eq("status", MemberStatus.ACTIVE.value), Eq("account_id", viewer.account_id)),
        any_of(
            Eq("member_id", viewer.member_id),
            Eq("visibility", ProfileVisibility.COMMUNITY.value),
            all_of(
                Eq("visibility", ProfileVisibility.ACCOUNT.value),
                Eq("account_id", viewer.account_id),
            ),
        ),
    )


def idea_rule(viewer: Viewer) -> Filter:
    """domain.feedback.policies.idea_visibility_filter: staff find every idea; others PUBLIC
    ideas and their own account's ACCOUNT ideas (STAFF ideas never)."""
    if viewer.is_staff:
        return ALWAYS
    return any_of(
        Eq("idea_visibility", IdeaVisibility.PUBLIC.value),
        all_of(
            Eq("idea_visibility", IdeaVisibility.ACCOUNT.value),
            Eq("idea_account_id", viewer.account_id),
        ),
    )


def case_study_rule(viewer: Viewer) -> Filter:
    """domain.advocacy.policies.readable_case_studies: staff who run advocacy find every case
    study; others their own, and published ones usable now (within their term and under the
    member's active CASE_STUDY consent). Documents store until when that holds (`usable_until`,
    0 when it does not), so a term or consent that runs out hides the case study without an
    event; a withdrawal or retirement rewrites the document."""
    if viewer.runs_advocacy:
        return ALWAYS
    return any_of(Eq("member_id", viewer.member_id), Greater("usable_until", viewer.at))


def own_advocacy_rule(viewer: Viewer) -> Filter:
    """domain.advocacy.policies.readable for testimonials and advocate profiles: staff who run
    advocacy find them all; a customer finds only their own."""
    if viewer.runs_advocacy:
        return ALWAYS
    return Eq("member_id", viewer.member_id)
