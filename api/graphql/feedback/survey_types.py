from datetime import datetime
from typing import Self

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.feedback.types import IdeaNode, member_node
from api.graphql.identity.types import AccountNode, MemberNode
from api.graphql.relay import node_ints, page_request, to_connection
from domain.feedback import models, policies, survey_results
from domain.feedback.models import SurveyKind, SurveyResponse
from domain.feedback.questions import QUESTIONS, display_score
from domain.identity.models import AccountSegment
from domain.shared.pagination import paginate


@strawberry.type(description="One question of a survey kind's fixed question set.")
class SurveyQuestion:
    key: str = strawberry.field(description="Answer with this key in `answerSurvey`.")
    text: str
    min_score: int
    max_score: int


@strawberry.type(description="The score given to one question.")
class SurveyAnswer:
    question_key: str
    score: int


@strawberry.type(
    description="Scores over a set of responses. NPS = % promoters (9-10) - % detractors "
    "(0-6); CSAT: mean and % satisfied (4-5); FEEL_VALUED: mean of the responses' means."
)
class SurveyScores:
    response_count: int
    average: float | None = strawberry.field(
        description="Mean headline score on the question scale (null without responses)."
    )
    nps: float | None = strawberry.field(description="NPS surveys: -100 to 100.")
    promoter_count: int = strawberry.field(description="NPS: answers of 9-10.")
    passive_count: int = strawberry.field(description="NPS: answers of 7-8.")
    detractor_count: int = strawberry.field(description="NPS: answers of 0-6.")
    satisfied_percent: float | None = strawberry.field(description="CSAT: % answering 4-5.")

    @classmethod
    def of(cls, s: survey_results.Scores) -> "SurveyScores":
        nps = s.kind is SurveyKind.NPS
        return cls(
            response_count=s.responses,
            average=s.average,
            nps=s.nps,
            promoter_count=s.promoters if nps else 0,
            passive_count=s.passives if nps else 0,
            detractor_count=s.detractors if nps else 0,
            satisfied_percent=s.satisfied_percent,
        )


@strawberry.type(description="Scores of the responses from one account segment.")
class SegmentSurveyScores:
    segment: AccountSegment | None = strawberry.field(description="Null: no segment recorded.")
    scores: SurveyScores


@strawberry.type(description="Scores of the responses of one calendar month (UTC).")
class MonthSurveyScores:
    month: str = strawberry.field(description="YYYY-MM.")
    scores: SurveyScores


@strawberry.type(description="Scores overall, per account segment and per month.")
class SurveyReport:
    overall: SurveyScores
    by_segment: list[SegmentSurveyScores]
    by_month: list[MonthSurveyScores] = strawberry.field(description="Oldest month first.")


async def survey_report(info: Info, filters: survey_results.Filters) -> SurveyReport:
    session = info.context.session
    overall = await survey_results.overall(session, filters)
    segments = await survey_results.by_segment(session, filters)
    months = await survey_results.by_month(session, filters)
    return SurveyReport(
        overall=SurveyScores.of(overall),
        by_segment=[
            SegmentSurveyScores(segment=segment, scores=SurveyScores.of(s))
            for segment, s in segments
        ],
        by_month=[MonthSurveyScores(month=month, scores=SurveyScores.of(s)) for month, s in months],
    )


@strawberry.type(name="Survey", description="An NPS, CSAT or feel-valued survey.")
class SurveyNode(relay.Node):
    id: relay.NodeID[int]
    kind: SurveyKind
    title: str
    closes_at: datetime | None = strawberry.field(description="Null: open until closed.")
    created_at: datetime
    model: strawberry.Private[models.Survey]

    @classmethod
    def from_model(cls, survey: models.Survey) -> Self:
        return cls(
            id=survey.id,
            kind=survey.kind,
            title=survey.title,
            closes_at=survey.closes_at,
            created_at=survey.created_at,
            model=survey,
        )

    @strawberry.field(description="The questions to answer, in order.")
    def questions(self) -> list[SurveyQuestion]:
        return [
            SurveyQuestion(key=q.key, text=q.text, min_score=q.min_score, max_score=q.max_score)
            for q in QUESTIONS[self.model.kind]
        ]

    @strawberry.field(description="Your response; null if you have not answered.")
    async def viewer_response(self, info: Info) -> "SurveyResponseNode | None":
        info.context.require_actor()
        row = await info.context.feedback.viewer_response_by_survey_id.load(self.model.id)
        return SurveyResponseNode.from_model(row, self.model.kind) if row else None

    @strawberry.field(description="Members it was sent to. Staff only.")
    async def recipient_count(self, info: Info) -> int | None:
        if not policies.can_see_survey_results(info.context.require_actor()):
            return None
        return await info.context.feedback.recipient_count_by_survey_id.load(self.model.id)

    @strawberry.field(description="Its scores. Staff only.")
    async def scores(self, info: Info) -> SurveyScores | None:
        if not policies.can_see_survey_results(info.context.require_actor()):
            return None
        return SurveyScores.of(await info.context.feedback.survey_scores_by_survey.load(self.model))

    @strawberry.field(description="Its scores per segment and per month. Staff only.")
    async def report(self, info: Info) -> SurveyReport | None:
        if not policies.can_see_survey_results(info.context.require_actor()):
            return None
        filters = survey_results.Filters(kind=self.model.kind, survey_id=self.model.id)
        return await survey_report(info, filters)

    @strawberry.field(description="Responses, newest first (at most 100 a page). Staff only.")
    async def responses(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> "SurveyResponseConnection | None":
        if not policies.can_see_survey_results(info.context.require_actor()):
            return None
        page = await paginate(
            info.context.session,
            select(SurveyResponse).where(SurveyResponse.survey_id == self.model.id),
            [SurveyResponse.id],
            lambda row: [row.id],
            page_request(first, after, None, None),
            descending=True,
        )
        kind = self.model.kind
        return to_connection(
            SurveyResponseConnection, page, lambda r: SurveyResponseNode.from_model(r, kind)
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        rows = await info.context.feedback.readable_survey_by_id.load_many(node_ints(node_ids))
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(name="SurveyConnection")
class SurveyConnection(relay.Connection[SurveyNode]):
    pass


@strawberry.type(name="SurveyResponse", description="One member's answers to a survey.")
class SurveyResponseNode(relay.Node):
    id: relay.NodeID[int]
    score: float = strawberry.field(
        description="Headline score: the NPS or CSAT answer; FEEL_VALUED: the mean answer."
    )
    answers: list[SurveyAnswer]
    comment: str | None = strawberry.field(description="The free-text answer.")
    responded_at: datetime
    model: strawberry.Private[models.SurveyResponse]

    @classmethod
    def from_model(cls, row: models.SurveyResponse, kind: SurveyKind) -> Self:
        order = [q.key for q in QUESTIONS[kind]]
        return cls(
            id=row.id,
            score=display_score(kind, row.score),
            answers=[
                SurveyAnswer(question_key=k, score=int(row.answers[k]))
                for k in order
                if k in row.answers
            ],
            comment=row.comment,
            responded_at=row.responded_at,
            model=row,
        )

    @strawberry.field
    async def survey(self, info: Info) -> SurveyNode | None:
        info.context.require_actor()
        row = await info.context.feedback.readable_survey_by_id.load(self.model.survey_id)
        return SurveyNode.from_model(row) if row else None

    @strawberry.field(description="Who answered.")
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field(description="The respondent's account. Staff only.")
    async def account(self, info: Info) -> AccountNode | None:
        if not policies.can_see_survey_results(info.context.require_actor()):
            return None
        account = await info.context.identity.account_by_id.load(self.model.account_id)
        return AccountNode.from_model(account) if account else None

    @strawberry.field(description="The idea staff made of the free-text answer, if you may see it.")
    async def idea(self, info: Info) -> IdeaNode | None:
        if self.model.idea_id is None:
            return None
        info.context.require_actor()
        idea = await info.context.feedback.readable_idea_by_id.load(self.model.idea_id)
        return IdeaNode.from_model(idea) if idea else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        rows = await info.context.feedback.readable_response_by_id.load_many(node_ints(node_ids))
        surveys = await info.context.feedback.readable_survey_by_id.load_many(
            [r.survey_id if r else 0 for r in rows]
        )
        return [
            cls.from_model(row, survey.kind) if row and survey else None
            for row, survey in zip(rows, surveys, strict=True)
        ]


@strawberry.type(name="SurveyResponseConnection")
class SurveyResponseConnection(relay.Connection[SurveyResponseNode]):
    pass
