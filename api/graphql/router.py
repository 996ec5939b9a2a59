"""The GraphQL HTTP endpoint: GraphQL over HTTP as its spec says, rate limits, persisted
queries, a request timeout, and the commit before the response is sent.

- GET runs queries only (a mutation by GET is 405 with `Allow: POST`); POST runs everything and
  must carry `Content-Type: application/json` (else 415).
- The response is `application/graphql-response+json` when the client's Accept prefers it:
  200 when execution started (field errors included), 400 for request errors (malformed
  parameters, parse and validation failures, refused persisted queries), with no `data` entry.
  Otherwise `application/json`, 200 for every well-formed request. An Accept naming neither is
  406. Malformed requests (bad JSON, a body that is not an object, a `query`, `variables`,
  `operationName` or `extensions` of the wrong type, a JSON array: batching is off) are 400.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from functools import lru_cache
from typing import Any, cast

from cross_web import HTTPException
from fastapi import Depends, Request, Response, WebSocket
from fastapi.routing import APIWebSocketRoute
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.graphql.context import Context
from api.graphql.errors import SERVICE_UNAVAILABLE, unavailable_message
from api.graphql.negotiation import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    response_media_type,
    unsupported_request_media,
)
from api.graphql.operations import requested_operations
from api.graphql.persisted import PersistedQueries, PersistedQueryError
from api.live.websocket import LiveConnection, LiveTransportWSHandler
from domain.shared.database import begin_writing, unavailability
from domain.shared.errors import NotAuthenticated
from domain.shared.outbox import events_recorded

logger = logging.getLogger("bondfire.graphql")

# Request errors under application/graphql-response+json: 400 unless the code says otherwise.
_STATUS_BY_CODE = {"COMMIT_FAILED": 500, "REQUEST_TIMEOUT": 503, SERVICE_UNAVAILABLE: 503}
RETRY_AFTER_UNAVAILABLE = "1"  # seconds: a dropped connection is replaced on the next checkout
_PARSE_TOKEN_LIMIT = 20_000  # a cheap pre-parse; the configured token limit applies later


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
        views=state.view_counter,
    )
    limiter = state.rate_limiter
    address = request.client.host if request.client else "unknown"
    request.state.retry_after = await limiter.request_by_ip(address)
    if request.state.retry_after is not None:
        return context  # refused in `run`; no database work for it
    try:
        authenticated = await state.authenticator.authenticate(
            session, request.headers.get("authorization")
        )
    except NotAuthenticated as error:
        context.auth_error = error
        return context
    except Exception as error:
        # The database is down or the connection dropped: refused in `run` with 503, not a 500.
        reason = unavailability(error)
        if reason is None:
            raise
        logger.warning("database unavailable (%s) while authenticating: %s", reason, error)
        request.state.database_unavailable = reason
        return context
    if authenticated is not None:
        context.actor = authenticated.actor
        context.identity.member_by_id.prime(authenticated.member.id, authenticated.member)
        context.identity.account_by_id.prime(authenticated.account.id, authenticated.account)
        request.state.retry_after = await limiter.request_by_member(authenticated.member.id)
    return context


class RequestRefused(HTTPException):
    """Refused before execution, with an error code and maybe headers (Allow, Retry-After)."""

    def __init__(
        self, status: int, message: str, code: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, message)
        self.code, self.headers = code, dict(headers or {})


class CommittingGraphQLRouter(GraphQLRouter[Context, None]):
    """Commits the request's unit of work before the response goes out.

    A mutation that failed already rolled back its own savepoint, so what is left to commit
    is exactly what the response reports as done. A failed commit becomes an error response;
    so does a request that outran its time limit, after a rollback: nothing is half-done.

    Websockets (subscriptions) get a connection context of their own instead of the request
    context: see api/live/websocket.py.
    """

    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(
        self,
        schema: BaseSchema,
        path: str = "",
        *,
        persisted_queries: PersistedQueries | None = None,
        request_timeout_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("allow_queries_via_get", True)
        super().__init__(schema, path, **kwargs)
        self.persisted_queries = persisted_queries
        self.request_timeout_seconds = request_timeout_seconds
        self.routes[:] = [r for r in self.routes if not isinstance(r, APIWebSocketRoute)]
        self.add_api_websocket_route(path, self._websocket)

    async def _websocket(self, websocket: WebSocket) -> None:
        connection = cast(Context, LiveConnection(websocket))
        await self.run(request=websocket, context=connection, root_value=None)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if isinstance(context, LiveConnection):
            await context.authenticate()
        return UNSET

    # --- the HTTP exchange ------------------------------------------------------------------

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Context = UNSET, root_value: None = UNSET
    ) -> Response | WebSocket:
        if self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        assert isinstance(request, Request)
        media = response_media_type(request.headers.get("accept"))
        request.state.graphql_media_type = media or JSON
        try:
            if not self.should_render_graphql_ide(self.request_adapter_class(request)):
                self._admit(request, media)
            return await super().run(request, context, root_value)
        except HTTPException as error:
            return _refusal(request, error)

    def _admit(self, request: Request, media: str | None) -> None:
        unavailable = getattr(request.state, "database_unavailable", None)
        if unavailable is not None:
            raise RequestRefused(
                503,
                unavailable_message(unavailable),
                SERVICE_UNAVAILABLE,
                {"Retry-After": RETRY_AFTER_UNAVAILABLE},
            )
        retry_after = getattr(request.state, "retry_after", None)
        if retry_after is not None:
            raise RequestRefused(
                429,
                f"Too many requests: retry in {retry_after} s.",
                "RATE_LIMITED",
                {"Retry-After": str(retry_after)},
            )
        if media is None:
            raise RequestRefused(
                406,
                f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.",
                "NOT_ACCEPTABLE",
            )
        if request.method == "POST":
            problem = unsupported_request_media(request.headers.get("content-type"))
            if problem:
                raise RequestRefused(415, problem, "UNSUPPORTED_MEDIA_TYPE")

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:  # type: ignore[override]
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            data = self.parse_json(await request.get_body())
        if isinstance(data, list):
            raise RequestRefused(
                400,
                "Batched requests are not supported: send one operation per request.",
                "BATCHING_NOT_SUPPORTED",
            )
        if not isinstance(data, dict):
            raise RequestRefused(400, "The request must be a JSON object.", "BAD_REQUEST")
        for name, kinds in _PARAMETERS.items():
            if not isinstance(data.get(name), kinds):
                raise RequestRefused(400, f"`{name}` {_PARAMETER_RULES[name]}.", "BAD_REQUEST")
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
        )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        sub_response.media_type = request.state.graphql_media_type
        request.state.sub_response = sub_response
        assert isinstance(request_data, GraphQLRequestData)  # batches are refused when parsed
        if self.persisted_queries is not None:
            try:
                request_data.query = await self.persisted_queries.resolve(
                    request_data.query, request_data.operation_name, request_data.extensions
                )
            except PersistedQueryError as error:
                return _request_error(request, error.message, error.code)
        if not request_data.query:
            raise RequestRefused(400, "`query` is required.", "BAD_REQUEST")
        if request_data.operation_name is None and _operation_count(request_data.query) > 1:
            # strawberry would pick the first; the GraphQL spec makes it a request error
            return _request_error(
                request,
                "The document has several operations: name the one to run in `operationName`.",
                "OPERATION_NOT_FOUND",
            )
        kinds = requested_operations(request_data)
        # strawberry would run a subscription sent by HTTP once, as a query, and fail.
        if OperationType.SUBSCRIPTION in kinds:
            return ExecutionResult(data=None, errors=[subscriptions_need_a_websocket(request)])
        if OperationType.MUTATION in kinds and request.method == "GET":
            raise RequestRefused(
                405, "Mutations are sent with POST.", "METHOD_NOT_ALLOWED", {"Allow": "POST"}
            )
        try:
            async with asyncio.timeout(self.request_timeout_seconds) as deadline:
                if OperationType.MUTATION in kinds:
                    await begin_writing(context.session)
                return await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
        except HTTPException as error:
            # The operation to run cannot be determined (no such operationName, or several
            # operations and none named): a request error in a well-formed request.
            return _request_error(request, error.reason, "OPERATION_NOT_FOUND")
        except TimeoutError:
            if not deadline.expired():
                raise
        except Exception as error:  # BEGIN IMMEDIATE itself failed: the database is unavailable
            reason = unavailability(error)
            if reason is None:
                raise
            logger.warning("database unavailable (%s) before execution: %s", reason, error)
            return _request_error(request, unavailable_message(reason), SERVICE_UNAVAILABLE)
        request.state.timed_out = True
        await context.session.rollback()
        logger.warning("request timed out after %s s", self.request_timeout_seconds)
        return _request_error(
            request,
            f"The request took longer than {self.request_timeout_seconds:g} s and was stopped;"
            " nothing was changed.",
            "REQUEST_TIMEOUT",
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        session: AsyncSession | None = getattr(request.state, "db_session", None)
        if session is not None and not getattr(request.state, "timed_out", False):
            try:
                await session.commit()
            except Exception as error:
                reason = unavailability(error)
                unavailable = (
                    unavailable_message(reason) if reason else _unavailability_reported(response)
                )
                if unavailable is None:
                    logger.exception("commit failed")
                else:
                    logger.warning("commit failed, database unavailable: %s", error)
                with contextlib.suppress(Exception):  # a dropped connection cannot roll back
                    await session.rollback()
                response = _commit_failed(request.state.request_id, unavailable)
                result = ExecutionResult(data=None, errors=[GraphQLError("commit failed")])
            else:
                if events_recorded(session):
                    request.app.state.dispatcher.wake()
        _set_status(request, result, response)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            media_type=f"{sub_response.media_type or JSON}; charset=utf-8",
            status_code=sub_response.status_code or 200,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response


_PARAMETERS: dict[str, tuple[type, ...]] = {
    "query": (str, type(None)),
    "operationName": (str, type(None)),
    "variables": (dict, type(None)),
    "extensions": (dict, type(None)),
}
_PARAMETER_RULES = {
    "query": "must be a string",
    "operationName": "must be a string or null",
    "variables": "must be an object or null",
    "extensions": "must be an object or null",
}


@lru_cache(maxsize=512)
def _operation_count(query: str) -> int:
    try:
        document = parse(query, no_location=True, max_tokens=_PARSE_TOKEN_LIMIT)
    except GraphQLError:
        return 0  # strawberry reports it
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _set_status(request: Request, result: ExecutionResult, response: GraphQLHTTPResponse) -> None:
    """application/graphql-response+json: a result without data (execution never started) is
    a request error, 4xx (5xx for our own failures), and carries no `data` entry."""
    if request.state.graphql_media_type != GRAPHQL_RESPONSE_JSON:
        return
    if result.data is not None or not result.errors:
        return
    if any(error.path for error in result.errors):
        return  # execution started; a non-null root field failed: data is null, status 200
    response.pop("data", None)
    codes = [str((error.extensions or {}).get("code")) for error in result.errors]
    errors: list[Any] = response.get("errors") or []
    codes += [str(e.get("extensions", {}).get("code")) for e in errors if isinstance(e, dict)]
    status = max((_STATUS_BY_CODE.get(code, 400) for code in codes), default=400)
    request.state.sub_response.status_code = status


def _request_error(request: Request, message: str, code: str) -> ExecutionResult:
    error = GraphQLError(message, extensions={"code": code, "requestId": request.state.request_id})
    return ExecutionResult(data=None, errors=[error])


def _refusal(request: Request, error: HTTPException) -> Response:
    code = getattr(error, "code", None) or (
        "NOT_FOUND" if error.status_code == 404 else "BAD_REQUEST"
    )
    headers = getattr(error, "headers", {})
    media = request.state.graphql_media_type
    body = {
        "errors": [
            {
                "message": error.reason,
                "extensions": {"code": code, "requestId": request.state.request_id},
            }
        ]
    }
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=error.status_code,
        media_type=f"{media}; charset=utf-8",
        headers=headers,
    )


def subscriptions_need_a_websocket(request: Request) -> GraphQLError:
    return GraphQLError(
        "Subscriptions run over a websocket on this endpoint (graphql-transport-ws).",
        extensions={"code": "BAD_USER_INPUT", "requestId": request.state.request_id},
    )


def _commit_failed(request_id: str, unavailable: str | None = None) -> GraphQLHTTPResponse:
    """COMMIT_FAILED, or SERVICE_UNAVAILABLE with `unavailable` as its message."""
    error: dict[str, Any] = {
        "message": "Your change could not be saved; nothing was changed. Please retry.",
        "extensions": {"code": "COMMIT_FAILED", "requestId": request_id},
    }
    if unavailable is not None:
        error["message"] = unavailable
        error["extensions"]["code"] = SERVICE_UNAVAILABLE
    return {"data": None, "errors": [error]}


def _unavailability_reported(response: GraphQLHTTPResponse) -> str | None:
    """The commit failed after a field already hit an unavailable database (the connection is
    gone, or SQLite rolled the transaction back itself): the whole response says so, with the
    field's code and message."""
    for error in response.get("errors") or []:
        if not isinstance(error, dict):
            continue
        if error.get("extensions", {}).get("code") == SERVICE_UNAVAILABLE:
            return str(error.get("message"))
    return None
