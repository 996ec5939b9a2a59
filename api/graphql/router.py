"""The GraphQL HTTP endpoint: builds the context and commits before the response is sent."""

import logging
from collections.abc import AsyncIterator
from typing import Any, cast

from fastapi import Depends, Request, Response, WebSocket
from fastapi.routing import APIWebSocketRoute
from graphql import GraphQLError, OperationType
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.graphql.context import Context
from api.graphql.operations import requested_operations
from api.live.websocket import LiveConnection, LiveTransportWSHandler
from domain.shared.database import begin_writing
from domain.shared.errors import NotAuthenticated
from domain.shared.outbox import events_recorded

logger = logging.getLogger("bondfire.graphql")


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        request.state.db_session = session
        yield session


async def build_context(
    request: Request, session: AsyncSession = Depends(request_session)
) -> Context:
    state = request.app.state
    context = Context(
        session=session,
        request_id=request.state.request_id,
        community_rules=state.community_rules,
        rate_limiter=state.rate_limiter,
    )
    try:
        authenticated = await state.authenticator.authenticate(
            session, request.headers.get("authorization")
        )
    except NotAuthenticated as error:
        context.auth_error = error
        return context
    if authenticated is not None:
        context.actor = authenticated.actor
        context.identity.member_by_id.prime(authenticated.member.id, authenticated.member)
        context.identity.account_by_id.prime(authenticated.account.id, authenticated.account)
    return context


class CommittingGraphQLRouter(GraphQLRouter[Context, None]):
    """Commits the request's unit of work before the response goes out.

    A mutation that failed already rolled back its own savepoint, so what is left to commit
    is exactly what the response reports as done. A failed commit becomes an error response.

    Websockets (subscriptions) get a connection context of their own instead of the request
    context: see api/live/websocket.py.
    """

    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(self, schema: BaseSchema, path: str = "", **kwargs: Any) -> None:
        super().__init__(schema, path, **kwargs)
        self.routes[:] = [r for r in self.routes if not isinstance(r, APIWebSocketRoute)]
        self.add_api_websocket_route(path, self._websocket)

    async def _websocket(self, websocket: WebSocket) -> None:
        connection = cast(Context, LiveConnection(websocket))
        await self.run(request=websocket, context=connection, root_value=None)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if isinstance(context, LiveConnection):
            await context.authenticate()
        return UNSET

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        kinds = requested_operations(request_data)
        # strawberry would run a subscription sent by HTTP once, as a query, and fail.
        if OperationType.SUBSCRIPTION in kinds:
            return ExecutionResult(data=None, errors=[subscriptions_need_a_websocket(request)])
        if OperationType.MUTATION in kinds:
            await begin_writing(context.session)
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        session: AsyncSession | None = getattr(request.state, "db_session", None)
        if session is None:
            return response
        try:
            await session.commit()
        except Exception:
            logger.exception("commit failed")
            await session.rollback()
            return _commit_failed(request.state.request_id)
        if events_recorded(session):
            request.app.state.dispatcher.wake()
        return response


def subscriptions_need_a_websocket(request: Request) -> GraphQLError:
    return GraphQLError(
        "Subscriptions run over a websocket on this endpoint (graphql-transport-ws).",
        extensions={"code": "BAD_USER_INPUT", "requestId": request.state.request_id},
    )


def _commit_failed(request_id: str) -> GraphQLHTTPResponse:
    error: dict[str, Any] = {
        "message": "Your change could not be saved; nothing was changed. Please retry.",
        "extensions": {"code": "COMMIT_FAILED", "requestId": request_id},
    }
    return {"data": None, "errors": [error]}
