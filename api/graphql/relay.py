"""Relay connections over keyset pages."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry import relay

from domain.shared.pagination import Page, PageRequest

N = TypeVar("N", bound=relay.Node)
M = TypeVar("M")
C = TypeVar("C", bound=relay.Connection[Any])


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


def to_connection(connection_type: type[C], page: Page[M], convert: Callable[[M], Any]) -> C:
    edges = [
        relay.Edge(cursor=cursor, node=convert(item))
        for item, cursor in zip(page.items, page.cursors, strict=True)
    ]
    return connection_type(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )


# Primary keys are 32-bit integers on PostgreSQL: a larger id names no row, and sending it to
# the database would fail (out of range) instead of finding nothing.
MAX_ROW_ID = 2**31 - 1


def is_row_id(node_id: str) -> bool:
    """Whether a global id's node part can be a database id: ASCII digits (str.isdigit also
    accepts "²", which int() refuses) within the primary key's range."""
    return (
        node_id.isascii()
        and node_id.isdigit()
        and len(node_id) <= len(str(MAX_ROW_ID))
        and int(node_id) <= MAX_ROW_ID
    )


def decode_id(global_id: relay.GlobalID, expected_type: str, field: Sequence[str]) -> int:
    """The database id behind a global id of the expected type, or a not-found domain error."""
    from domain.shared.errors import DomainError

    if global_id.type_name != expected_type or not is_row_id(global_id.node_id):
        raise DomainError(f"{expected_type} not found", code="NOT_FOUND", field=list(field))
    return int(global_id.node_id)


def node_ints(node_ids: list[str]) -> list[int]:
    """Database ids of the node ids strawberry hands `resolve_nodes` (junk becomes 0: no row)."""
    return [int(i) if is_row_id(i) else 0 for i in node_ids]
