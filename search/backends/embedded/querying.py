"""Running one document type's query on the embedded index: the newest full-text matches ranked
by search.backends.embedded.ranking (or the most recent documents for an empty query), a capped
count and facet counts, all under the viewer's filter."""

import sqlite3
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from search.backends.embedded.highlighting import Marker
from search.backends.embedded.matching import MIN_PREFIX_CHARS, match_expression, word_terms
from search.backends.embedded.ranking import Ranker, short_fields
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
from search.text import safe_highlight


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
    # Autocomplete extends a last word from two letters: the user is still typing it.
    min_prefix = 2 if query.mode is Mode.SUGGEST else MIN_PREFIX_CHARS
    while True:
        terms = word_terms(connection, tables, words, prefix_last=True, min_prefix=min_prefix)
        match = match_expression(terms, columns)
        if narrowed is not None:
            match = f"{narrowed} AND {match}"
        ranker = Ranker(tables.doc_type, terms, asked=len(query.words))
        marker = Marker.of(terms)
        result = _ranked(connection, tables, match, where, params, query, ranker, marker)
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
    ranker: Ranker,
    marker: Marker,
) -> TypeResult:
    """The newest MAX_TOTAL_HITS matches, read in one statement with their short fields and
    facet attributes, then ranked in Python: FTS5 yields matches newest first and stops there,
    so a broad query costs about what a narrow one does. The total and the facets count that
    same window (the total is capped there anyway); highlights are made for the page only."""
    fields = short_fields(tables.doc_type) if ranker.reads_fields else []
    scalar_facets = [a for a in query.facets if tables.doc_type.attribute(a).kind != "strs"]
    # CROSS JOIN keeps SQLite from driving the query from a selective filter's index and
    # running the full-text match once per row (seconds instead of milliseconds). The short
    # fields come from FTS5's content table (columns c0, c1, ... by position), a plain rowid
    # lookup that costs less than reading them through the full-text cursor.
    positions = [tables.fts_columns.index(name) for name in fields]
    content = f" CROSS JOIN {tables.fts}_content AS c ON c.id = d.id" if fields else ""
    window = connection.execute(
        "SELECT d.id"
        + "".join(f", c.c{position}" for position in positions)
        + "".join(f", d.{a}" for a in scalar_facets)
        + f" FROM {tables.fts} CROSS JOIN {tables.docs} AS d ON d.id = {tables.fts}.rowid"
        + content
        + f" WHERE {tables.fts} MATCH ? AND ({where})"
        f" ORDER BY {tables.fts}.rowid DESC LIMIT {MAX_TOTAL_HITS}",
        [match, *params],
    ).fetchall()
    end = 1 + len(fields)
    if fields:
        texts = [[row[i] for row in window] for i in range(1, end)]
        best = [(score, window[row][0]) for score, row in ranker.best(texts, query.limit)]
    else:  # nothing tells the rows apart: the newest first
        best = [(ranker.base, row[0]) for row in window[: query.limit]]
    marked = _highlighted(connection, tables, marker, [doc_id for _, doc_id in best], query)
    hits = []
    for score, doc_id in best:
        highlights = tuple(
            Highlight(name, text)
            for name, raw in marked.get(doc_id, ())
            if (text := safe_highlight(raw or "")) is not None
        )
        hits.append(Hit(tables.doc_type.name, doc_id, score, highlights))
    facets: dict[str, dict[str, int]] = {}
    for attribute in query.facets:
        kind = tables.doc_type.attribute(attribute).kind
        if kind == "strs":
            facets[attribute] = _value_counts(connection, tables, attribute, [r[0] for r in window])
        else:
            raw = Counter(map(itemgetter(end + scalar_facets.index(attribute)), window))
            raw.pop(None, None)
            facets[attribute] = _top(Counter({_facet_value(kind, v): n for v, n in raw.items()}))
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
    marker: Marker,
    ids: Sequence[int],
    query: TypeQuery,
) -> dict[int, list[tuple[str, str]]]:
    """(field, marked-up text) per document, for the shown fields that matched."""
    shown = set(tables.doc_type.suggest_fields) if query.mode is Mode.SUGGEST else None
    fields = [f for f in tables.doc_type.text_fields if shown is None or f.name in shown]
    if not fields or not ids:
        return {}
    rows = connection.execute(
        f"SELECT rowid, {', '.join(f.name for f in fields)} FROM {tables.fts}"
        f" WHERE rowid IN ({', '.join('?' for _ in ids)})",
        list(ids),
    ).fetchall()
    found: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        for field, text in zip(fields, row[1:], strict=True):
            if text and (marked := marker.mark(text, crop=field.snippet)) is not None:
                found.setdefault(row[0], []).append((field.name, marked))
    return found


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
