"""Per-request GraphQL context: one database session, the caller, and fresh DataLoaders."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from api.graphql.advocacy.dataloaders import AdvocacyLoaders
from api.graphql.community.dataloaders import CommunityLoaders
from api.graphql.feedback.dataloaders import FeedbackLoaders
from api.graphql.identity.dataloaders import IdentityLoaders
from api.graphql.insights.dataloaders import InsightsLoaders
from api.graphql.matching.dataloaders import MatchingLoaders
from api.graphql.programs.dataloaders import ProgramsLoaders
from api.ratelimit import RateLimiter
from domain.community.policies import CommunityRules
from domain.community.views import ViewCounter
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden, NotAuthenticated
from domain.shared.models import utcnow


@dataclass
class Context(BaseContext):
    session: AsyncSession
    request_id: str
    community_rules: CommunityRules = field(default_factory=CommunityRules)
    rate_limiter: RateLimiter | None = None
    views: ViewCounter | None = None  # thread views, counted off the read path
    actor: Actor | None = None
    auth_error: NotAuthenticated | None = None
    identity: IdentityLoaders = field(init=False)
    # One clock reading per request: every row a request writes carries the same time.
    now: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        super().__init__()
        self.identity = IdentityLoaders(self.session)

    @cached_property
    def community(self) -> CommunityLoaders:
        return CommunityLoaders(self.session, self.actor)

    @cached_property
    def advocacy(self) -> AdvocacyLoaders:
        return AdvocacyLoaders(self.session, self.actor, self.now)

    @cached_property
    def feedback(self) -> FeedbackLoaders:
        return FeedbackLoaders(self.session, self.actor)

    @cached_property
    def programs(self) -> ProgramsLoaders:
        return ProgramsLoaders(self.session, self.actor)

    @cached_property
    def matching(self) -> MatchingLoaders:
        return MatchingLoaders(self.session, self.actor)

    @cached_property
    def insights(self) -> InsightsLoaders:
        return InsightsLoaders(self.session)

    def require_actor(self) -> Actor:
        if self.auth_error is not None:
            raise self.auth_error
        if self.actor is None:
            raise NotAuthenticated("sign in to use this API")
        return self.actor

    def require_writer(self) -> Actor:
        actor = self.require_actor()
        if not actor.can_write:
            raise Forbidden("this token is read-only")
        return actor


Info = StrawberryInfo[Context, Any]
