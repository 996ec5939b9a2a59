"""From a query's words to an FTS5 MATCH expression: prefix matching, synonyms and typos.

A word the index knows is matched as it is (and, for the last word, as a prefix). A word it does
not know, of 5 letters or more, is replaced by the known words within one typo (two from 9
letters; Meilisearch's defaults, with a swap of neighbours as one typo and a wrong first letter
as two), found through the deletion dictionary: two words one edit apart share a one-deletion
variant, or one is a variant of the other. Candidates are checked with the real edit distance
and the most frequent few are kept. Known words are never expanded, so exact matches are not
drowned by look-alikes.
"""

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from search.backends.embedded.schema import Tables
from search.settings import SYNONYMS
from search.text import deletions, edit_distance, max_typos, words

MAX_CANDIDATES = 6
MIN_DICTIONARY_WORD = 3
MIN_PREFIX_CHARS = 3  # searches; autocomplete extends from 2 letters (FTS5's prefix='2 3' index)


@dataclass(frozen=True)
class WordTerms:
    """How one query word is matched: as typed, as a prefix, by its synonyms (folded phrases)
    and by the known words within its typo allowance. The ranking reads the same terms."""

    word: str
    prefix: bool
    synonyms: tuple[str, ...] = ()
    typos: tuple[str, ...] = ()

    def expression(self) -> str:
        found = [_quoted(self.word)]
        if self.prefix:
            found.append(_quoted(self.word) + "*")
        found.extend(_quoted(synonym) for synonym in self.synonyms)
        found.extend(_quoted(typo) for typo in self.typos)
        return "(" + " OR ".join(found) + ")"


def word_terms(
    connection: sqlite3.Connection,
    tables: Tables,
    query_words: Sequence[str],
    *,
    prefix_last: bool,
    min_prefix: int = MIN_PREFIX_CHARS,
) -> list[WordTerms]:
    """The last word is also a prefix from
    `min_prefix` letters: a shorter one would merge the document lists of a good part of the
    vocabulary ("a*", "ex*") for hits that rank last anyway."""
    found = []
    for position, word in enumerate(query_words):
        last = prefix_last and position == len(query_words) - 1
        prefix = last and len(word) >= min_prefix and _extended(connection, tables, word)
        synonyms = tuple(" ".join(words(s)) for s in SYNONYMS.get(word, ()))
        typos: tuple[str, ...] = ()
        if max_typos(word) and not _known(connection, tables, word, last):
            typos = tuple(typo_candidates(connection, tables, word))
        found.append(WordTerms(word, prefix, synonyms, typos))
    return found


def match_expression(terms: Sequence[WordTerms], columns: Sequence[str] | None = None) -> str:
    expression = " AND ".join(term.expression() for term in terms)
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


def _quoted(text: str) -> str:
    # Query words are letters and digits only (search.text.words), so quoting is safe.
    return '"' + text + '"'


def _known(connection: sqlite3.Connection, tables: Tables, word: str, prefix: bool) -> bool:
    """Whether the dictionary has the word (or, as a prefix, a word starting with it). It keeps
    the words of deleted documents too: such a word is merely left unexpanded."""
    if prefix:
        row = connection.execute(
            f"SELECT 1 FROM {tables.words} WHERE term >= ? AND term < ? LIMIT 1",
            (word, word + "\U0010ffff"),
        ).fetchone()
    else:
        row = connection.execute(f"SELECT 1 FROM {tables.words} WHERE term = ?", (word,)).fetchone()
    return row is not None


def _extended(connection: sqlite3.Connection, tables: Tables, word: str) -> bool:
    """Whether a longer word starts with `word`. If none does, the prefix query would match
    what the word matches, only slower: FTS5 merges every prefixed term's document list."""
    row = connection.execute(
        f"SELECT 1 FROM {tables.words} WHERE term > ? AND term < ? LIMIT 1",
        (word, word + "\U0010ffff"),
    ).fetchone()
    return row is not None


def typo_candidates(connection: sqlite3.Connection, tables: Tables, word: str) -> list[str]:
    allowed = max_typos(word)
    variants = {word} | deletions(word)
    if allowed >= 2:
        variants |= {shorter for v in deletions(word) for shorter in deletions(v)}
    marks = ", ".join("?" for _ in variants)
    rows = connection.execute(
        f"SELECT term FROM {tables.words} WHERE term IN ({marks})"
        f" UNION SELECT term FROM {tables.variants} WHERE variant IN ({marks})",
        [*variants, *variants],
    ).fetchall()
    distances = {
        term: distance
        for (term,) in rows
        if term != word and (distance := _typos(word, term, allowed)) <= allowed
    }
    if not distances:
        return []
    marks = ", ".join("?" for _ in distances)
    frequency = dict(
        connection.execute(
            f"SELECT term, doc FROM {tables.vocab} WHERE term IN ({marks})", list(distances)
        ).fetchall()
    )
    ranked = sorted(
        (t for t in distances if frequency.get(t)),
        key=lambda t: (distances[t], -frequency[t], t),
    )
    return ranked[:MAX_CANDIDATES]


def _typos(word: str, term: str, allowed: int) -> int:
    """Edit distance, a swap of neighbours counting one; as in Meilisearch, a wrong first letter
    counts two (people rarely mistype it, and it makes look-alikes match)."""
    first_letter = 1 if word[:1] != term[:1] else 0
    return edit_distance(word, term, allowed) + first_letter


def add_to_dictionary(connection: sqlite3.Connection, tables: Tables, texts: Iterable[str]) -> None:
    """Adds the words of `texts` the typo dictionary does not have yet."""
    seen = {w for text in texts for w in words(text) if len(w) >= MIN_DICTIONARY_WORD}
    if not seen:
        return
    ordered = sorted(seen)
    known: set[str] = set()
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        known.update(
            term
            for (term,) in connection.execute(
                f"SELECT term FROM {tables.words} WHERE term IN ({marks})", chunk
            )
        )
    new = [w for w in ordered if w not in known]
    connection.executemany(f"INSERT INTO {tables.words} (term) VALUES (?)", [(w,) for w in new])
    connection.executemany(
        f"INSERT OR IGNORE INTO {tables.variants} (variant, term) VALUES (?, ?)",
        [(variant, w) for w in new for variant in deletions(w)],
    )
