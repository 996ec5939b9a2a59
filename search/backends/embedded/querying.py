"""Running one document type's query on the embedded index: BM25-ranked full-text matches (or
the most recent documents for an empty query), a capped count and facet counts, all under the
viewer's filter."""

import sqlite3
from collections.abc import Sequence
from typing import Any

from search.backends.embedded.matching import match_expression
from search.backends.embedded.schema import Tables, to_sql
from search.filters import Never
from search.query import (
    MAX_FACET_VALUES,
    MAX_TOTAL_HITS,
    Highlight,
    Hit,
    Mode,
    TypeQuery,
    TypeResult,
)
from search.settings import SNIPPET_WORDS
from search.text import ELLIPSIS, MARK_CLOSE, MARK_OPEN, safe_highlight


def run_query(connection: sqlite3.Connection, tables: Tables, query: TypeQuery) -> TypeResult:
    if isinstance(query.condition, Never):
        return TypeResult(hits=[], total=0, facets={})
    params: list[Any] = []
    where = to_sql(query.condition, tables, params)
    if not query.words:
        return _browse(connection, tables, where, params, query)
    columns = tables.doc_type.suggest_fields if query.mode is Mode.SUGGEST else None
    words = list(query.words)
    while True:
        match = match_expression(connection, tables, words, prefix_last=True, columns=columns)
        if match is not None:
            result = _ranked(connection, tables, match, where, params, query)
            if result.hits or query.mode is Mode.SUGGEST:
                return result
        if len(words) == 1 or query.mode is Mode.SUGGEST:
            return TypeResult(hits=[], total=0, facets={})
        words.pop()  # Meilisearch's "last" matching strategy: drop words from the end


def _browse(
    connection: sqlite3.Connection, tables: Tables, where: str, params: list[Any], query: TypeQuery
) -> TypeResult:
    """No words: the most recent documents first."""
    rows = connection.execute(
        f"SELECT d.id, d.created_at FROM {tables.docs} AS d WHERE {where}"
        " ORDER BY d.created_at DESC, d.id DESC LIMIT ?",
        [*params, query.limit],
    ).fetchall()
    source = f"{tables.docs} AS d"
    return TypeResult(
        hits=[Hit(tables.doc_type.name, row[0], float(row[1])) for row in rows],
        total=_count(connection, source, where, params),
        facets=_facets(connection, tables, source, where, params, query.facets),
    )


def _ranked(
    connection: sqlite3.Connection,
    tables: Tables,
    match: str,
    where: str,
    params: list[Any],
    query: TypeQuery,
) -> TypeResult:
    fields = tables.doc_type.text_fields
    weights = ", ".join(str(f.weight) for f in fields)
    shown = set(tables.doc_type.suggest_fields) if query.mode is Mode.SUGGEST else None
    marked: list[tuple[str, str]] = []  # (field, SQL)
    for position, field in enumerate(fields):
        if shown is not None and field.name not in shown:
            continue
        if field.snippet:
            sql = f"snippet({tables.fts}, {position}, ?, ?, '{ELLIPSIS}', {SNIPPET_WORDS})"
        else:
            sql = f"highlight({tables.fts}, {position}, ?, ?)"
        marked.append((field.name, sql))
    marks = [value for _ in marked for value in (MARK_OPEN, MARK_CLOSE)]
    # CROSS JOIN keeps SQLite from driving the query from a selective filter's index and
    # running the full-text match once per row (seconds instead of milliseconds).
    source = f"{tables.fts} CROSS JOIN {tables.docs} AS d ON d.id = {tables.fts}.rowid"
    condition = f"{tables.fts} MATCH ? AND ({where})"
    rows = connection.execute(
        f"SELECT d.id, bm25({tables.fts}, {weights}) AS rank"
        + "".join(f", {sql}" for _, sql in marked)
        + f" FROM {source} WHERE {condition} ORDER BY rank, d.id DESC LIMIT ?",
        [*marks, match, *params, query.limit],
    ).fetchall()
    hits = []
    for row in rows:
        relevance = max(0.0, -float(row[1]))
        highlights = tuple(
            Highlight(name, text)
            for (name, _), raw in zip(marked, row[2:], strict=True)
            if (text := safe_highlight(raw or "")) is not None
        )
        hits.append(Hit(tables.doc_type.name, row[0], relevance / (1 + relevance), highlights))
    all_params = [match, *params]
    return TypeResult(
        hits=hits,
        total=_count(connection, source, condition, all_params),
        facets=_facets(connection, tables, source, condition, all_params, query.facets),
    )


def _count(connection: sqlite3.Connection, source: str, where: str, params: list[Any]) -> int:
    row = connection.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where} LIMIT {MAX_TOTAL_HITS})",
        params,
    ).fetchone()
    return int(row[0])


def _facets(
    connection: sqlite3.Connection,
    tables: Tables,
    source: str,
    where: str,
    params: list[Any],
    attributes: Sequence[str],
) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for attribute in attributes:
        kind = tables.doc_type.attribute(attribute).kind
        if kind == "strs":
            rows = connection.execute(
                f"SELECT m.value, count(*) FROM {source}"
                f" JOIN {tables.values} AS m ON m.doc_id = d.id AND m.field = ?"
                f" WHERE {where} GROUP BY m.value ORDER BY 2 DESC, 1 LIMIT {MAX_FACET_VALUES}",
                [attribute, *params],
            ).fetchall()
        else:
            rows = connection.execute(
                f"SELECT d.{attribute}, count(*) FROM {source}"
                f" WHERE ({where}) AND d.{attribute} IS NOT NULL"
                f" GROUP BY d.{attribute} ORDER BY 2 DESC, 1 LIMIT {MAX_FACET_VALUES}",
                params,
            ).fetchall()
        found[attribute] = {_facet_value(kind, value): int(count) for value, count in rows}
    return found


def _facet_value(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    return str(value)
