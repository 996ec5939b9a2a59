"""Surveys: staff create NPS, CSAT and feel-valued surveys and send them to members or whole
accounts; customers answer the ones sent to them, once; staff turn a free-text answer into an
idea.

Sending asks people for their time, so it goes through the advocacy fatigue budget: each
recipient's ask is recorded (kind SURVEY) and members over budget are skipped, not asked.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.advocacy.fatigue import Asked, AskKind, check_budget, check_budgets, record_ask
from domain.advocacy.models import AdvocateProfile
from domain.community.policies import CommunityRules
from domain.feedback import events, policies
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure, not_found
from domain.feedback.models import (
    Idea,
    IdeaVisibility,
    Importance,
    ProxySource,
    Survey,
    SurveyKind,
    SurveyRecipient,
    SurveyResponse,
)
from domain.feedback.questions import QUESTIONS, display_score, headline_score
from domain.feedback.services import ideas, voting
from domain.identity.models import Account, AccountKind, Member, MemberStatus
from domain.identity.policies import Actor
from domain.shared.audit import record_audit
from domain.shared.errors import Forbidden
from domain.shared.upsert import insert_ignoring_duplicates
from domain.shared.validation import Checker

MAX_COMMENT = 5000
SOURCE_TYPE = "Survey"  # the fatigue ledger's source of a survey ask


@dataclass(frozen=True)
class NewSurvey:
    kind: SurveyKind
    title: str
    closes_at: datetime | None = None


@dataclass(frozen=True)
class Sending:
    survey: Survey
    sent: int  # newly asked
    already_sent: int  # had it already (not asked again)
    skipped: int  # over their fatigue budget: not asked
    skipped_member_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class IdeaFromResponse:
    response_id: int
    title: str
    product_area: str
    description: str | None = None  # default: the respondent's comment, quoted
    tags: list[str] = field(default_factory=list)
    visibility: IdeaVisibility = IdeaVisibility.STAFF
    vote_importance: Importance | None = None  # also count it as the respondent's proxy vote


async def create_survey(
    session: AsyncSession, actor: Actor, new: NewSurvey, now: datetime
) -> Survey:
    if not policies.can_manage_surveys(actor):
        raise Forbidden("only product staff and CSMs run surveys")
    check = Checker(Code.INVALID_VALUE)
    title = check.text("title", new.title, max_length=200, required=True)
    if new.closes_at is not None and new.closes_at <= now:
        check.fail("closesAt", "a survey must close in the future")
    check.raise_if_any()
    survey = Survey(
        kind=new.kind, title=title, created_by_id=actor.member_id, closes_at=new.closes_at
    )
    survey.created_at = now
    session.add(survey)
    await session.flush()
    return survey


async def send_survey(
    session: AsyncSession,
    actor: Actor,
    survey_id: int,
    member_ids: list[int],
    account_ids: list[int],
    now: datetime,
) -> Sending:
    """Sends to the given customer members and every active member of the given accounts.
    Who has it already is not asked again; who is over their fatigue budget is skipped."""
    if not policies.can_manage_surveys(actor):
        raise Forbidden("only product staff and CSMs run surveys")
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise not_found("survey", "surveyId")
    if survey.closes_at is not None and survey.closes_at <= now:
        raise failure(Code.SURVEY_CLOSED, "this survey is closed", "surveyId")
    if not member_ids and not account_ids:
        raise failure(Code.INVALID_VALUE, "name members or accounts to send to", "memberIds")
    rows = (
        await session.execute(
            select(Member.id, Member.account_id, AdvocateProfile.max_asks_per_quarter)
            .join(Account, Account.id == Member.account_id)
            .outerjoin(AdvocateProfile, AdvocateProfile.member_id == Member.id)
            .where(
                or_(Member.id.in_(member_ids), Member.account_id.in_(account_ids)),
                Member.status == MemberStatus.ACTIVE,
                Account.kind == AccountKind.CUSTOMER,
            )
            .order_by(Member.account_id, Member.id)
        )
    ).all()
    found_members = {r.id for r in rows}
    if set(member_ids) - found_members:
        raise not_found("member", "memberIds")
    customer_accounts = set(
        await session.scalars(
            select(Account.id).where(
                Account.id.in_(account_ids), Account.kind == AccountKind.CUSTOMER
            )
        )
    )
    if set(account_ids) - customer_accounts:
        raise not_found("account", "accountIds")
    have_it = set(
        await session.scalars(
            select(SurveyRecipient.member_id).where(
                SurveyRecipient.survey_id == survey.id,
                SurveyRecipient.member_id.in_(found_members),
            )
        )
    )
    candidates = [Asked(r.id, r.account_id, r.max_asks_per_quarter) for r in rows]
    candidates = [a for a in candidates if a.member_id not in have_it]
    asked = await _within_budget(session, survey.id, candidates, now)
    asked_ids = {a.member_id for a in asked}
    skipped = [a.member_id for a in candidates if a.member_id not in asked_ids]
    await insert_ignoring_duplicates(
        session,
        SurveyRecipient,
        [{"survey_id": survey.id, "member_id": a.member_id, "sent_at": now} for a in asked],
    )
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="survey.sent",
        target_type="survey",
        target_id=survey.id,
        details={"sent": len(asked), "skipped": len(skipped), "already_sent": len(have_it)},
    )
    if asked:
        events.emit(
            session,
            events.SURVEY_SENT,
            survey_id=survey.id,
            member_ids=[a.member_id for a in asked],
        )
    return Sending(survey, len(asked), len(have_it), len(skipped), skipped)


async def _within_budget(
    session: AsyncSession, survey_id: int, candidates: list[Asked], now: datetime
) -> list[Asked]:
    """Records an ask for each candidate the fatigue budget allows. One batch check covers
    members alone in their account; members sharing an account are checked one after the
    other, so the asks this send records count against the account's budget too."""
    verdicts = await check_budgets(session, candidates, kind=AskKind.SURVEY, at=now)
    by_account: dict[int, list[Asked]] = defaultdict(list)
    for candidate in candidates:
        by_account[candidate.account_id].append(candidate)
    asked: list[Asked] = []
    for group in by_account.values():
        for candidate in group:
            if len(group) > 1 and verdicts[candidate.member_id].allowed:
                verdict = await check_budget(
                    session, member_id=candidate.member_id, kind=AskKind.SURVEY, at=now
                )
            else:
                verdict = verdicts[candidate.member_id]
            if not verdict.allowed:
                continue
            await record_ask(
                session,
                member_id=candidate.member_id,
                account_id=candidate.account_id,
                kind=AskKind.SURVEY,
                source_type=SOURCE_TYPE,
                source_id=survey_id,
                at=now,
            )
            asked.append(candidate)
    return asked


async def answer_survey(
    session: AsyncSession,
    actor: Actor,
    survey_id: int,
    answers: dict[str, int],
    comment: str | None,
    now: datetime,
) -> SurveyResponse:
    """One response per member: every question of the kind answered within its range."""
    if not actor.can_write:
        raise Forbidden("this token is read-only")
    survey = await session.scalar(
        policies.readable_surveys(actor, select(Survey).where(Survey.id == survey_id))
    )
    if survey is None:
        raise not_found("survey", "surveyId")
    invited = await session.get(SurveyRecipient, (survey.id, actor.member_id))
    if invited is None or not policies.can_answer_surveys(actor):
        raise failure(Code.NOT_INVITED, "this survey was not sent to you", "surveyId")
    if survey.closes_at is not None and survey.closes_at <= now:
        raise failure(Code.SURVEY_CLOSED, "this survey is closed", "surveyId")
    check = Checker(Code.INVALID_VALUE)
    questions = {q.key: q for q in QUESTIONS[survey.kind]}
    if set(answers) != set(questions):
        check.fail("answers", f"answer exactly these questions: {', '.join(questions)}")
    for key, value in answers.items():
        question = questions.get(key)
        if question and not question.min_score <= value <= question.max_score:
            check.fail(
                "answers",
                f"{key}: answer from {question.min_score} to {question.max_score}",
                Code.ANSWER_OUT_OF_RANGE,
            )
    text = check.text("comment", comment, max_length=MAX_COMMENT)
    check.raise_if_any()
    score = headline_score(survey.kind, answers)
    inserted = await insert_ignoring_duplicates(
        session,
        SurveyResponse,
        [
            {
                "survey_id": survey.id,
                "member_id": actor.member_id,
                "account_id": actor.account_id,
                "score": score,
                "answers": dict(answers),
                "comment": text,
                "responded_at": now,
            }
        ],
    )
    if not inserted:
        raise failure(Code.ALREADY_ANSWERED, "you answered this survey already", "surveyId")
    response = await session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.member_id == actor.member_id
        )
    )
    assert response is not None
    events.emit(
        session,
        events.SURVEY_ANSWERED,
        survey_id=survey.id,
        response_id=response.id,
        member_id=actor.member_id,
        account_id=actor.account_id,
        kind=survey.kind.value,
        score=display_score(survey.kind, score),
    )
    return response


async def idea_from_response(
    session: AsyncSession,
    actor: Actor,
    new: IdeaFromResponse,
    now: datetime,
    rules: CommunityRules | None = None,
) -> tuple[SurveyResponse, Idea]:
    """Staff turn a free-text answer into an idea (submitted like any other) and the response
    keeps a link to it. STAFF visibility by default: a customer's words are published only by
    choice. `vote_importance` also counts it as the respondent's proxy vote (source SURVEY)."""
    if not policies.can_manage_surveys(actor):
        raise Forbidden("only product staff and CSMs run surveys")
    response = await session.get(SurveyResponse, new.response_id, with_for_update=True)
    if response is None:
        raise not_found("survey response", "responseId")
    if not response.comment:
        raise failure(Code.NO_FREE_TEXT, "this response has no free-text answer", "responseId")
    if response.idea_id is not None:
        raise failure(
            Code.ALREADY_CONVERTED, "this response was turned into an idea already", "responseId"
        )
    if new.visibility is IdeaVisibility.ACCOUNT:
        raise failure(Code.INVALID_VALUE, "PUBLIC or STAFF", "visibility")
    if new.vote_importance is not None and new.visibility is not IdeaVisibility.PUBLIC:
        raise failure(
            Code.INVALID_VALUE,
            "the respondent can vote only on an idea they can see (PUBLIC)",
            "voteImportance",
        )
    quoted = "\n".join(f"> {line}" for line in response.comment.splitlines())
    idea = await ideas.submit_idea(
        session,
        actor,
        ideas.NewIdea(
            title=new.title,
            product_area=new.product_area,
            description=new.description if new.description is not None else quoted,
            tags=new.tags,
            visibility=new.visibility,
        ),
        rules=rules,
        now=now,
    )
    response.idea_id = idea.id
    if new.vote_importance is not None:
        idea, _ = await voting.record_proxy_vote(
            session,
            actor,
            voting.ProxyVote(
                idea_id=idea.id,
                member_id=response.member_id,
                importance=new.vote_importance,
                source=ProxySource.SURVEY,
                note=f"From their answer to survey {response.survey_id}",
            ),
        )
    await session.flush()
    record_audit(
        session,
        actor_member_id=actor.member_id,
        action="survey_response.to_idea",
        target_type="survey_response",
        target_id=response.id,
        details={"idea_id": idea.id},
    )
    return response, idea
