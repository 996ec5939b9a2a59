"""Flags, the moderator queue and moderator actions (built by the moderation work)."""

import strawberry


@strawberry.type
class ModerationQueries:
    pass


@strawberry.type
class ModerationMutations:
    pass
