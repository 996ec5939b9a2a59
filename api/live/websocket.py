"""GraphQL subscriptions over graphql-transport-ws: who is connected, and a context per operation.

The caller authenticates with the `connection_init` payload `{"Authorization": "Bearer ..."}`
(or the upgrade request's Authorization header, for clients that can set one), and again at
most once a minute while items are delivered, so a revoked token or a suspended member stops
receiving. Without valid credentials the connection is acknowledged but every subscription
fails with UNAUTHENTICATED, as HTTP requests do.

Only subscriptions run over the socket: a mutation there would bypass the commit that the
HTTP endpoint makes before answering.
"""

import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.context import Context
from api.graphql.errors import ErrorMapping
from api.graphql.identity.dataloaders import IdentityLoaders
from api.live.broadcaster import Broadcaster
from domain.identity.policies import Actor
from domain.shared.errors import NotAuthenticated
from domain.shared.models import utcnow

REAUTHENTICATE_SECONDS = 60.0


class LiveConnection:
    """One websocket connection: the app's services and the caller at the other end."""

    def __init__(self, websocket: WebSocket) -> None:
        state = websocket.app.state
        self.websocket = websocket
        self.session_factory = state.session_factory
        self.authenticator = state.authenticator
        self.broadcaster: Broadcaster = state.broadcaster
        self.community_rules = state.community_rules
        self.request_id = uuid.uuid4().hex
        self.connection_params: dict[str, Any] | None = None  # set by strawberry at init
        self.actor: Actor | None = None
        self.auth_error: NotAuthenticated | None = None
        self._checked_at = 0.0

    @property
    def authorization(self) -> str | None:
        for key, value in (self.connection_params or {}).items():
            if key.lower() == "authorization" and isinstance(value, str):
                return value
        return self.websocket.headers.get("authorization")

    async def authenticate(self) -> None:
        async with self.session_factory() as session:
            try:
                authenticated = await self.authenticator.authenticate(session, self.authorization)
            except NotAuthenticated as error:
                self.actor, self.auth_error = None, error
            else:
                self.actor = authenticated.actor if authenticated else None
                self.auth_error = None
                await session.commit()  # an API token notes its last use; OIDC may provision
        self._checked_at = time.monotonic()

    async def refresh(self) -> None:
        if time.monotonic() - self._checked_at > REAUTHENTICATE_SECONDS:
            await self.authenticate()

    def operation_context(self) -> "SubscriptionContext":
        return SubscriptionContext(
            session=self.session_factory(),  # replaced by each unit of work before any use
            request_id=self.request_id,
            community_rules=self.community_rules,
            actor=self.actor,
            auth_error=self.auth_error,
            connection=self,
        )


@dataclass
class SubscriptionContext(Context):
    """The context of one subscription operation. Each item it pushes is resolved in a unit of
    work of its own (fresh session, loaders and clock), so nothing stays open or cached between
    items, however long the subscription lasts."""

    connection: LiveConnection | None = None

    @property
    def live(self) -> LiveConnection:
        assert self.connection is not None
        return self.connection

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Actor]:
        """Yields the caller, re-checked; raises NotAuthenticated once they no longer are."""
        await self.live.refresh()
        self.actor, self.auth_error = self.live.actor, self.live.auth_error
        actor = self.require_actor()
        async with self.live.session_factory() as session:
            self.session = session
            self.identity = IdentityLoaders(session)
            self.__dict__.pop("community", None)  # the cached CommunityLoaders of the last item
            self.now = utcnow()
            yield actor


class _SubscriptionsOnly:
    """What the protocol handler sees as the schema: runs subscriptions only, each with a
    context of its own (operations of one connection run concurrently), and maps the errors of
    every item pushed as the HTTP endpoint does (coded, the unexpected ones masked and logged).
    """

    def __init__(self, schema: BaseSchema, connection: LiveConnection) -> None:
        self._schema = schema
        self._connection = connection

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        **_: Any,
    ) -> AsyncGenerator[Any, None]:
        source = await self._schema.stream(
            query,
            variable_values=variable_values,
            context_value=self._connection.operation_context(),
            root_value=root_value,
            operation_name=operation_name,
            allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )
        return self._mapped(source)

    async def _mapped(self, source: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
        errors = ErrorMapping()
        request_id = self._connection.request_id
        async with aclosing(source):
            async for result in source:
                if isinstance(result, ExecutionResult) and result.errors:
                    result.errors = [_map_error(errors, e, request_id) for e in result.errors]
                yield result


def _map_error(errors: ErrorMapping, error: GraphQLError, request_id: str) -> GraphQLError:
    if isinstance(error.original_error, InvalidOperationTypeError):
        return GraphQLError(
            "Only subscriptions run over the websocket: send queries and mutations by HTTP POST.",
            extensions={"code": "BAD_USER_INPUT", "requestId": request_id},
        )
    if (error.extensions or {}).get("code"):
        return error  # mapped already
    return errors._map(error, request_id)


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws as strawberry speaks it, with the schema seen through
    _SubscriptionsOnly."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(self.context, LiveConnection):
            self.schema = _SubscriptionsOnly(self.schema, self.context)  # type: ignore[assignment]
