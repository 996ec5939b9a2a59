"""Beta types: builds and the feedback given on them."""

from datetime import datetime
from typing import Self

import strawberry
from sqlalchemy import select
from strawberry import relay

from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from api.graphql.programs.types import member_node
from api.graphql.relay import node_ints
from domain.programs import models, policies
from domain.programs.models import BetaFeedbackKind, Program

strawberry.enum(
    BetaFeedbackKind,
    description="ISSUE: a problem; IDEA: becomes an idea in the feedback loop; PRAISE: becomes "
    "a testimonial candidate for marketing.",
)


@strawberry.type(name="BetaFeedback", description="Feedback from a beta member on one build.")
class BetaFeedbackType:
    id: relay.GlobalID
    kind: BetaFeedbackKind
    title: str
    body: str
    created_at: datetime
    routed_to: str | None = strawberry.field(
        description="FEEDBACK_IDEA or TESTIMONIAL_CANDIDATE; null for issues."
    )
    routed_idea_id: relay.GlobalID | None = strawberry.field(
        description="The idea it became, for IDEA feedback."
    )
    model: strawberry.Private[models.BetaFeedback]

    @classmethod
    def from_model(cls, row: models.BetaFeedback) -> Self:
        return cls(
            id=relay.GlobalID("BetaFeedback", str(row.id)),
            kind=row.kind,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            routed_to=row.routed_to,
            routed_idea_id=relay.GlobalID("Idea", str(row.routed_idea_id))
            if row.routed_idea_id
            else None,
            model=row,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)


async def _program_if_member(info: Info, program_id: int) -> Program | None:
    """The program, if the viewer runs it or has access to it."""
    actor = info.context.require_actor()
    program = await info.context.programs.readable_program_by_id.load(program_id)
    if program is None:
        return None
    mine = await info.context.programs.viewer_enrolment_by_program_id.load(program.id)
    return program if policies.can_see_roster(actor, program, mine) else None


@strawberry.type(name="BetaBuild", description="A build of a beta, with its release notes.")
class BetaBuildNode(relay.Node):
    id: relay.NodeID[int]
    version: str
    release_notes: str = strawberry.field(description="Markdown.")
    released_at: datetime
    model: strawberry.Private[models.BetaBuild]

    @classmethod
    def from_model(cls, row: models.BetaBuild) -> Self:
        return cls(
            id=row.id,
            version=row.version,
            release_notes=row.release_notes,
            released_at=row.released_at,
            model=row,
        )

    @strawberry.field(
        description="Feedback on this build, newest first: all of it for the program team, "
        "your own for members."
    )
    async def feedback(
        self, info: Info, kind: BetaFeedbackKind | None = None
    ) -> list[BetaFeedbackType]:
        actor = info.context.require_actor()
        program = await info.context.programs.readable_program_by_id.load(self.model.program_id)
        if program is None:
            return []
        statement = select(models.BetaFeedback).where(models.BetaFeedback.build_id == self.model.id)
        if not policies.can_manage(actor, program):
            statement = statement.where(models.BetaFeedback.member_id == actor.member_id)
        if kind is not None:
            statement = statement.where(models.BetaFeedback.kind == kind)
        rows = await info.context.session.scalars(
            statement.order_by(models.BetaFeedback.id.desc()).limit(100)
        )
        return [BetaFeedbackType.from_model(row) for row in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        ids = node_ints(node_ids)
        rows = {
            row.id: row
            for row in await info.context.session.scalars(
                select(models.BetaBuild).where(models.BetaBuild.id.in_(ids))
            )
        }
        result: list[Self | None] = []
        for i in ids:
            row = rows.get(i)
            visible = row is not None and await _program_if_member(info, row.program_id)
            result.append(cls.from_model(row) if row is not None and visible else None)
        return result


async def program_builds(info: Info, program: Program) -> list[BetaBuildNode]:
    """Builds are for the program team and members with access (NDA accepted)."""
    if await _program_if_member(info, program.id) is None:
        return []
    rows = await info.context.session.scalars(
        select(models.BetaBuild)
        .where(models.BetaBuild.program_id == program.id)
        .order_by(models.BetaBuild.released_at.desc(), models.BetaBuild.id.desc())
    )
    return [BetaBuildNode.from_model(row) for row in rows]
