"""Notifications: outbox consumers that fill members' inboxes (built by the notifications work)."""

from domain.shared.outbox import Handler

NOTIFICATION_CONSUMERS: list[tuple[str, Handler]] = []
