"""Mutations for events customers speak at: events, sessions, speakers and session status."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime

import strawberry
from strawberry import relay

from api.graphql.advocacy.event_types import AdvocacyEventNode, EventSessionNode
from api.graphql.advocacy.types import AdvocacyUserError
from api.graphql.context import Info
from api.graphql.errors import mutate
from api.graphql.relay import decode_id
from domain.advocacy.event_models import (
    EventKind,
    EventSession,
    SessionFormat,
    SessionStatus,
    SpeakerRole,
)
from domain.advocacy.models import ConsentChannel
from domain.advocacy.services import events


@strawberry.input
class CreateAdvocacyEventInput:
    name: str
    kind: EventKind
    starts_on: date
    ends_on: date
    channels: list[ConsentChannel] = strawberry.field(
        description="Where sessions are announced and recorded; speakers consent to each."
    )
    location: str | None = None
    is_virtual: bool = False
    url: str | None = None


@strawberry.type
class AdvocacyEventPayload:
    event: AdvocacyEventNode | None
    user_errors: list[AdvocacyUserError]


@strawberry.input
class AddEventSessionInput:
    event_id: relay.GlobalID
    title: str
    starts_at: datetime = strawberry.field(description="Within the event's dates.")
    format: SessionFormat


@strawberry.input
class AddSessionSpeakerInput:
    session_id: relay.GlobalID
    member_id: relay.GlobalID
    role: SpeakerRole = SpeakerRole.SPEAKER


@strawberry.input
class RemoveSessionSpeakerInput:
    session_id: relay.GlobalID
    member_id: relay.GlobalID


@strawberry.input
class SetEventSessionStatusInput:
    session_id: relay.GlobalID
    status: SessionStatus


@strawberry.type
class EventSessionPayload:
    event_session: EventSessionNode | None
    user_errors: list[AdvocacyUserError]


async def _session_payload(
    info: Info, action: Callable[[], Awaitable[EventSession]]
) -> EventSessionPayload:
    async def run() -> EventSessionNode:
        return EventSessionNode.from_model(await action())

    node, problems = await mutate(info, run)
    return EventSessionPayload(
        event_session=node, user_errors=AdvocacyUserError.from_problems(problems)
    )


def _sid(value: relay.GlobalID) -> int:
    return decode_id(value, "EventSession", ["input", "sessionId"])


def _mid(value: relay.GlobalID) -> int:
    return decode_id(value, "Member", ["input", "memberId"])


@strawberry.type
class EventMutations:
    @strawberry.mutation(description="Add a conference, webinar or customer event.")
    async def create_advocacy_event(
        self, info: Info, input: CreateAdvocacyEventInput
    ) -> AdvocacyEventPayload:
        async def run() -> AdvocacyEventNode:
            c = info.context
            new = events.NewEvent(
                name=input.name,
                kind=input.kind,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                channels=list(input.channels),
                location=input.location,
                is_virtual=input.is_virtual,
                url=input.url,
            )
            return AdvocacyEventNode.from_model(
                await events.create_event(c.session, c.require_actor(), c.now, new)
            )

        node, problems = await mutate(info, run)
        return AdvocacyEventPayload(
            event=node, user_errors=AdvocacyUserError.from_problems(problems)
        )

    @strawberry.mutation(description="Add a session (keynote, panel, ...) to an event; PLANNED.")
    async def add_event_session(
        self, info: Info, input: AddEventSessionInput
    ) -> EventSessionPayload:
        c = info.context

        async def action() -> EventSession:
            event_id = decode_id(input.event_id, "AdvocacyEvent", ["input", "eventId"])
            new = events.NewSession(input.title, input.starts_at, input.format)
            return await events.add_session(c.session, c.require_actor(), c.now, event_id, new)

        return await _session_payload(info, action)

    @strawberry.mutation(
        description="Ask a customer to speak in a session: one ask per event against their "
        "budget, on a day within their availability; a confirmed or published session also "
        "needs their SPEAKING consent for the event's channels."
    )
    async def add_session_speaker(
        self, info: Info, input: AddSessionSpeakerInput
    ) -> EventSessionPayload:
        c = info.context

        async def action() -> EventSession:
            return await events.add_speaker(
                c.session,
                c.require_actor(),
                c.now,
                _sid(input.session_id),
                _mid(input.member_id),
                input.role,
            )

        return await _session_payload(info, action)

    @strawberry.mutation(description="Take a speaker off a session (the ask stays counted).")
    async def remove_session_speaker(
        self, info: Info, input: RemoveSessionSpeakerInput
    ) -> EventSessionPayload:
        c = info.context

        async def action() -> EventSession:
            return await events.remove_speaker(
                c.session, c.require_actor(), c.now, _sid(input.session_id), _mid(input.member_id)
            )

        return await _session_payload(info, action)

    @strawberry.mutation(
        description="Confirm, publish or complete a session (each needs every speaker's "
        "consent; completing writes each speaker's talk to the ledger), or cancel it."
    )
    async def set_event_session_status(
        self, info: Info, input: SetEventSessionStatusInput
    ) -> EventSessionPayload:
        c = info.context

        async def action() -> EventSession:
            return await events.set_session_status(
                c.session, c.require_actor(), c.now, _sid(input.session_id), input.status
            )

        return await _session_payload(info, action)
