"""Who may see and do what with ideas, votes, the changelog and surveys. Every list, `node`,
notification and search surface filters through readable_ideas."""

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, true

from domain.feedback.models import (
    Idea,
    IdeaVisibility,
    Survey,
    SurveyRecipient,
    SurveyResponse,
)
from domain.identity.models import AccountKind, Role
from domain.identity.policies import Actor


def idea_visibility_filter(actor: Actor) -> ColumnElement[bool]:
    if actor.is_staff:
        return true()
    return visible_to_account(actor.account_id)


def visible_to_account(account_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """What a non-staff member of `account_id` sees (a value, or a bound parameter for
    statements built once and run with each caller's account)."""
    return or_(
        Idea.visibility == IdeaVisibility.PUBLIC,
        and_(Idea.visibility == IdeaVisibility.ACCOUNT, Idea.account_id == account_id),
    )


def readable_ideas(actor: Actor, statement: Select[Idea]) -> Select[Idea]:
    """Public ideas for every member; account ideas for that account; all of them for staff.
    Merged ideas stay readable (they redirect to the idea they were merged into)."""
    if actor.is_staff:
        return statement
    return statement.where(idea_visibility_filter(actor))


# The bound parameter that carries the reader's account in readable_ideas_once statements.
READER_ACCOUNT_ID = "reader_account_id"


def readable_ideas_once(staff: bool, statement: Select[Idea]) -> Select[Idea]:
    """readable_ideas for a statement built once and run for many readers (a hot path that
    should not rebuild and re-key its SQL per request): pass `reader_params(actor)` with it."""
    if staff:
        return statement
    return statement.where(visible_to_account(bindparam(READER_ACCOUNT_ID)))


def reader_params(actor: Actor) -> dict[str, int]:
    return {READER_ACCOUNT_ID: actor.account_id}


def can_see_idea(actor: Actor, idea: Idea) -> bool:
    if actor.is_staff or idea.visibility is IdeaVisibility.PUBLIC:
        return True
    return idea.visibility is IdeaVisibility.ACCOUNT and idea.account_id == actor.account_id


def can_triage(actor: Actor) -> bool:
    """Statuses, merges, owners, links, workflow and weights: product staff (and admins)."""
    return actor.is_staff and actor.has_role(Role.PRODUCT)


def can_see_impact_weights(actor: Actor) -> bool:
    """Any staff member may read how impact is weighed; only product staff change it."""
    return actor.is_staff


def can_send_digests(actor: Actor) -> bool:
    """Staff (or a scheduler's staff token) trigger the opt-in digests."""
    return actor.is_staff


def can_see_demand_value(actor: Actor) -> bool:
    """ARR and its segment breakdown are the vendor's own numbers (like an account's ARR)."""
    return actor.is_staff


def can_see_voters(actor: Actor) -> bool:
    """Who voted (and proxy notes) is for staff; members see counts and their own vote."""
    return actor.is_staff


def can_record_proxy_vote(actor: Actor) -> bool:
    """Any staff member who heard a customer ask (CSMs on calls, product on tickets)."""
    return actor.is_staff


def can_edit_idea(actor: Actor, idea: Idea) -> bool:
    return idea.author_id == actor.member_id or can_triage(actor)


def can_vote(actor: Actor) -> bool:
    """Customers vote; staff record proxy votes for them instead of voting themselves."""
    return actor.account_kind is AccountKind.CUSTOMER


def can_manage_changelog(actor: Actor) -> bool:
    return can_triage(actor)


def can_manage_surveys(actor: Actor) -> bool:
    return actor.is_staff and (actor.has_role(Role.PRODUCT) or actor.has_role(Role.CSM))


def can_see_survey_results(actor: Actor) -> bool:
    return actor.is_staff


def readable_surveys(actor: Actor, statement: Select[Survey]) -> Select[Survey]:
    """Staff see every survey; a member sees the surveys sent to them."""
    if can_see_survey_results(actor):
        return statement
    sent = select(SurveyRecipient.survey_id).where(SurveyRecipient.member_id == actor.member_id)
    return statement.where(Survey.id.in_(sent))


def readable_responses(actor: Actor, statement: Select[SurveyResponse]) -> Select[SurveyResponse]:
    """Staff see every response; a member sees their own."""
    if can_see_survey_results(actor):
        return statement
    return statement.where(SurveyResponse.member_id == actor.member_id)


def can_answer_surveys(actor: Actor) -> bool:
    """Surveys ask customers; staff are never recipients."""
    return actor.account_kind is AccountKind.CUSTOMER
