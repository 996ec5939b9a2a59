"""Which kinds of operation an HTTP request asks for, read before it runs."""

from functools import lru_cache

from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast, parse
from strawberry.http import GraphQLRequestData


def requested_operations(
    request: GraphQLRequestData | list[GraphQLRequestData],
) -> set[OperationType]:
    kinds: set[OperationType] = set()
    for data in request if isinstance(request, list) else [request]:
        if not data.query:
            continue
        if "mutation" not in data.query and "subscription" not in data.query:
            kinds.add(OperationType.QUERY)  # most requests end here, unparsed
            continue
        document = _parsed(data.query)
        operation = get_operation_ast(document, data.operation_name) if document else None
        if operation is not None:
            kinds.add(operation.operation)
    return kinds


@lru_cache(maxsize=512)
def _parsed(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except GraphQLError:
        return None  # strawberry reports it
