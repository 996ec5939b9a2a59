"""The GraphQL HTTP endpoint: builds the context and commits before the response is sent."""

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api.graphql.context import Context
from domain.shared.errors import NotAuthenticated

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
    """

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
        request.app.state.dispatcher.wake()
        return response


def _commit_failed(request_id: str) -> GraphQLHTTPResponse:
    error: dict[str, Any] = {
        "message": "Your change could not be saved; nothing was changed. Please retry.",
        "extensions": {"code": "COMMIT_FAILED", "requestId": request_id},
    }
    return {"data": None, "errors": [error]}
