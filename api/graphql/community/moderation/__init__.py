"""Flags, the moderator queue, moderator actions, the moderation log and members' standing."""

from api.graphql.community.moderation.mutations import ModerationMutations
from api.graphql.community.moderation.queries import ModerationQueries

__all__ = ["ModerationMutations", "ModerationQueries"]
