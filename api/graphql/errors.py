"""Where domain errors meet the wire: userErrors for mutations, coded GraphQL errors otherwise."""

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.relay.exceptions import NodeIDAnnotationError
from strawberry.relay.types import GlobalIDValueError

from api.graphql.context import Context, Info
from domain.shared.database import unavailability
from domain.shared.errors import DomainError, Forbidden, NotAuthenticated, Problem, ValidationFailed

logger = logging.getLogger("bondfire.graphql")

T = TypeVar("T")


@strawberry.interface(description="A problem with a mutation's input. Nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"]; null if general.'
    )
    message: str = strawberry.field(description="Human-readable; do not parse it, use `code`.")


async def mutate(info: Info, action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[Problem]]:
    """Run a mutation's use case in a savepoint: on any failure it changes nothing at all.

    Expected failures come back as problems for `userErrors`; authentication and permission
    failures, and anything unexpected, propagate as GraphQL errors.
    """
    context: Context = info.context
    context.require_writer()
    try:
        async with context.session.begin_nested():
            return await action(), []
    except ValidationFailed as error:
        return None, error.problems
    except (NotAuthenticated, Forbidden):
        raise
    except DomainError as error:
        return None, [Problem(error.field, error.message, error.code)]


# A scalar refusing a variable's value (a Decimal "NaN", a date "2026-02-30") is the client's.
CLIENT_ERRORS = (GlobalIDValueError, NodeIDAnnotationError, StrawberryInputCoercionError)
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


def unavailable_message(reason: str) -> str:
    return f"The database is unavailable ({reason}); nothing was changed. Retry shortly."


class ErrorMapping(SchemaExtension):
    """Adds `extensions.code` to expected errors and masks unexpected ones (logged with the id)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [self._map(error, request_id) for error in result.errors]

    def _map(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        original = error.original_error
        extensions: dict[str, Any] = dict(error.extensions or {})
        if original is None:
            extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
            message = error.message
        elif isinstance(original, DomainError):
            extensions["code"] = str(original.code)
            message = original.message
        elif isinstance(original, CLIENT_ERRORS):
            extensions["code"] = "BAD_USER_INPUT"
            message = str(original)
        elif (reason := unavailability(original)) is not None:
            # Not a bug: the database is down, gone away or full. The mutation's savepoint was
            # rolled back; the client may retry (the pool reconnects by itself).
            logger.warning(
                "database unavailable (%s) in %s: %s",
                reason,
                ".".join(map(str, error.path or [])) or "operation",
                original,
                extra={"request_id": request_id},
            )
            extensions["code"] = SERVICE_UNAVAILABLE
            message = unavailable_message(reason)
        else:
            logger.error(
                "unexpected error in %s",
                ".".join(map(str, error.path or [])) or "operation",
                exc_info=original,
                extra={"request_id": request_id},
            )
            extensions["code"] = "INTERNAL_SERVER_ERROR"
            message = "Unexpected error. Quote the request id when reporting it."
        if request_id:
            extensions["requestId"] = request_id
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
