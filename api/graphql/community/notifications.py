"""Notification inbox, read state and preferences (built by the notifications work)."""

import strawberry


@strawberry.type
class NotificationQueries:
    pass


@strawberry.type
class NotificationMutations:
    pass
