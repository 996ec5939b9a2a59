"""Keyset (cursor) pagination: stable under inserts, constant cost per page whatever its depth."""

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import BindParameter, DateTime, Integer, Select, bindparam, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.shared.errors import BadRequest

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    @property
    def walk(self) -> "Walk":
        return Walk(self.backwards, self.after is not None, self.before is not None)

    @property
    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise BadRequest("pass either `first` or `last`, not both")
        size = self.last if self.backwards else self.first
        if size is None:
            return DEFAULT_PAGE_SIZE
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise BadRequest(f"page size must be between 0 and {MAX_PAGE_SIZE}, got {size}")
        return size


@dataclass(frozen=True)
class Walk:
    """The shape of a page request: it decides the statement, the cursors' values are its bind
    parameters (page_parameters). A list's statement can so be built once per shape."""

    backwards: bool
    after: bool
    before: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    values = _decode_json(cursor, len(keys))
    try:
        return [
            datetime.fromisoformat(v) if _is_datetime(key) and isinstance(v, str) else v
            for key, v in zip(keys, values, strict=True)
        ]
    except ValueError as error:
        raise BadRequest("cursor is not valid") from error


def _bounds(keys: Sequence[InstrumentedAttribute[Any]], name: str) -> Any:
    # Each bound typed as its key's column, so it is stored-format on every database (an
    # untyped datetime would compare as a differently formatted string on SQLite).
    return tuple_(
        *(bindparam(f"{name}_{i}", type_=k.type, required=True) for i, k in enumerate(keys))
    )


def _is_datetime(key: InstrumentedAttribute[Any]) -> bool:
    return isinstance(getattr(key.type, "impl", key.type), DateTime)


def _decode_json(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("cursor is not valid") from error
    if not isinstance(values, list) or len(values) != width:
        raise BadRequest("cursor is not valid for this list")
    if not all(isinstance(v, str | int | bool) for v in values):
        raise BadRequest("cursor is not valid")
    return values


_LIMIT: BindParameter[int] = bindparam("page_limit", type_=Integer, required=True)


def keyset_statement(
    statement: Select[T],
    keys: Sequence[InstrumentedAttribute[Any]],
    walk: Walk,
    *,
    descending: bool = False,
) -> Select[T]:
    """`statement` ordered by `keys` for this walk, bounded by the cursors and the page size as
    bind parameters: run it with page_parameters(keys, request)."""
    key_tuple = tuple_(*keys)
    if walk.after:
        after = _bounds(keys, "page_after")
        statement = statement.where(key_tuple < after if descending else key_tuple > after)
    if walk.before:
        before = _bounds(keys, "page_before")
        statement = statement.where(key_tuple > before if descending else key_tuple < before)
    # Walking backwards reads the list in reverse order, then flips the page.
    if walk.backwards != descending:
        statement = statement.order_by(*(key.desc() for key in keys))
    else:
        statement = statement.order_by(*keys)
    return statement.limit(_LIMIT)


def page_parameters(
    keys: Sequence[InstrumentedAttribute[Any]], request: PageRequest
) -> dict[str, Any]:
    """The bind parameters of keyset_statement for this request (one row more than the page,
    to tell whether there is a next one)."""
    parameters: dict[str, Any] = {"page_limit": request.size + 1}
    for name, cursor in (("page_after", request.after), ("page_before", request.before)):
        if cursor is not None:
            values = decode_cursor(cursor, keys)
            parameters |= {f"{name}_{i}": value for i, value in enumerate(values)}
    return parameters


def page_of(rows: list[T], request: PageRequest, key_of: Callable[[T], Sequence[Any]]) -> Page[T]:
    """The page from the rows keyset_statement returned."""
    size = request.size
    has_more = len(rows) > size
    rows = rows[:size]
    if request.backwards:
        rows.reverse()
        has_next, has_previous = request.before is not None, has_more
    else:
        has_next, has_previous = has_more, request.after is not None
    return Page(
        items=rows,
        cursors=[encode_cursor(key_of(row)) for row in rows],
        has_next_page=has_next,
        has_previous_page=has_previous,
    )


async def paginate(
    session: AsyncSession,
    statement: Select[T],
    keys: Sequence[InstrumentedAttribute[Any]],
    key_of: Callable[[T], Sequence[Any]],
    request: PageRequest,
    *,
    descending: bool = False,
) -> Page[T]:
    """Page through `statement` ordered by `keys` (the last key must be unique, e.g. the id).

    All keys sort the same way: ascending, or descending with `descending=True`. Keys hold
    strings, integers, booleans or datetimes (cursors are JSON).
    """
    bounded = keyset_statement(statement, keys, request.walk, descending=descending)
    rows = await session.scalars(bounded, page_parameters(keys, request))
    return page_of(list(rows.all()), request, key_of)
