"""Events customers speak at: the event, its sessions, and the speakers of each session."""

from datetime import date, datetime
from typing import Self

import strawberry
from strawberry import relay

from api.graphql.advocacy.types import member_node, readable_nodes
from api.graphql.context import Info
from api.graphql.identity.types import MemberNode
from domain.advocacy import event_models as em
from domain.advocacy import policies
from domain.advocacy.event_models import EventKind, SessionFormat, SessionStatus, SpeakerRole
from domain.advocacy.models import ConsentChannel
from domain.advocacy.services.speaker_consent import IN_USE, missing_speaking

strawberry.enum(EventKind, name="AdvocacyEventKind")
strawberry.enum(SessionFormat, name="EventSessionFormat")
strawberry.enum(
    SessionStatus,
    name="EventSessionStatus",
    description="CONFIRMED, PUBLISHED and COMPLETED need every speaker's SPEAKING consent for "
    "all of the event's channels.",
)
strawberry.enum(SpeakerRole, name="EventSpeakerRole")


async def _missing(
    info: Info, slot: em.EventSession, event_channels: list[str]
) -> dict[int, list[str]]:
    speakers = await info.context.advocacy.speakers_by_session.load(slot.id)
    consents = await info.context.advocacy.consents_by_owner.load_many(
        [(s.member_id, s.account_id) for s in speakers]
    )
    flat = [c for group in consents for c in group]
    return missing_speaking(event_channels, speakers, flat, info.context.now)


async def _event_of(info: Info, slot: em.EventSession) -> em.AdvocacyEvent | None:
    return await info.context.advocacy.readable(em.AdvocacyEvent).load(slot.event_id)  # type: ignore[no-any-return]


@strawberry.type(description="A customer speaking in a session.")
class EventSpeaker:
    role: SpeakerRole
    model: strawberry.Private[em.SessionSpeaker]
    channels: strawberry.Private[list[str]]

    @strawberry.field
    async def member(self, info: Info) -> MemberNode | None:
        return await member_node(info, self.model.member_id)

    @strawberry.field(
        description="'SPEAKING:CHANNEL' for each of the event's channels no active consent of "
        "this speaker covers now (empty: they may be announced)."
    )
    async def missing_consent(self, info: Info) -> list[str]:
        consents = await info.context.advocacy.consents_by_owner.load(
            (self.model.member_id, self.model.account_id)
        )
        return missing_speaking(self.channels, [self.model], consents, info.context.now)[
            self.model.member_id
        ]


@strawberry.type(name="EventSession", description="A talk, panel or webinar at an event.")
class EventSessionNode(relay.Node):
    id: relay.NodeID[int]
    title: str
    starts_at: datetime
    format: SessionFormat
    status: SessionStatus
    created_at: datetime
    model: strawberry.Private[em.EventSession]

    @classmethod
    def from_model(cls, s: em.EventSession) -> Self:
        return cls(
            id=s.id,
            title=s.title,
            starts_at=s.starts_at,
            format=s.format,
            status=s.status,
            created_at=s.created_at,
            model=s,
        )

    @strawberry.field
    async def event(self, info: Info) -> "AdvocacyEventNode | None":
        event = await _event_of(info, self.model)
        return AdvocacyEventNode.from_model(event) if event else None

    @strawberry.field
    async def speakers(self, info: Info) -> list[EventSpeaker]:
        event = await _event_of(info, self.model)
        channels = list(event.channels) if event else []
        speakers = await info.context.advocacy.speakers_by_session.load(self.model.id)
        return [EventSpeaker(role=s.role, model=s, channels=channels) for s in speakers]

    @strawberry.field(
        description="Confirmed, published or held, and every speaker's consent covers the "
        "event's channels now. A withdrawal makes it false at once."
    )
    async def usable(self, info: Info) -> bool:
        if self.model.status not in IN_USE:
            return False
        event = await _event_of(info, self.model)
        if event is None:
            return False
        return not any((await _missing(info, self.model, list(event.channels))).values())

    @strawberry.field(
        description="What keeps it from being announced: 'Speaker name: SPEAKING:CHANNEL'."
    )
    async def missing_consent(self, info: Info) -> list[str]:
        event = await _event_of(info, self.model)
        if event is None:
            return []
        missing = await _missing(info, self.model, list(event.channels))
        result = []
        for member_id, gaps in missing.items():
            if gaps:
                member = await info.context.identity.member_by_id.load(member_id)
                name = member.name if member else str(member_id)
                result.append(f"{name}: {', '.join(gaps)}")
        return result

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, em.EventSession, node_ids, cls.from_model)


@strawberry.type(
    name="AdvocacyEvent", description="A conference, webinar or customer event customers speak at."
)
class AdvocacyEventNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    kind: EventKind
    starts_on: date
    ends_on: date
    location: str | None
    is_virtual: bool
    url: str | None
    channels: list[ConsentChannel] = strawberry.field(
        description="Where its sessions are announced: each speaker must consent to all."
    )
    created_at: datetime
    model: strawberry.Private[em.AdvocacyEvent]

    @classmethod
    def from_model(cls, e: em.AdvocacyEvent) -> Self:
        return cls(
            id=e.id,
            name=e.name,
            kind=e.kind,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            location=e.location,
            is_virtual=e.is_virtual,
            url=e.url,
            channels=[ConsentChannel(c) for c in e.channels],
            created_at=e.created_at,
            model=e,
        )

    @strawberry.field(description="Sessions you may see, by start time.")
    async def sessions(self, info: Info) -> list[EventSessionNode]:
        info.context.require_actor()
        rows = await info.context.advocacy.sessions_by_event.load(self.model.id)
        return [EventSessionNode.from_model(s) for s in rows]

    @strawberry.field(description="Who runs it. Staff only.")
    async def owner(self, info: Info) -> MemberNode | None:
        if not policies.runs_advocacy(info.context.require_actor()):
            return None
        return await member_node(info, self.model.owner_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: list[str], required: bool = False
    ) -> list[Self | None]:
        return await readable_nodes(info, em.AdvocacyEvent, node_ids, cls.from_model)


@strawberry.type(name="AdvocacyEventConnection")
class AdvocacyEventConnection(relay.Connection[AdvocacyEventNode]):
    pass
