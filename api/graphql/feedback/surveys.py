"""Surveys on the wire: queries and mutations (the use cases are in
domain/feedback/services/surveys.py)."""

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import exists, or_, select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.feedback.survey_types import (
    SurveyConnection,
    SurveyNode,
    SurveyReport,
    SurveyResponseNode,
    survey_report,
)
from api.graphql.feedback.types import (
    FeedbackUserError,
    IdeaNode,
    IdeaVisibility,
    Importance,
    SurveyKind,
)
from api.graphql.relay import decode_id, page_request, to_connection
from domain.feedback import policies, survey_results
from domain.feedback.errors import FeedbackErrorCode as Code
from domain.feedback.errors import failure
from domain.feedback.models import Survey, SurveyRecipient, SurveyResponse
from domain.feedback.services import surveys
from domain.shared.errors import Forbidden
from domain.shared.pagination import paginate

MAX_RECIPIENT_INPUT = 100


@strawberry.input
class CreateSurveyInput:
    kind: SurveyKind
    title: str
    closes_at: datetime | None = strawberry.field(
        default=None, description="After this, answers are refused (null: stays open)."
    )


@strawberry.type
class SurveyPayload:
    survey: SurveyNode | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class SendSurveyInput:
    survey_id: relay.GlobalID
    member_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Customer members (at most 100)."
    )
    account_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Customer accounts: every active member (at most 100)."
    )


@strawberry.type
class SendSurveyPayload:
    survey: SurveyNode | None
    sent_count: int = strawberry.field(description="Members asked now.")
    already_sent_count: int = strawberry.field(description="Members who had it already.")
    skipped_count: int = strawberry.field(
        description="Members over their fatigue budget (advocacy): not asked."
    )
    user_errors: list[FeedbackUserError]


@strawberry.input
class SurveyAnswerInput:
    question_key: str = strawberry.field(description="A key of Survey.questions.")
    score: int


@strawberry.input
class AnswerSurveyInput:
    survey_id: relay.GlobalID
    answers: list[SurveyAnswerInput] = strawberry.field(description="Every question, once.")
    comment: str | None = strawberry.field(default=None, description="Free text.")


@strawberry.type
class SurveyResponsePayload:
    response: SurveyResponseNode | None
    user_errors: list[FeedbackUserError]


@strawberry.input
class CreateIdeaFromSurveyResponseInput:
    response_id: relay.GlobalID
    title: str
    product_area: str
    description: str | None = strawberry.field(
        default=None, description="Markdown; default: the respondent's comment, quoted."
    )
    tags: list[str] = strawberry.field(default_factory=list)
    visibility: IdeaVisibility = strawberry.field(
        default=IdeaVisibility.STAFF, description="PUBLIC or STAFF (the default)."
    )
    vote_importance: Importance | None = strawberry.field(
        default=None,
        description="Also count the respondent's proxy vote (source SURVEY); PUBLIC ideas only.",
    )


@strawberry.type
class IdeaFromSurveyResponsePayload:
    idea: IdeaNode | None
    response: SurveyResponseNode | None
    user_errors: list[FeedbackUserError]


@strawberry.type
class SurveyQueries:
    @strawberry.field(
        description="Surveys you may see, newest first: staff see all, members the ones sent "
        "to them. `pending`: sent to you, not answered, still open."
    )
    async def surveys(
        self,
        info: Info,
        kind: SurveyKind | None = None,
        pending: Annotated[
            bool, strawberry.argument(description="Only those waiting for your answer.")
        ] = False,
        first: int | None = None,
        after: str | None = None,
    ) -> SurveyConnection:
        actor = info.context.require_actor()
        statement = policies.readable_surveys(actor, select(Survey))
        if kind is not None:
            statement = statement.where(Survey.kind == kind)
        if pending:
            mine = select(SurveyRecipient.survey_id).where(
                SurveyRecipient.member_id == actor.member_id
            )
            answered = exists().where(
                SurveyResponse.survey_id == Survey.id,
                SurveyResponse.member_id == actor.member_id,
            )
            statement = statement.where(
                Survey.id.in_(mine),
                ~answered,
                or_(Survey.closes_at.is_(None), Survey.closes_at > info.context.now),
            )
        page = await paginate(
            info.context.session,
            statement,
            [Survey.id],
            lambda survey: [survey.id],
            page_request(first, after, None, None),
            descending=True,
        )
        return to_connection(SurveyConnection, page, SurveyNode.from_model)

    @strawberry.field(description="Scores of every survey of a kind. Staff only.")
    async def survey_report(
        self,
        info: Info,
        kind: SurveyKind,
        since: datetime | None = None,
        until: Annotated[datetime | None, strawberry.argument(description="Exclusive.")] = None,
    ) -> SurveyReport:
        if not policies.can_see_survey_results(info.context.require_actor()):
            raise Forbidden("staff only")
        filters = survey_results.Filters(kind=kind, since=since, until=until)
        return await survey_report(info, filters)


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(description="Product staff or CSMs: create a survey (send it next).")
    async def create_survey(self, info: Info, input: CreateSurveyInput) -> SurveyPayload:
        context = info.context

        async def action() -> SurveyNode:
            new = surveys.NewSurvey(kind=input.kind, title=input.title, closes_at=input.closes_at)
            survey = await surveys.create_survey(
                context.session, context.require_writer(), new, context.now
            )
            return SurveyNode.from_model(survey)

        survey, problems = await mutate(info, action)
        return SurveyPayload(survey=survey, user_errors=FeedbackUserError.from_problems(problems))

    @strawberry.mutation(
        description="Product staff or CSMs: send a survey to members and whole accounts. "
        "Members over their fatigue budget are skipped (counted in skippedCount)."
    )
    async def send_survey(self, info: Info, input: SendSurveyInput) -> SendSurveyPayload:
        context = info.context

        async def action() -> surveys.Sending:
            if len(input.member_ids) > MAX_RECIPIENT_INPUT:
                raise failure(Code.TOO_MANY_ITEMS, "at most 100 members", "memberIds")
            if len(input.account_ids) > MAX_RECIPIENT_INPUT:
                raise failure(Code.TOO_MANY_ITEMS, "at most 100 accounts", "accountIds")
            return await surveys.send_survey(
                context.session,
                context.require_writer(),
                decode_id(input.survey_id, "Survey", ["input", "surveyId"]),
                [decode_id(i, "Member", ["input", "memberIds"]) for i in input.member_ids],
                [decode_id(i, "Account", ["input", "accountIds"]) for i in input.account_ids],
                context.now,
            )

        sending, problems = await mutate(info, action)
        return SendSurveyPayload(
            survey=SurveyNode.from_model(sending.survey) if sending else None,
            sent_count=sending.sent if sending else 0,
            already_sent_count=sending.already_sent if sending else 0,
            skipped_count=sending.skipped if sending else 0,
            user_errors=FeedbackUserError.from_problems(problems),
        )

    @strawberry.mutation(description="Answer a survey sent to you, once.")
    async def answer_survey(self, info: Info, input: AnswerSurveyInput) -> SurveyResponsePayload:
        context = info.context

        async def action() -> SurveyResponseNode:
            answers: dict[str, int] = {}
            for answer in input.answers[:MAX_RECIPIENT_INPUT]:
                if answer.question_key in answers:
                    raise failure(Code.INVALID_VALUE, "answer each question once", "answers")
                answers[answer.question_key] = answer.score
            survey_id = decode_id(input.survey_id, "Survey", ["input", "surveyId"])
            response = await surveys.answer_survey(
                context.session,
                context.require_writer(),
                survey_id,
                answers,
                input.comment,
                context.now,
            )
            survey = await context.session.get(Survey, response.survey_id)
            assert survey is not None
            return SurveyResponseNode.from_model(response, survey.kind)

        response, problems = await mutate(info, action)
        return SurveyResponsePayload(
            response=response, user_errors=FeedbackUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Product staff or CSMs: turn a response's free-text answer into an idea "
        "(the response links to it)."
    )
    async def create_idea_from_survey_response(
        self, info: Info, input: CreateIdeaFromSurveyResponseInput
    ) -> IdeaFromSurveyResponsePayload:
        context = info.context

        async def action() -> tuple[IdeaNode, SurveyResponseNode]:
            new = surveys.IdeaFromResponse(
                response_id=decode_id(input.response_id, "SurveyResponse", ["input", "responseId"]),
                title=input.title,
                product_area=input.product_area,
                description=input.description,
                tags=input.tags[:MAX_RECIPIENT_INPUT],
                visibility=input.visibility,
                vote_importance=input.vote_importance,
            )
            response, idea = await surveys.idea_from_response(
                context.session,
                context.require_writer(),
                new,
                context.now,
                context.community_rules,
            )
            survey = await context.session.get(Survey, response.survey_id)
            assert survey is not None
            return IdeaNode.from_model(idea), SurveyResponseNode.from_model(response, survey.kind)

        result, problems = await mutate(info, action)
        return IdeaFromSurveyResponsePayload(
            idea=result[0] if result else None,
            response=result[1] if result else None,
            user_errors=FeedbackUserError.from_problems(problems),
        )
