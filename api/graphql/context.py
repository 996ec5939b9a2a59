"""Per-request GraphQL context: one database session, the caller, and fresh DataLoaders."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from api.graphql.identity.dataloaders import IdentityLoaders
from domain.identity.policies import Actor
from domain.shared.errors import Forbidden, NotAuthenticated


@dataclass
class Context(BaseContext):
    session: AsyncSession
    request_id: str
    actor: Actor | None = None
    auth_error: NotAuthenticated | None = None
    identity: IdentityLoaders = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.identity = IdentityLoaders(self.session)

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
