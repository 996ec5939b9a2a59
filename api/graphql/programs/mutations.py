"""Programs: lifecycle, applications, seats and agreements. Boards and betas are in their own
modules (board_mutations.py, beta_mutations.py)."""

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.programs.application_mutations import ApplicationMutations, ProgramIdInput
from api.graphql.programs.beta_mutations import BetaMutations
from api.graphql.programs.board_mutations import BoardMutations
from api.graphql.programs.types import (
    ProgramAgreementType,
    ProgramEnrolmentType,
    ProgramKind,
    ProgramNode,
    ProgramState,
    ProgramsUserError,
)
from api.graphql.relay import decode_id
from domain.identity.models import AccountSegment, TouchTier
from domain.programs.eligibility import Rules
from domain.programs.services import agreements, enrolment, lifecycle
from domain.programs.services.lifecycle import ProgramFields
from domain.shared.validation import KEEP

MAX_LIST = 100


@strawberry.input(description="Eligibility rules; omit or leave empty what is not a rule.")
class EligibilityRulesInput:
    segments: list[AccountSegment] = strawberry.field(default_factory=list)
    tiers: list[TouchTier] = strawberry.field(default_factory=list)
    min_arr: Decimal | None = None
    max_arr: Decimal | None = None
    regions: list[str] = strawberry.field(default_factory=list)
    industries: list[str] = strawberry.field(default_factory=list)
    products: list[str] = strawberry.field(default_factory=list)
    min_tenure_days: int | None = None
    roles: list[str] = strawberry.field(
        default_factory=list, description="Words the member's job title must contain (any)."
    )
    excluded_competitors_of: list[relay.GlobalID] = strawberry.field(default_factory=list)
    max_other_programs: int | None = None

    def to_rules(self) -> Rules:
        return Rules(
            segments=list(self.segments),
            tiers=list(self.tiers),
            min_arr=self.min_arr,
            max_arr=self.max_arr,
            regions=[r.strip() for r in self.regions if r.strip()],
            industries=[i.strip() for i in self.industries if i.strip()],
            products=[p.strip() for p in self.products if p.strip()],
            min_tenure_days=self.min_tenure_days,
            roles=[r.strip() for r in self.roles if r.strip()],
            excluded_competitors_of=[
                decode_id(a, "Account", ["input", "eligibility", "excludedCompetitorsOf"])
                for a in self.excluded_competitors_of[: MAX_LIST + 1]
            ],
            max_other_programs=self.max_other_programs,
        )


@strawberry.input
class CreateProgramInput:
    kind: ProgramKind
    name: str
    codename: str | None = None
    description: str | None = None
    confidential: bool = False
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int | None = strawberry.field(default=None, description="Seats; null: no limit.")
    eligibility: EligibilityRulesInput | None = None
    questions: list[str] = strawberry.field(default_factory=list)
    term_months: int | None = strawberry.field(default=None, description="Boards; default 12.")
    max_terms: int | None = strawberry.field(default=None, description="Boards; default 2.")


@strawberry.input(description="Changes to a program; omitted fields stay as they are.")
class UpdateProgramInput:
    program_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    codename: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    confidential: bool | None = strawberry.UNSET
    starts_on: date | None = strawberry.UNSET
    ends_on: date | None = strawberry.UNSET
    capacity: int | None = strawberry.field(
        default=strawberry.UNSET, description="Raising it promotes the waitlist."
    )
    eligibility: EligibilityRulesInput | None = strawberry.UNSET
    questions: list[str] | None = strawberry.UNSET
    term_months: int | None = strawberry.UNSET
    max_terms: int | None = strawberry.UNSET


@strawberry.input
class SetProgramStateInput:
    program_id: relay.GlobalID
    state: ProgramState


@strawberry.type
class ProgramPayload:
    program: ProgramNode | None
    user_errors: list[ProgramsUserError]


@strawberry.input
class RemoveFromProgramInput:
    program_id: relay.GlobalID
    member_id: relay.GlobalID
    reason: str


@strawberry.type
class ProgramEnrolmentPayload:
    enrolment: ProgramEnrolmentType | None
    user_errors: list[ProgramsUserError]


@strawberry.input
class PublishAgreementInput:
    program_id: relay.GlobalID
    title: str
    body: str = strawberry.field(description="The full text (Markdown).")


@strawberry.input
class AcceptAgreementInput:
    program_id: relay.GlobalID
    version: int = strawberry.field(description="The version you read; must be the current one.")


@strawberry.type
class ProgramAgreementPayload:
    agreement: ProgramAgreementType | None
    user_errors: list[ProgramsUserError]


def _program_id(value: relay.GlobalID) -> int:
    return decode_id(value, "Program", ["input", "programId"])


def _member_id(value: relay.GlobalID) -> int:
    return decode_id(value, "Member", ["input", "memberId"])


_UPDATABLE = (
    "name",
    "codename",
    "description",
    "confidential",
    "starts_on",
    "ends_on",
    "capacity",
    "eligibility",
    "questions",
    "term_months",
    "max_terms",
)


def _changes(input: UpdateProgramInput) -> ProgramFields:
    """Only the fields the client sent; null clears a field, except where it cannot be empty."""
    given = {k: getattr(input, k) for k in _UPDATABLE if getattr(input, k) is not strawberry.UNSET}
    for required in ("name", "confidential", "questions"):
        if required in given and given[required] is None:
            del given[required]
    if "eligibility" in given:
        rules = given["eligibility"]
        given["eligibility"] = rules.to_rules() if rules is not None else Rules()
    return ProgramFields(**given)


@strawberry.type
class ProgramsMutations(ApplicationMutations, BoardMutations, BetaMutations):
    @strawberry.mutation(description="Create a program (DRAFT). Product team only.")
    async def create_program(self, info: Info, input: CreateProgramInput) -> ProgramPayload:
        async def run() -> ProgramNode:
            c = info.context
            fields = ProgramFields(
                name=input.name,
                codename=input.codename,
                description=input.description,
                confidential=input.confidential,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                capacity=input.capacity,
                eligibility=input.eligibility.to_rules() if input.eligibility else Rules(),
                questions=list(input.questions),
                term_months=input.term_months if input.term_months is not None else KEEP,
                max_terms=input.max_terms if input.max_terms is not None else KEEP,
            )
            program = await lifecycle.create_program(
                c.session, c.require_actor(), input.kind, fields, c.now
            )
            return ProgramNode.from_model(program)

        program, problems = await mutate(info, run)
        return ProgramPayload(
            program=program, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Change a program. Program team only.")
    async def update_program(self, info: Info, input: UpdateProgramInput) -> ProgramPayload:
        async def run() -> ProgramNode:
            c = info.context
            fields = _changes(input)
            program = await lifecycle.update_program(
                c.session, c.require_actor(), _program_id(input.program_id), fields, c.now
            )
            return ProgramNode.from_model(program)

        program, problems = await mutate(info, run)
        return ProgramPayload(
            program=program, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Open, run or close a program. Closing ends every seat and is refused while "
        "applications await a decision."
    )
    async def set_program_state(self, info: Info, input: SetProgramStateInput) -> ProgramPayload:
        async def run() -> ProgramNode:
            c = info.context
            program = await lifecycle.set_state(
                c.session, c.require_actor(), _program_id(input.program_id), input.state, c.now
            )
            return ProgramNode.from_model(program)

        program, problems = await mutate(info, run)
        return ProgramPayload(
            program=program, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Give up your seat; the waitlist moves up.")
    async def leave_program(self, info: Info, input: ProgramIdInput) -> ProgramEnrolmentPayload:
        async def run() -> ProgramEnrolmentType:
            c = info.context
            row = await enrolment.leave_program(
                c.session, c.require_actor(), _program_id(input.program_id), c.now
            )
            return ProgramEnrolmentType.from_model(row)

        row, problems = await mutate(info, run)
        return ProgramEnrolmentPayload(
            enrolment=row, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="End a member's seat, with a reason. Program team only.")
    async def remove_from_program(
        self, info: Info, input: RemoveFromProgramInput
    ) -> ProgramEnrolmentPayload:
        async def run() -> ProgramEnrolmentType:
            c = info.context
            row = await enrolment.remove_member(
                c.session,
                c.require_actor(),
                _program_id(input.program_id),
                _member_id(input.member_id),
                input.reason,
                c.now,
            )
            return ProgramEnrolmentType.from_model(row)

        row, problems = await mutate(info, run)
        return ProgramEnrolmentPayload(
            enrolment=row, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Publish a new version of the program's NDA / terms: every seat pauses "
        "(no access to restricted spaces) until its holder accepts it."
    )
    async def publish_program_agreement(
        self, info: Info, input: PublishAgreementInput
    ) -> ProgramAgreementPayload:
        async def run() -> ProgramAgreementType:
            c = info.context
            row = await agreements.publish_agreement(
                c.session,
                c.require_actor(),
                _program_id(input.program_id),
                input.title,
                input.body,
                c.now,
            )
            return ProgramAgreementType.from_model(row)

        row, problems = await mutate(info, run)
        return ProgramAgreementPayload(
            agreement=row, user_errors=ProgramsUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Accept the current version of a program's agreement.")
    async def accept_program_agreement(
        self, info: Info, input: AcceptAgreementInput
    ) -> ProgramAgreementPayload:
        async def run() -> ProgramAgreementType:
            c = info.context
            row = await agreements.accept_agreement(
                c.session, c.require_actor(), _program_id(input.program_id), input.version, c.now
            )
            return ProgramAgreementType.from_model(row)

        row, problems = await mutate(info, run)
        return ProgramAgreementPayload(
            agreement=row, user_errors=ProgramsUserError.from_problems(problems)
        )
