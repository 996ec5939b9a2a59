"""Running one document type's query on the embedded index: BM25-ranked full-text matches (or
the most recent documents for an empty query), a capped count and facet counts, all under the
viewer's filter."""

import sqlite3
from collections import Counter
from collections.abc import Sequence
from typing import Any

from search.backends.embedded.matching import match_expression
from search.backends.embedded.schema import Tables, has_scope_column, narrowing, to_sql
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
    scoped = has_scope_column(connection, tables)
    columns: Sequence[str] | None = (
        tables.doc_type.suggest_fields if query.mode is Mode.SUGGEST else None
    )
    if columns is None and scoped:
        columns = tables.text_fields  # the words never match the scope column's tokens
    narrowed = narrowing(query.condition, tables) if scoped else None
    words = list(query.words)
    while True:
        match = match_expression(connection, tables, words, prefix_last=True, columns=columns)
        if match is not None and narrowed is not None:
            match = f"{narrowed} AND {match}"
        if match is not None:
            result = _ranked(connection, tables, match, where, params, query, scoped)
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
        facets=_facets(connection, tables, source, [], where, params, query.facets),
    )


def _ranked(
    connection: sqlite3.Connection,
    tables: Tables,
    match: str,
    where: str,
    params: list[Any],
    query: TypeQuery,
    scoped: bool,
) -> TypeResult:
    """BM25 over the newest MAX_TOTAL_HITS matches, read in one statement: FTS5 yields matches
    newest first and stops there, so a broad query costs about what a narrow one does. The
    total and the facets count that same window (the total is capped there anyway); highlights
    are made for the page's hits only."""
    fields = tables.doc_type.text_fields
    # The scope column (when there is one) weighs nothing: filters do not rank.
    weights = ", ".join([*(str(f.weight) for f in fields), *(["0.0"] if scoped else [])])
    scalar_facets = [a for a in query.facets if tables.doc_type.attribute(a).kind != "strs"]
    # CROSS JOIN keeps SQLite from driving the query from a selective filter's index and
    # running the full-text match once per row (seconds instead of milliseconds).
    window = connection.execute(
        f"SELECT d.id, bm25({tables.fts}, {weights})"
        + "".join(f", d.{a}" for a in scalar_facets)
        + f" FROM {tables.fts} CROSS JOIN {tables.docs} AS d ON d.id = {tables.fts}.rowid"
        f" WHERE {tables.fts} MATCH ? AND ({where})"
        f" ORDER BY {tables.fts}.rowid DESC LIMIT {MAX_TOTAL_HITS}",
        [match, *params],
    ).fetchall()
    best = sorted(window, key=lambda row: (row[1], -row[0]))[: query.limit]
    marked = _highlighted(connection, tables, match, [row[0] for row in best], query)
    hits = []
    for row in best:
        relevance = max(0.0, -float(row[1]))
        highlights = tuple(
            Highlight(name, text)
            for name, raw in marked.get(row[0], ())
            if (text := safe_highlight(raw or "")) is not None
        )
        hits.append(Hit(tables.doc_type.name, row[0], relevance / (1 + relevance), highlights))
    facets: dict[str, dict[str, int]] = {}
    for attribute in query.facets:
        kind = tables.doc_type.attribute(attribute).kind
        if kind == "strs":
            facets[attribute] = _value_counts(connection, tables, attribute, [r[0] for r in window])
        else:
            column = 2 + scalar_facets.index(attribute)
            counted = Counter(
                _facet_value(kind, row[column]) for row in window if row[column] is not None
            )
            facets[attribute] = _top(counted)
    return TypeResult(hits=hits, total=len(window), facets=facets)


def _value_counts(
    connection: sqlite3.Connection, tables: Tables, attribute: str, ids: Sequence[int]
) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        counted.update(
            dict(
                connection.execute(
                    # `+field`: look the documents up by id, not every value of the field.
                    f"SELECT value, count(*) FROM {tables.values} WHERE +field = ?"
                    f" AND doc_id IN ({', '.join('?' for _ in chunk)}) GROUP BY value",
                    [attribute, *chunk],
                ).fetchall()
            )
        )
    return _top(counted)


def _top(counted: Counter[str]) -> dict[str, int]:
    """The most frequent values first (ties by value), as the SQL facets order them."""
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return dict(ordered[:MAX_FACET_VALUES])


def _highlighted(
    connection: sqlite3.Connection,
    tables: Tables,
    match: str,
    ids: Sequence[int],
    query: TypeQuery,
) -> dict[int, list[tuple[str, str]]]:
    """(field, marked-up text) per document, for the shown fields."""
    shown = set(tables.doc_type.suggest_fields) if query.mode is Mode.SUGGEST else None
    marked: list[tuple[str, str]] = []  # (field, SQL)
    for position, field in enumerate(tables.doc_type.text_fields):
        if shown is not None and field.name not in shown:
            continue
        if field.snippet:
            sql = f"snippet({tables.fts}, {position}, ?, ?, '{ELLIPSIS}', {SNIPPET_WORDS})"
        else:
            sql = f"highlight({tables.fts}, {position}, ?, ?)"
        marked.append((field.name, sql))
    if not marked or not ids:
        return {}
    marks = [value for _ in marked for value in (MARK_OPEN, MARK_CLOSE)]
    rows = connection.execute(
        f"SELECT rowid, {', '.join(sql for _, sql in marked)} FROM {tables.fts}"
        f" WHERE {tables.fts} MATCH ? AND rowid IN ({', '.join('?' for _ in ids)})",
        [*marks, match, *ids],
    ).fetchall()
    return {
        row[0]: [(name, raw) for (name, _), raw in zip(marked, row[1:], strict=True)]
        for row in rows
    }


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
    source_params: list[Any],
    where: str,
    where_params: list[Any],
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
                [*source_params, attribute, *where_params],
            ).fetchall()
        else:
            rows = connection.execute(
                f"SELECT d.{attribute}, count(*) FROM {source}"
                f" WHERE ({where}) AND d.{attribute} IS NOT NULL"
                f" GROUP BY d.{attribute} ORDER BY 2 DESC, 1 LIMIT {MAX_FACET_VALUES}",
                [*source_params, *where_params],
            ).fetchall()
        found[attribute] = {_facet_value(kind, value): int(count) for value, count in rows}
    return found


def _facet_value(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    return str(value)
