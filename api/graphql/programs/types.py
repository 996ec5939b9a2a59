from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.identity.types import MemberNode
from api.graphql.programs.eligibility_types import Eligibility, EligibilityRules
from api.graphql.relay import node_ints
from domain.programs import eligibility, models, policies
from domain.programs.errors import ProgramsErrorCode
from domain.programs.models import (
    ApplicationSource,
    ApplicationStatus,
    EnrolmentStatus,
    ProgramKind,
    ProgramState,
)
from domain.programs.services.applications import Decision
from domain.shared.errors import BadRequest, DomainError, Forbidden, Problem

if TYPE_CHECKING:
    from api.graphql.feedback.types import IdeaNode
    from api.graphql.programs.beta_types import BetaBuildNode
    from api.graphql.programs.board_types import BoardMeetingNode, BoardSeatType, SeatProposal

strawberry.enum(ProgramKind)
strawberry.enum(
    ProgramState,
    description="DRAFT: staff only; OPEN: taking applications; RUNNING: in flight (still taking "
    "applications); CLOSED: over, every seat ended.",
)
strawberry.enum(
    EnrolmentStatus,
    description="ACTIVE: has access; PAUSED: holds the seat but must accept the current "
    "agreement version first; ENDED: left, removed, rolled off or the program closed.",
)
strawberry.enum(ApplicationSource)
strawberry.enum(ApplicationStatus)
strawberry.enum(Decision, description="A reviewer's decision on an application.")
strawberry.enum(ProgramsErrorCode)


@strawberry.type
class ProgramsUserError(UserError):
    code: ProgramsErrorCode

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> list["ProgramsUserError"]:
        return [
            cls(field=p.field, message=p.message, code=ProgramsErrorCode(p.code)) for p in problems
        ]


async def member_node(info: Info, member_id: int | None) -> MemberNode | None:
    if member_id is None:
        return None
    member = await info.context.identity.member_by_id.load(member_id)
    return MemberNode.from_model(member) if member else None


@strawberry.type(description="A question of the program and the applicant's answer.")
class ApplicationAnswer:
    question: str
    answer: str


@strawberry.type(description="A member's seat in a program.")
class ProgramEnrolmentType:
    status: EnrolmentStatus
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.ProgramEnrolment) -> Self:
        return cls(
            status=row.status,
            started_at=row.started_at or row.created_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            member_id=row.member_id,
        )

    @strawberry.field(description="Whether the seat opens the program's restricted spaces now.")
    def has_access(self) -> bool:
        return self.status is EnrolmentStatus.ACTIVE

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.member_id)


@strawberry.type(description="A version of a program's NDA / terms.")
class ProgramAgreementType:
    id: relay.GlobalID
    version: int
    title: str
    body: str
    published_at: datetime
    model: strawberry.Private[models.ProgramAgreement]

    @classmethod
    def from_model(cls, row: models.ProgramAgreement) -> Self:
        return cls(
            id=relay.GlobalID("ProgramAgreement", str(row.id)),
            version=row.version,
            title=row.title,
            body=row.body,
            published_at=row.published_at,
            model=row,
        )

    @strawberry.field(description="When you accepted this version; null if you have not.")
    async def viewer_accepted_at(self, info: Info) -> datetime | None:
        info.context.require_actor()
        found = await info.context.programs.viewer_acceptance_by_agreement_id.load(self.model.id)
        return found.accepted_at if found else None


@strawberry.type(
    name="ProgramApplication",
    description="A way into a program: an application, a CSM's nomination or an invitation.",
)
class ProgramApplicationNode(relay.Node):
    id: relay.NodeID[int]
    source: ApplicationSource
    status: ApplicationStatus
    answers: list[ApplicationAnswer]
    note: str | None = strawberry.field(description="Why the member was nominated or invited.")
    decision_reason: str | None
    decided_at: datetime | None
    waitlist_position: int | None = strawberry.field(
        description="Order on the waitlist (lower goes first); null unless WAITLISTED."
    )
    created_at: datetime
    model: strawberry.Private[models.ProgramApplication]

    @classmethod
    def from_model(cls, row: models.ProgramApplication) -> Self:
        return cls(
            id=row.id,
            source=row.source,
            status=row.status,
            answers=[ApplicationAnswer(**a) for a in row.answers],
            note=row.note,
            decision_reason=row.decision_reason,
            decided_at=row.decided_at,
            waitlist_position=row.waitlist_position,
            created_at=row.created_at,
            model=row,
        )

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field(description="Who nominated or invited the member.")
    async def nominated_by(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.nominated_by_id)

    @strawberry.field
    async def program(self, info: Info) -> "ProgramNode | None":
        found = await info.context.programs.readable_program_by_id.load(self.model.program_id)
        return ProgramNode.from_model(found) if found else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        from api.graphql.programs.queries import readable_applications

        found = await readable_applications(info, node_ints(node_ids))
        return [cls.from_model(found[i]) if i in found else None for i in node_ints(node_ids)]


@strawberry.type(name="Program", description="A customer advisory board or a beta program.")
class ProgramNode(relay.Node):
    id: relay.NodeID[int]
    kind: ProgramKind
    codename: str | None = strawberry.field(description="What a confidential program is called.")
    state: ProgramState
    confidential: bool
    starts_on: date | None
    ends_on: date | None
    capacity: int | None = strawberry.field(description="Seats; null: no limit.")
    questions: list[str] = strawberry.field(description="What applicants answer, in order.")
    term_months: int | None = strawberry.field(description="Advisory boards: a seat's term.")
    max_terms: int | None = strawberry.field(description="Advisory boards: terms in a row.")
    graduated_at: datetime | None = strawberry.field(description="Betas: reached GA.")
    ga_version: str | None = strawberry.field(description="Betas: the GA version.")
    created_at: datetime
    model: strawberry.Private[models.Program]

    @classmethod
    def from_model(cls, row: models.Program) -> Self:
        return cls(
            id=row.id,
            kind=row.kind,
            codename=row.codename,
            state=row.state,
            confidential=row.confidential,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            capacity=row.capacity,
            questions=list(row.questions),
            term_months=row.term_months,
            max_terms=row.max_terms,
            graduated_at=row.graduated_at,
            ga_version=row.ga_version,
            created_at=row.created_at,
            model=row,
        )

    async def _enrolment(self, info: Info) -> models.ProgramEnrolment | None:
        return await info.context.programs.viewer_enrolment_by_program_id.load(self.model.id)

    @strawberry.field(
        description="The real name; a confidential program shows its codename until you have "
        "access (staff always see the name)."
    )
    async def name(self, info: Info) -> str:
        actor = info.context.require_actor()
        if policies.can_see_real_name(actor, self.model, await self._enrolment(info)):
            return self.model.name
        return self.model.codename or self.model.name

    @strawberry.field(description="Null for a confidential program until you have access.")
    async def description(self, info: Info) -> str | None:
        actor = info.context.require_actor()
        if policies.can_see_real_name(actor, self.model, await self._enrolment(info)):
            return self.model.description
        return None

    @strawberry.field
    async def owner(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.owner_id)

    @strawberry.field(description="Seats held (ACTIVE or PAUSED enrolments).")
    async def seats_taken(self, info: Info) -> int:
        return await info.context.programs.seated_count_by_program_id.load(self.model.id)

    @strawberry.field(description="Free seats; null when there is no limit.")
    async def seats_left(self, info: Info) -> int | None:
        if self.model.capacity is None:
            return None
        taken = await info.context.programs.seated_count_by_program_id.load(self.model.id)
        return max(0, self.model.capacity - taken)

    @strawberry.field
    def eligibility_rules(self) -> EligibilityRules:
        return EligibilityRules.of(eligibility.Rules.from_json(self.model.eligibility))

    @strawberry.field(description="Whether you may join, rule by rule.")
    async def viewer_eligibility(self, info: Info) -> Eligibility:
        from api.graphql.programs.queries import eligibility_of

        actor = info.context.require_actor()
        return await eligibility_of(info, self.model, actor.member_id)

    @strawberry.field(description="Your application, nomination or invitation, if any.")
    async def viewer_application(self, info: Info) -> ProgramApplicationNode | None:
        info.context.require_actor()
        row = await info.context.programs.viewer_application_by_program_id.load(self.model.id)
        return ProgramApplicationNode.from_model(row) if row else None

    @strawberry.field(description="Your seat, if you hold or held one.")
    async def viewer_enrolment(self, info: Info) -> ProgramEnrolmentType | None:
        info.context.require_actor()
        row = await self._enrolment(info)
        return ProgramEnrolmentType.from_model(row) if row else None

    @strawberry.field(description="The agreement version members must accept; null if none.")
    async def current_agreement(self, info: Info) -> ProgramAgreementType | None:
        info.context.require_actor()
        row = await info.context.programs.current_agreement_by_program_id.load(self.model.id)
        return ProgramAgreementType.from_model(row) if row else None

    @strawberry.field(
        description="Applications, nominations and invitations, oldest first. Program team only."
    )
    async def applications(
        self,
        info: Info,
        status: ApplicationStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> "ProgramApplicationConnection":
        from api.graphql.programs.queries import program_applications

        return await program_applications(info, self.model, status, first, after)

    @strawberry.field(description="The waitlist in order. Program team only.")
    async def waitlist(self, info: Info) -> list[ProgramApplicationNode]:
        from api.graphql.programs.queries import program_waitlist

        return await program_waitlist(info, self.model)

    @strawberry.field(
        description="Who holds a seat. The program team, and members with access, may see it."
    )
    async def enrolments(
        self, info: Info, include_ended: bool = False
    ) -> list[ProgramEnrolmentType]:
        from api.graphql.programs.queries import program_enrolments

        return await program_enrolments(info, self.model, include_ended)

    @strawberry.field(description="Advisory boards: seats with their terms, by roll-off date.")
    async def seats(
        self, info: Info, include_ended: bool = False
    ) -> list[Annotated["BoardSeatType", strawberry.lazy("api.graphql.programs.board_types")]]:
        from api.graphql.programs.board_types import program_seats

        return await program_seats(info, self.model, include_ended)

    @strawberry.field(description="Advisory boards: meetings, latest first.")
    async def meetings(
        self, info: Info
    ) -> list[Annotated["BoardMeetingNode", strawberry.lazy("api.graphql.programs.board_types")]]:
        from api.graphql.programs.board_types import program_meetings

        return await program_meetings(info, self.model)

    @strawberry.field(
        description="Advisory boards: a proposed board balancing segments, regions, ARR bands "
        "and products among current members and pending or waitlisted applicants, leaving "
        "out members over their fatigue budget. Program team only."
    )
    async def seat_proposal(
        self, info: Info, seats: int | None = None
    ) -> Annotated["SeatProposal", strawberry.lazy("api.graphql.programs.board_types")]:
        from api.graphql.programs.board_types import SeatProposal
        from domain.programs.services.boards import seat_proposal

        c = info.context
        try:
            proposal = await seat_proposal(
                c.session, c.require_actor(), self.model.id, seats, c.now
            )
        except DomainError as error:
            if isinstance(error, Forbidden):
                raise
            raise BadRequest(error.message) from error
        return SeatProposal.of(proposal)

    @strawberry.field(
        description="Advisory boards: an agenda suggestion, the open ideas the board's "
        "accounts asked for, highest impact first. Program team only."
    )
    async def agenda_suggestion(
        self, info: Info, limit: int = 5
    ) -> list[Annotated["IdeaNode", strawberry.lazy("api.graphql.feedback.types")]]:
        from api.graphql.feedback.types import IdeaNode
        from domain.programs.services.links import agenda_suggestion

        c = info.context
        try:
            ideas = await agenda_suggestion(c.session, c.require_actor(), self.model.id, limit)
        except DomainError as error:
            if isinstance(error, Forbidden):
                raise
            raise BadRequest(error.message) from error
        return [IdeaNode.from_model(idea) for idea in ideas]

    @strawberry.field(description="Betas: builds, newest first.")
    async def builds(
        self, info: Info
    ) -> list[Annotated["BetaBuildNode", strawberry.lazy("api.graphql.programs.beta_types")]]:
        from api.graphql.programs.beta_types import program_builds

        return await program_builds(info, self.model)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # async form of strawberry's overloads
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        info.context.require_actor()
        ids = node_ints(node_ids)
        rows = await info.context.programs.readable_program_by_id.load_many(ids)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type
class ProgramConnection(relay.Connection[ProgramNode]):
    pass


@strawberry.type
class ProgramApplicationConnection(relay.Connection[ProgramApplicationNode]):
    pass
