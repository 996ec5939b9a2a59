"""Transactional outbox: domain events written with the change, handled after commit.

Consumers (search indexing, notifications, ledger, webhooks) drain it at least once, so they
must be idempotent; the event id is their de-duplication key.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.shared.models import Base, Id, UTCDateTime, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)


def record_event(session: AsyncSession, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    event = OutboxEvent(topic=topic, payload=payload)
    session.add(event)
    return event
