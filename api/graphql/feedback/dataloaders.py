"""Feedback DataLoaders, fresh per request. Viewer-specific ones are bound to the viewer."""

from collections.abc import Sequence

from sqlalchemy import false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.feedback import policies, repository, survey_results
from domain.feedback.impact import ImpactWeights, load_weights
from domain.feedback.models import (
    ChangelogEntry,
    Idea,
    IdeaStatusChange,
    IdeaVote,
    Survey,
    SurveyRecipient,
    SurveyResponse,
)
from domain.identity.models import AccountSegment
from domain.identity.policies import Actor


class ReadableIdeaByIdLoader(DataLoader[int, Idea | None]):
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        async def load(ids: Sequence[int]) -> list[Idea | None]:
            statement = select(Idea).where(Idea.id.in_(ids))
            statement = (
                policies.readable_ideas(actor, statement) if actor else statement.where(false())
            )
            found = {idea.id: idea for idea in await session.scalars(statement)}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ViewerVoteByIdeaIdLoader(DataLoader[int, IdeaVote | None]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[IdeaVote | None]:
            found = await repository.votes_of(session, member_id, ids)
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


Breakdown = list[tuple[AccountSegment | None, int, int]]


class SegmentDemandByIdeaIdLoader(DataLoader[int, Breakdown]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[Breakdown]:
            found = await repository.segment_breakdown(session, ids)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class StatusHistoryByIdeaIdLoader(DataLoader[int, list[IdeaStatusChange]]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[list[IdeaStatusChange]]:
            rows = await session.scalars(
                select(IdeaStatusChange)
                .where(IdeaStatusChange.idea_id.in_(ids))
                .order_by(IdeaStatusChange.idea_id, IdeaStatusChange.id)
            )
            result: dict[int, list[IdeaStatusChange]] = {i: [] for i in ids}
            for change in rows:
                result[change.idea_id].append(change)
            return [result[i] for i in ids]

        super().__init__(load_fn=load)


class ChangelogEntryByIdLoader(DataLoader[int, ChangelogEntry | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[ChangelogEntry | None]:
            rows = await session.scalars(select(ChangelogEntry).where(ChangelogEntry.id.in_(ids)))
            found = {row.id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class IdeasByChangelogIdLoader(DataLoader[int, list[Idea]]):
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        async def load(ids: Sequence[int]) -> list[list[Idea]]:
            result: dict[int, list[Idea]] = {i: [] for i in ids}
            if actor is not None:
                statement = select(Idea).where(Idea.changelog_entry_id.in_(ids)).order_by(Idea.id)
                for idea in await session.scalars(policies.readable_ideas(actor, statement)):
                    result[idea.changelog_entry_id or 0].append(idea)
            return [result[i] for i in ids]

        super().__init__(load_fn=load)


class ReadableSurveyByIdLoader(DataLoader[int, Survey | None]):
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        async def load(ids: Sequence[int]) -> list[Survey | None]:
            statement = select(Survey).where(Survey.id.in_(ids))
            statement = (
                policies.readable_surveys(actor, statement) if actor else statement.where(false())
            )
            found = {survey.id: survey for survey in await session.scalars(statement)}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ReadableResponseByIdLoader(DataLoader[int, SurveyResponse | None]):
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        async def load(ids: Sequence[int]) -> list[SurveyResponse | None]:
            statement = select(SurveyResponse).where(SurveyResponse.id.in_(ids))
            statement = (
                policies.readable_responses(actor, statement) if actor else statement.where(false())
            )
            found = {row.id: row for row in await session.scalars(statement)}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ViewerResponseBySurveyIdLoader(DataLoader[int, SurveyResponse | None]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[SurveyResponse | None]:
            rows = await session.scalars(
                select(SurveyResponse).where(
                    SurveyResponse.member_id == member_id, SurveyResponse.survey_id.in_(ids)
                )
            )
            found = {row.survey_id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class RecipientCountBySurveyIdLoader(DataLoader[int, int]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[int]:
            rows = await session.execute(
                select(SurveyRecipient.survey_id, func.count())
                .where(SurveyRecipient.survey_id.in_(ids))
                .group_by(SurveyRecipient.survey_id)
            )
            found = {survey_id: int(count) for survey_id, count in rows}
            return [found.get(i, 0) for i in ids]

        super().__init__(load_fn=load)


class SurveyScoresBySurveyLoader(DataLoader[Survey, survey_results.Scores]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(surveys: Sequence[Survey]) -> list[survey_results.Scores]:
            found = await survey_results.per_survey(session, {s.id: s.kind for s in surveys})
            return [found[s.id] for s in surveys]

        super().__init__(load_fn=load, cache_key_fn=lambda survey: survey.id)


class FeedbackLoaders:
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        self._session = session
        self._weights: ImpactWeights | None = None
        self.readable_idea_by_id = ReadableIdeaByIdLoader(session, actor)
        self.viewer_vote_by_idea_id = ViewerVoteByIdeaIdLoader(
            session, actor.member_id if actor else 0
        )
        self.segment_demand_by_idea_id = SegmentDemandByIdeaIdLoader(session)
        self.status_history_by_idea_id = StatusHistoryByIdeaIdLoader(session)
        self.changelog_entry_by_id = ChangelogEntryByIdLoader(session)
        self.ideas_by_changelog_id = IdeasByChangelogIdLoader(session, actor)
        self.readable_survey_by_id = ReadableSurveyByIdLoader(session, actor)
        self.readable_response_by_id = ReadableResponseByIdLoader(session, actor)
        self.viewer_response_by_survey_id = ViewerResponseBySurveyIdLoader(
            session, actor.member_id if actor else 0
        )
        self.recipient_count_by_survey_id = RecipientCountBySurveyIdLoader(session)
        self.survey_scores_by_survey = SurveyScoresBySurveyLoader(session)

    async def weights(self) -> ImpactWeights:
        """The impact weights, read once per request."""
        if self._weights is None:
            self._weights = await load_weights(self._session)
        return self._weights
