"""Highlights for the page's hits, marked in Python from the stored text and the query's terms.

FTS5's highlight() and snippet() run the whole MATCH expression again for each row, which on a
large index cost more than reading the page's texts and marking them here (3 ms against 0.1 ms
for 20 hits). A token is marked when it is a query word as typed, a synonym, a typo candidate
the query searched for, or (for the last word) a longer word it begins: exactly the terms the
MATCH expression used. Long fields are cropped to the SNIPPET_WORDS tokens around the most
matches, with an ellipsis where text was cut, as FTS5's snippet() and Meilisearch's crop do.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from search.backends.embedded.matching import WordTerms
from search.settings import SNIPPET_WORDS
from search.text import ELLIPSIS, MARK_CLOSE, MARK_OPEN, fold

TOKEN = re.compile(r"[^\W_]+")  # search.text.words' definition of a word


@dataclass(frozen=True)
class Marker:
    """Which tokens of a text match a query's terms."""

    exact: frozenset[str]  # the words, their typo candidates and one-word synonyms
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]  # synonyms of several words

    @classmethod
    def of(cls, terms: Sequence[WordTerms]) -> "Marker":
        exact: set[str] = set()
        phrases: list[tuple[str, ...]] = []
        for term in terms:
            exact.add(term.word)
            exact.update(term.typos)
            for synonym in term.synonyms:
                words = tuple(synonym.split())
                if len(words) == 1:
                    exact.add(words[0])
                elif words:
                    phrases.append(words)
        prefixes = tuple(t.word for t in terms if t.prefix)
        return cls(frozenset(exact), prefixes, tuple(phrases))

    def mark(self, text: str, *, crop: bool) -> str | None:
        """The text with matches between MARK_OPEN and MARK_CLOSE (cropped if `crop`); None
        when nothing in it matches."""
        spans = [(m.start(), m.end(), fold(m.group())) for m in TOKEN.finditer(text)]
        hits = self._matched([folded for _, _, folded in spans])
        if not any(hits):
            return None
        first, last = 0, len(spans)
        if crop and len(spans) > SNIPPET_WORDS:
            first = _best_window(hits, SNIPPET_WORDS)
            last = first + SNIPPET_WORDS
        start = spans[first][0] if first > 0 else 0
        end = spans[last - 1][1] if last < len(spans) else len(text)
        parts = [ELLIPSIS] if first > 0 else []
        position = start
        shown = zip(spans[first:last], hits[first:last], strict=True)
        for (token_start, token_end, _), hit in shown:
            if hit:
                parts += [text[position:token_start], MARK_OPEN, text[token_start:token_end]]
                parts.append(MARK_CLOSE)
                position = token_end
        parts.append(text[position:end])
        if last < len(spans):
            parts.append(ELLIPSIS)
        return "".join(parts)

    def _matched(self, tokens: Sequence[str]) -> list[bool]:
        hits = [token in self.exact or token.startswith(self.prefixes) for token in tokens]
        for phrase in self.phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                if tuple(tokens[i : i + size]) == phrase:
                    hits[i : i + size] = [True] * size
        return hits


def _best_window(hits: Sequence[bool], size: int) -> int:
    """The start of `size` tokens holding the most matches, centred on them."""
    count = sum(hits[:size])
    best, best_start = count, 0
    for start in range(1, len(hits) - size + 1):
        count += hits[start + size - 1] - hits[start - 1]
        if count > best:
            best, best_start = count, start
    inside = [i for i in range(best_start, best_start + size) if hits[i]]
    first, last = inside[0], inside[-1]
    centred = first - (size - (last - first + 1)) // 2
    return max(0, min(centred, len(hits) - size))
