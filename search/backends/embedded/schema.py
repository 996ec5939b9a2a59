"""Tables of the embedded index, one set per document type and generation, and filters as SQL.

Per type T and generation G:
  d_T_G  one row per document: id, created_at and the scalar attributes, as real columns
  m_T_G  the values of many-valued attributes (tags), one row each
  f_T_G  the FTS5 table of the text fields (rowid = document id; ranking.py ranks), and a last
         column `scope_` holding the `in_text` attributes as tokens (see narrowing())
  v_T_G  fts5vocab over f_T_G: which words occur, in how many documents
  w_T_G  every word seen (3+ letters), and x_T_G its one-deletion variants: the typo dictionary
`meta` maps `live:T` to the generation searches use; a rebuild fills G+1 and swaps it in.
"""

import sqlite3
from dataclasses import dataclass
from typing import Any

from search.documents import DocumentType
from search.filters import AllOf, Always, AnyOf, Eq, Filter, Greater, In, Never

TOKENIZER = "unicode61 remove_diacritics 2"
SCOPE_COLUMN = "scope_"
INDEXED_KINDS = ("int",)  # attributes worth a b-tree index (ids: space, author, thread, ...)


@dataclass(frozen=True)
class Tables:
    doc_type: DocumentType
    generation: int

    def _name(self, prefix: str) -> str:
        return f"{prefix}_{self.doc_type.name}_{self.generation}"

    @property
    def docs(self) -> str:
        return self._name("d")

    @property
    def values(self) -> str:
        return self._name("m")

    @property
    def fts(self) -> str:
        return self._name("f")

    @property
    def vocab(self) -> str:
        return self._name("v")

    @property
    def words(self) -> str:
        return self._name("w")

    @property
    def variants(self) -> str:
        return self._name("x")

    @property
    def scalar_attributes(self) -> list[str]:
        return [a.name for a in self.doc_type.attributes if a.kind != "strs"]

    @property
    def multi_attributes(self) -> list[str]:
        return [a.name for a in self.doc_type.attributes if a.kind == "strs"]

    @property
    def text_fields(self) -> list[str]:
        return [f.name for f in self.doc_type.text_fields]

    @property
    def scoped_attributes(self) -> list[str]:
        return [a.name for a in self.doc_type.attributes if a.in_text and a.kind == "int"]

    @property
    def fts_columns(self) -> list[str]:
        return [*self.text_fields, *([SCOPE_COLUMN] if self.scoped_attributes else [])]


def scope_token(attribute: str, value: int) -> str:
    """One word for the tokenizer (letters and digits only), e.g. space_id 7 -> "aspaceidv7"."""
    return f"a{attribute.replace('_', '')}v{int(value)}"


def scope_text(tables: Tables, document: dict[str, Any]) -> str:
    return " ".join(
        scope_token(name, document[name])
        for name in tables.scoped_attributes
        if document.get(name) is not None
    )


def has_scope_column(connection: sqlite3.Connection, tables: Tables) -> bool:
    """Indexes built before the attribute was `in_text` lack it until rebuilt (`bondfire search
    reindex`); they are searched without narrowing."""
    if not tables.scoped_attributes:
        return False
    columns = {row[1] for row in connection.execute(f"PRAGMA table_info({tables.fts})")}
    return SCOPE_COLUMN in columns


def narrowing(condition: Filter, tables: Tables) -> str | None:
    """An FTS5 expression that every document matching `condition` matches: its top-level
    conjuncts on `in_text` attributes. ANDed to the text match, it lets FTS5 intersect the
    words' document lists with the (small) filter's, instead of ranking every document that
    has the words and filtering afterwards. The SQL filter still applies in full."""
    parts = condition.parts if isinstance(condition, AllOf) else (condition,)
    scoped = set(tables.scoped_attributes)
    terms = []
    for part in parts:
        if isinstance(part, Eq | In) and part.field in scoped:
            values = [part.value] if isinstance(part, Eq) else list(part.values)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                alternatives = " OR ".join(f'"{scope_token(part.field, v)}"' for v in values)  # type: ignore[arg-type]
                terms.append(f"({alternatives})")
    if not terms:
        return None
    return f"{SCOPE_COLUMN} : (" + " AND ".join(terms) + ")"


def create_meta(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")


def read_generation(connection: sqlite3.Connection, key: str) -> int | None:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else None


def write_generation(connection: sqlite3.Connection, key: str, generation: int | None) -> None:
    if generation is None:
        connection.execute("DELETE FROM meta WHERE key = ?", (key,))
    else:
        connection.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, str(generation)),
        )


def create_tables(connection: sqlite3.Connection, tables: Tables) -> None:
    sql_types = {"int": "INTEGER", "bool": "INTEGER", "str": "TEXT"}
    columns = ", ".join(
        f"{a.name} {sql_types[a.kind]}" for a in tables.doc_type.attributes if a.kind != "strs"
    )
    statements = [
        f"CREATE TABLE {tables.docs} (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL"
        + (f", {columns})" if columns else ")"),
        f"CREATE INDEX ix_{tables.docs}_created ON {tables.docs} (created_at, id)",
        *(
            f"CREATE INDEX ix_{tables.docs}_{a.name} ON {tables.docs} ({a.name}, created_at)"
            for a in tables.doc_type.attributes
            if a.kind in INDEXED_KINDS
        ),
        f"CREATE TABLE {tables.values} (field TEXT, value TEXT, doc_id INTEGER,"
        " PRIMARY KEY (field, value, doc_id)) WITHOUT ROWID",
        f"CREATE INDEX ix_{tables.values}_doc ON {tables.values} (doc_id)",
        f"CREATE VIRTUAL TABLE {tables.fts} USING fts5({', '.join(tables.fts_columns)},"
        f" tokenize='{TOKENIZER}', prefix='2 3')",
        f"CREATE VIRTUAL TABLE {tables.vocab} USING fts5vocab({tables.fts}, 'row')",
        f"CREATE TABLE {tables.words} (term TEXT PRIMARY KEY) WITHOUT ROWID",
        f"CREATE TABLE {tables.variants} (variant TEXT, term TEXT,"
        " PRIMARY KEY (variant, term)) WITHOUT ROWID",
    ]
    for statement in statements:
        connection.execute(statement)


def add_missing_columns(connection: sqlite3.Connection, tables: Tables) -> None:
    """Attributes a type gained after its live tables were made become empty columns, so the
    index keeps serving. Filters on them match no old document (permission filters fail
    closed) until it is indexed again: `bondfire search reindex --type T` after such a release."""
    present = {row[1] for row in connection.execute(f"PRAGMA table_info({tables.docs})")}
    sql_types = {"int": "INTEGER", "bool": "INTEGER", "str": "TEXT"}
    for attribute in tables.doc_type.attributes:
        if attribute.kind == "strs" or attribute.name in present:
            continue
        connection.execute(
            f"ALTER TABLE {tables.docs} ADD COLUMN {attribute.name} {sql_types[attribute.kind]}"
        )
        if attribute.kind in INDEXED_KINDS:
            connection.execute(
                f"CREATE INDEX ix_{tables.docs}_{attribute.name}"
                f" ON {tables.docs} ({attribute.name}, created_at)"
            )


def drop_tables(connection: sqlite3.Connection, tables: Tables) -> None:
    for name in (
        tables.vocab,
        tables.fts,
        tables.docs,
        tables.values,
        tables.words,
        tables.variants,
    ):
        connection.execute(f"DROP TABLE IF EXISTS {name}")


def stored(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def to_sql(condition: Filter, tables: Tables, params: list[Any]) -> str:
    """The filter as a WHERE clause over `d` (the documents table's alias)."""
    match condition:
        case Always():
            return "1"
        case Never():
            return "0"
        case Eq(field=field, value=value):
            return _match_values(field, [value], tables, params)
        case In(field=field, values=values):
            return _match_values(field, list(values), tables, params)
        case Greater(field=field, value=value):
            tables.doc_type.attribute(field)  # KeyError: not an attribute of this type
            params.append(value)
            return f"d.{field} > ?"
        case AllOf(parts=parts):
            return " AND ".join(f"({to_sql(p, tables, params)})" for p in parts)
        case AnyOf(parts=parts):
            return " OR ".join(f"({to_sql(p, tables, params)})" for p in parts)
    raise TypeError(f"not a filter: {condition!r}")


def _match_values(field: str, values: list[Any], tables: Tables, params: list[Any]) -> str:
    kind = tables.doc_type.attribute(field).kind  # KeyError: not an attribute of this type
    marks = ", ".join("?" for _ in values)
    if kind == "strs":
        params.extend([field, *values])
        return (
            f"d.id IN (SELECT doc_id FROM {tables.values} WHERE field = ? AND value IN ({marks}))"
        )
    params.extend(stored(v) for v in values)
    return f"d.{field} IN ({marks})"
