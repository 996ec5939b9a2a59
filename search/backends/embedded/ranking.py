"""Ranking the newest matches in Python, by Meilisearch's rules rather than BM25.

BM25 needs each phrase's document frequency over the whole index, which FTS5 counts on every
query: on a large forum, where common words are in tens of thousands of documents, that count
was most of a query's time. The rules here read only the window's own short fields (titles,
tags, names), which the window query returns with the matches:

- words: the share of the query's words the match needed (words are dropped from the end when
  nothing matches them all);
- attribute and exactness: per word, the best field it occurs in (by the field's weight), and
  how: as typed, a synonym, a longer word it begins, or a typo. A word not seen in a short field
  matched in a long one (a body), and ranks as such;
- recency breaks ties: equal scores keep the window's newest-first order.

A window holds up to a thousand rows, so each short field is searched for all rows at once: one
regular expression over the rows' texts joined, then only the matches are looked at.
"""

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from search.backends.embedded.matching import WordTerms
from search.documents import DocumentType
from search.text import fold

EXACT, SYNONYM, PREFIX, TYPO = 1.0, 0.9, 0.8, 0.6
IN_LONG_FIELD = 0.7  # how a word matched in a body is not known without reading the body
WORDS_SHARE = 0.5  # of the score: the rest is attribute and exactness


def short_fields(doc_type: DocumentType) -> list[str]:
    """The fields a window row carries for ranking: the ones not cropped into snippets."""
    return [f.name for f in doc_type.text_fields if not f.snippet]


class Ranker:
    """Scores in [0, 1]: comparable across document types of one search."""

    def __init__(self, doc_type: DocumentType, terms: Sequence[WordTerms], asked: int) -> None:
        top = max(f.weight for f in doc_type.text_fields)
        self._weights = [f.weight / top for f in doc_type.text_fields if not f.snippet]
        long = [f.weight / top for f in doc_type.text_fields if f.snippet]
        self._long = max(long, default=0.0) * IN_LONG_FIELD
        self._terms = list(terms)
        self._words = len(terms) / max(asked, 1)
        self._pattern, self._groups = _pattern(self._terms)

    @property
    def reads_fields(self) -> bool:
        """Whether rows can differ at all: a type with long fields only ranks by recency."""
        return bool(self._weights)

    @property
    def base(self) -> float:
        """The score of a row none of whose words is in a short field."""
        return self._score([self._long] * len(self._terms))

    def best(self, fields: Sequence[Sequence[str | None]], limit: int) -> list[tuple[float, int]]:
        """(score, row) of the `limit` best rows; `fields[i][row]` is short field i's text."""
        rows = len(fields[0]) if fields else 0
        found: dict[int, list[float]] = {}  # row -> per term, the best weight x exactness
        for weight, texts in zip(self._weights, fields, strict=True):
            for row, term, how in self._matches(texts):
                value = weight * how
                best = found.setdefault(row, [self._long] * len(self._terms))
                if value > best[term]:
                    best[term] = value
        scored = sorted(
            ((self._score(per_term), row) for row, per_term in found.items()),
            key=lambda pair: (-pair[0], pair[1]),
        )
        ranked = scored[:limit]
        if len(ranked) < limit:  # then the rest, newest first
            base = self.base
            ranked += [(base, r) for r in range(rows) if r not in found][: limit - len(ranked)]
        return sorted(ranked, key=lambda pair: (-pair[0], pair[1]))

    def _score(self, per_term: Sequence[float]) -> float:
        quality = sum(per_term) / len(per_term) if per_term else 0.0
        return self._words * (WORDS_SHARE + (1 - WORDS_SHARE) * quality)

    def _matches(self, texts: Sequence[str | None]) -> list[tuple[int, int, float]]:
        """(row, term, exactness) for every match of a term in these texts."""
        if self._pattern is None:
            return []
        joined = "\n".join(text or "" for text in texts)
        if joined.isascii():  # the common case: folding keeps every offset
            folded = joined.lower()
            lengths = [len(text or "") + 1 for text in texts]
        else:
            parts = [fold(text or "").replace("\n", " ") for text in texts]
            folded = "\n".join(parts)
            lengths = [len(part) + 1 for part in parts]
        ends = list(accumulate(lengths))
        found = []
        # Plain alternatives let the regex engine skip ahead by first letter; word boundaries
        # are checked here, for the few places that match.
        for match in self._pattern.finditer(folded):
            start, end = match.span()
            if start and folded[start - 1].isalnum():
                continue  # inside a word
            term, how, prefix = self._groups[match.lastindex or 0]
            if end < len(folded) and folded[end].isalnum():
                if not prefix:
                    continue
                how = PREFIX  # the beginning of a longer word
            found.append((bisect_right(ends, start), term, how))
        return found


Groups = dict[int, tuple[int, float, bool]]  # group -> (term, exactness, may be a prefix)


def _pattern(terms: Sequence[WordTerms]) -> tuple[re.Pattern[str] | None, Groups]:
    """One expression finding every term's variants; each alternative is a group that tells
    which term and how it matched. Longer variants go first, so the longest one wins."""
    variants: list[tuple[str, int, float, bool]] = []
    for index, term in enumerate(terms):
        variants.append((term.word, index, EXACT, term.prefix))
        variants += [(synonym, index, SYNONYM, False) for synonym in term.synonyms]
        variants += [(typo, index, TYPO, False) for typo in term.typos]
    if not variants:
        return None, {}
    variants.sort(key=lambda v: -len(v[0]))
    groups: Groups = {}
    alternatives = []
    for number, (text, index, how, prefix) in enumerate(variants, start=1):
        groups[number] = (index, how, prefix)
        alternatives.append("(" + r"\W+".join(re.escape(w) for w in text.split()) + ")")
    return re.compile("|".join(alternatives)), groups
