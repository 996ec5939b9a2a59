"""Programs DataLoaders, fresh per request; the viewer-bound ones answer for the viewer only."""

from collections.abc import Sequence

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from api.graphql.community.dataloaders import RowByIdLoader
from domain.identity.policies import Actor
from domain.programs import policies, repository
from domain.programs.models import (
    AgreementAcceptance,
    Program,
    ProgramAgreement,
    ProgramApplication,
    ProgramEnrolment,
)


class SeatedCountByProgramIdLoader(DataLoader[int, int]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[int]:
            found = await repository.seated_counts(session, ids)
            return [found[i] for i in ids]

        super().__init__(load_fn=load)


class ViewerEnrolmentByProgramIdLoader(DataLoader[int, ProgramEnrolment | None]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[ProgramEnrolment | None]:
            rows = await session.scalars(
                select(ProgramEnrolment).where(
                    ProgramEnrolment.program_id.in_(ids), ProgramEnrolment.member_id == member_id
                )
            )
            found = {row.program_id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ViewerApplicationByProgramIdLoader(DataLoader[int, ProgramApplication | None]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[ProgramApplication | None]:
            rows = await session.scalars(
                select(ProgramApplication).where(
                    ProgramApplication.program_id.in_(ids),
                    ProgramApplication.member_id == member_id,
                )
            )
            found = {row.program_id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class CurrentAgreementByProgramIdLoader(DataLoader[int, ProgramAgreement | None]):
    def __init__(self, session: AsyncSession) -> None:
        async def load(ids: Sequence[int]) -> list[ProgramAgreement | None]:
            rows = await session.scalars(
                select(ProgramAgreement)
                .where(ProgramAgreement.program_id.in_(ids))
                .order_by(ProgramAgreement.program_id, ProgramAgreement.version)
            )
            found = {row.program_id: row for row in rows}  # the last (highest) version wins
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ViewerAcceptanceByAgreementIdLoader(DataLoader[int, AgreementAcceptance | None]):
    def __init__(self, session: AsyncSession, member_id: int) -> None:
        async def load(ids: Sequence[int]) -> list[AgreementAcceptance | None]:
            rows = await session.scalars(
                select(AgreementAcceptance).where(
                    AgreementAcceptance.agreement_id.in_(ids),
                    AgreementAcceptance.member_id == member_id,
                )
            )
            found = {row.agreement_id: row for row in rows}
            return [found.get(i) for i in ids]

        super().__init__(load_fn=load)


class ProgramsLoaders:
    def __init__(self, session: AsyncSession, actor: Actor | None) -> None:
        # Programs as the viewer may see them (None: missing or not readable).
        self.readable_program_by_id: RowByIdLoader[Program] = RowByIdLoader(
            session,
            Program,
            lambda statement: (
                statement.where(false())
                if actor is None
                else policies.readable_programs(actor, statement)
            ),
        )
        self.seated_count_by_program_id = SeatedCountByProgramIdLoader(session)
        self.current_agreement_by_program_id = CurrentAgreementByProgramIdLoader(session)
        viewer = actor.member_id if actor else 0
        self.viewer_enrolment_by_program_id = ViewerEnrolmentByProgramIdLoader(session, viewer)
        self.viewer_application_by_program_id = ViewerApplicationByProgramIdLoader(session, viewer)
        self.viewer_acceptance_by_agreement_id = ViewerAcceptanceByAgreementIdLoader(
            session, viewer
        )
