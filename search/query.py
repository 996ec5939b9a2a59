"""What a search asks for and what comes back, for every backend."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from search.filters import Filter

MAX_LIMIT = 100
MAX_TOTAL_HITS = 1000  # as deep as anyone pages (Meilisearch's default maxTotalHits)
MAX_FACET_VALUES = 100
DEFAULT_SUGGESTIONS = 8


class Mode(StrEnum):
    SEARCH = "SEARCH"
    SUGGEST = "SUGGEST"  # autocomplete: the last word is a prefix, short fields only


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    types: tuple[str, ...] | None = None  # None: every type
    filters: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    limit: int = 20
    offset: int = 0
    facets: bool = False
    mode: Mode = Mode.SEARCH


@dataclass(frozen=True)
class TypeQuery:
    """One document type's part of a search, as a backend runs it."""

    text: str  # the query as typed, trimmed (Meilisearch parses it itself)
    words: tuple[str, ...]  # the query's words, folded, at most MAX_QUERY_WORDS
    condition: Filter  # permissions and the caller's filters
    limit: int
    facets: tuple[str, ...]  # attribute names to count
    mode: Mode


@dataclass(frozen=True)
class Highlight:
    field: str
    snippet: str  # HTML-safe: text escaped, matches in <mark>


@dataclass(frozen=True)
class Hit:
    type: str
    id: int
    score: float  # higher is better; comparable across types of one search
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class TypeResult:
    hits: list[Hit]
    total: int  # estimated, at most MAX_TOTAL_HITS
    facets: dict[str, dict[str, int]]  # attribute -> value -> count


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    has_more: bool
    facets: dict[str, dict[str, int]]  # public facet name -> value -> count
