"""What a document type declares: its fields, who may see each document, how to load documents
from the database and which domain events touch them. Adding a type (ideas, case studies, ...)
is one module with one DocumentType subclass, listed in search/documents/__init__.py."""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from search.filters import Filter
from search.permissions import Viewer

Document = dict[str, Any]  # "id", "created_at" (epoch seconds), attributes and text fields


@dataclass(frozen=True)
class TextField:
    """A searchable field. Weight orders relevance (title over body); `snippet` fields are
    highlighted as a cropped excerpt, the others in full. The others should be short (titles,
    names, tags): the embedded engine reads them for every match it ranks. A list of words
    (tags) may be both searched and filtered on."""

    name: str
    weight: float = 1.0
    snippet: bool = False


@dataclass(frozen=True)
class Attribute:
    """A filterable attribute. `strs` holds several values (tags). `in_text` (ints): the value is
    also written into the full-text index as a token, so an engine that ranks every text match
    before filtering (SQLite FTS5) can narrow the match to it first: for big, selective filters
    (the space of a thread or post)."""

    name: str
    kind: Literal["int", "str", "bool", "strs"]
    in_text: bool = False


@dataclass(frozen=True)
class Facet:
    name: str  # the public name, e.g. "space"
    attribute: str
    staff_only: bool = False


class DocumentType(ABC):
    name: ClassVar[str]
    text_fields: ClassVar[tuple[TextField, ...]]
    attributes: ClassVar[tuple[Attribute, ...]]
    # Public filter name -> attribute. Filters that reveal who belongs to which customer
    # account are for staff and for one's own account only.
    filters: ClassVar[Mapping[str, str]]
    facets: ClassVar[tuple[Facet, ...]]
    suggest_fields: ClassVar[tuple[str, ...]]  # what autocomplete matches on
    id_column: ClassVar[InstrumentedAttribute[int]]
    topics: ClassVar[frozenset[str]]  # outbox topics that may change documents of this type

    @abstractmethod
    def visibility(self, viewer: Viewer) -> Filter:
        """The documents this viewer may see."""

    @abstractmethod
    async def load(self, session: AsyncSession, ids: Sequence[int]) -> list[Document]:
        """Current documents for these ids; an id left out is removed from the index."""

    @abstractmethod
    async def affected(
        self, session: AsyncSession, topic: str, payload: Mapping[str, Any]
    ) -> set[int]:
        """The ids of this type's documents an outbox event may have changed."""

    def indexed_rows(self) -> ColumnElement[bool] | None:
        """Rows of id_column's table that have a document (None: all of them)."""
        return None

    def ids_after(self, after: int, limit: int) -> Select[int]:
        column = type(self).id_column  # via the class: a mapped attribute on an instance loads
        statement = select(column).where(column > after)
        if (condition := self.indexed_rows()) is not None:
            statement = statement.where(condition)
        return statement.order_by(column).limit(limit)

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def payload_ids(payload: Mapping[str, Any], key: str) -> set[int]:
    """Ids under `key` or any `*_key` (e.g. thread_id, target_thread_id), also in lists: the
    moderation events name both sides of a move or merge."""
    found: set[int] = set()
    for name, value in payload.items():
        if name not in (key, key + "s") and not name.endswith(("_" + key, "_" + key + "s")):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
                found.add(int(item))
    return found
