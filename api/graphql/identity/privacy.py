"""Personal data on the wire: the export (GDPR Art. 15 and 20) and erasure (Art. 17).

The export is one JSON document with a part per context (domain/personal_data.py), so a new
context's data shows up without a schema change; its `format` names the version."""

from datetime import datetime
from typing import cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.identity.types import IdentityUserError, MemberNode
from api.graphql.relay import decode_id, is_row_id
from domain.identity import erasure
from domain.identity.models import ErasureRequest, ErasureStatus
from domain.shared.errors import DomainError

MAX_ERASURE_REQUESTS = 100

strawberry.enum(
    ErasureStatus,
    description="PENDING: carried out when due (or earlier by an admin); CANCELLED: taken "
    "back by the member; COMPLETED: the member's personal data was erased.",
)


@strawberry.type(
    name="ErasureRequest",
    description="A member's request to erase their personal data. It is carried out at "
    "`dueAt`, after a grace period in which the member may cancel it.",
)
class ErasureRequestType:
    id: relay.GlobalID
    status: ErasureStatus
    requested_at: datetime
    due_at: datetime = strawberry.field(description="When it is carried out at the latest.")
    closed_at: datetime | None = strawberry.field(description="When cancelled or completed.")
    member_id: strawberry.Private[int]

    @strawberry.field(description='Who asked (shown as "Former member" once erased).')
    async def member(self, info: Info) -> MemberNode | None:
        member = await info.context.identity.member_by_id.load(self.member_id)
        return MemberNode.from_model(member) if member else None

    @classmethod
    def from_model(cls, request: ErasureRequest) -> "ErasureRequestType":
        return cls(
            id=relay.GlobalID("ErasureRequest", str(request.id)),
            status=request.status,
            requested_at=request.requested_at,
            due_at=request.due_at,
            closed_at=request.closed_at,
            member_id=request.member_id,
        )


@strawberry.input
class RequestErasureInput:
    confirm_email: str = strawberry.field(
        description="Your e-mail address, typed again: erasure cannot be undone once done."
    )


@strawberry.type
class ErasureRequestPayload:
    erasure_request: ErasureRequestType | None
    user_errors: list[IdentityUserError]


@strawberry.input
class EraseMemberInput:
    member_id: relay.GlobalID
    reason: str | None = strawberry.field(default=None, description="Kept in the audit log.")


@strawberry.type
class EraseMemberPayload:
    member: MemberNode | None = strawberry.field(description="The member, now anonymised.")
    already_erased: bool = strawberry.field(
        description="True when the member had been erased before: nothing changed."
    )
    report: JSON | None = strawberry.field(
        description="Per context, how many rows were removed or anonymised."
    )
    user_errors: list[IdentityUserError]


@strawberry.type
class PrivacyQueries:
    @strawberry.field(
        description="Everything Bondfire holds about a member, as one machine-readable JSON "
        "document with a part per context (format `bondfire.personal-data/1`). Your own; "
        "admins may name anyone (audited). API token secrets are never included."
    )
    async def personal_data_export(
        self, info: Info, member_id: relay.GlobalID | None = None
    ) -> JSON:
        context = info.context
        actor = context.require_actor()
        wanted = actor.member_id
        if member_id is not None:
            if member_id.type_name != "Member" or not is_row_id(member_id.node_id):
                raise DomainError("member not found", code="NOT_FOUND")
            wanted = int(member_id.node_id)
        document = await erasure.export_personal_data(context.session, actor, wanted, context.now)
        return cast(JSON, document)

    @strawberry.field(description="Your pending erasure request, if you made one.")
    async def my_erasure_request(self, info: Info) -> ErasureRequestType | None:
        actor = info.context.require_actor()
        request = await erasure.pending_request(info.context.session, actor.member_id)
        return ErasureRequestType.from_model(request) if request else None

    @strawberry.field(
        description=f"Erasure requests by status, the soonest due first (at most "
        f"{MAX_ERASURE_REQUESTS}). Admins only."
    )
    async def erasure_requests(
        self, info: Info, status: ErasureStatus = ErasureStatus.PENDING
    ) -> list[ErasureRequestType]:
        requests = await erasure.erasure_requests(
            info.context.session, info.context.require_actor(), status, MAX_ERASURE_REQUESTS
        )
        return [ErasureRequestType.from_model(r) for r in requests]


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        description="Ask for your personal data to be erased. It is carried out after a grace "
        "period (see `dueAt`) in which you may cancel; asking again returns the same request."
    )
    async def request_erasure(
        self, info: Info, input: RequestErasureInput
    ) -> ErasureRequestPayload:
        async def run() -> ErasureRequestType:
            context = info.context
            request = await erasure.request_erasure(
                context.session, context.require_actor(), input.confirm_email, context.now
            )
            return ErasureRequestType.from_model(request)

        request, problems = await mutate(info, run)
        return ErasureRequestPayload(
            erasure_request=request, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Take back your pending erasure request.")
    async def cancel_erasure_request(self, info: Info) -> ErasureRequestPayload:
        async def run() -> ErasureRequestType:
            context = info.context
            request = await erasure.cancel_erasure_request(
                context.session, context.require_actor(), context.now
            )
            return ErasureRequestType.from_model(request)

        request, problems = await mutate(info, run)
        return ErasureRequestPayload(
            erasure_request=request, user_errors=IdentityUserError.from_problems(problems)
        )

    @strawberry.mutation(
        description="Erase a member's personal data now, everywhere: the profile is "
        'anonymised ("Former member"), logins, tokens and sessions end, consents are '
        "withdrawn; what they wrote stays, and votes, demand, scores and points keep counting. "
        "Erasing an erased member changes nothing. Admins only; audited."
    )
    async def erase_member(self, info: Info, input: EraseMemberInput) -> EraseMemberPayload:
        async def run() -> erasure.Erasure:
            context = info.context
            actor = context.require_actor()
            member_id = decode_id(input.member_id, "Member", ["input", "memberId"])
            return await erasure.erase_member(
                context.session, actor, member_id, context.now, input.reason
            )

        done, problems = await mutate(info, run)
        return EraseMemberPayload(
            member=MemberNode.from_model(done.member) if done else None,
            already_erased=done.already_erased if done else False,
            report=cast(JSON, done.report) if done else None,
            user_errors=IdentityUserError.from_problems(problems),
        )


__all__ = ["PrivacyMutations", "PrivacyQueries"]
